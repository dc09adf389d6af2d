/** Secret `file:` sources: a FIFO, a device, a directory or an oversized file is refused at once, never read. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_SECRET_FILE_BYTES, readSecretFile, secretFileKindProblem } from '../../src/runbook/secret-file.js';

const dir = mkdtempSync(join(tmpdir(), 'golive-secret-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readSecretFile', () => {
  it('reads a regular file, without its trailing newline', () => {
    const file = join(dir, 'token.txt');
    writeFileSync(file, 's3cret\n');
    expect(readSecretFile(file)).toEqual({ value: 's3cret' });
    expect(secretFileKindProblem(file)).toBeUndefined();
  });

  it('refuses a FIFO at once instead of waiting for a writer', () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const started = Date.now();
    expect(readSecretFile(fifo)).toEqual({ problem: expect.stringContaining('is a FIFO') });
    expect(secretFileKindProblem(fifo)).toContain('is a FIFO');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('refuses a device (/dev/zero would never end) and a directory', () => {
    expect(readSecretFile('/dev/zero')).toEqual({ problem: 'is a device, not a file' });
    expect(readSecretFile(dir)).toEqual({ problem: 'is a directory, not a file' });
  });

  it('refuses a file over 64 KiB, and accepts one of exactly 64 KiB', () => {
    const big = join(dir, 'big');
    writeFileSync(big, 'x'.repeat(MAX_SECRET_FILE_BYTES + 1));
    expect(readSecretFile(big)).toEqual({ problem: `is ${MAX_SECRET_FILE_BYTES + 1} bytes; a secret file may hold at most 65536 bytes (64 KiB)` });
    writeFileSync(big, 'x'.repeat(MAX_SECRET_FILE_BYTES));
    expect(readSecretFile(big)).toEqual({ value: 'x'.repeat(MAX_SECRET_FILE_BYTES) });
  });

  it('refuses a NUL byte, and says when the file is missing', () => {
    const nul = join(dir, 'nul');
    writeFileSync(nul, 'a\0b');
    expect(readSecretFile(nul)).toEqual({ problem: 'contains a NUL byte, which no process can receive' });
    expect(readSecretFile(join(dir, 'missing'))).toEqual({ problem: 'no such file' });
    expect(secretFileKindProblem(join(dir, 'missing'))).toBeUndefined();
  });
});
