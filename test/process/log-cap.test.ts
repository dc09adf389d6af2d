import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CappedLog, DEFAULT_LOG_MAX_BYTES, logMaxFromEnvironment } from '../../src/process/log-cap.ts';
import { LogFile } from '../../src/process/log-file.ts';
import { createProcessRunner } from '../../src/process/runner.ts';
import type { OutputStream } from '../../src/process/types.ts';
import { bashSpec, makeTempDir } from './helpers.ts';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.cleanup());

/** A capped log at `path` in the temp dir; failures are collected. */
function cappedLog(maxBytes: number, name = 'step.log') {
  const path = join(temp.dir, name);
  const failures: string[] = [];
  const hooks = { failed: (message: string) => failures.push(message) };
  return { path, failures, log: new CappedLog(new LogFile(path, hooks), path, maxBytes, (message) => failures.push(message)) };
}

const MARKER = /… \[golive left out (\d+) bytes here: a log keeps the first (.+?) and the last (.+?) of a command's output \(GOLIVE_LOG_MAX\)\]\n/;

describe('the log size cap', () => {
  it('writes everything when the output fits, with no marker and no segment left behind', async () => {
    const { path, log } = cappedLog(100);
    log.write('a'.repeat(60));
    log.write(Buffer.from('b'.repeat(40)));
    expect(await log.close()).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe('a'.repeat(60) + 'b'.repeat(40));
    expect(readdirSync(temp.dir)).toEqual(['step.log']);
  });

  it('keeps the head and the last bytes, with a marker giving the number of bytes left out', async () => {
    const { path, log } = cappedLog(1000);
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i}\n`);
    const all = lines.join('');
    // In pieces of every size, text and bytes, so segment switches fall mid-chunk.
    for (let i = 0; i < lines.length; i += 7) {
      const piece = lines.slice(i, i + 7).join('');
      log.write(i % 2 === 0 ? piece : Buffer.from(piece));
    }
    const leftOut = await log.close();
    const text = readFileSync(path, 'utf8');
    const match = MARKER.exec(text)!;
    expect(match).not.toBeNull();
    expect(Number(match[1])).toBe(leftOut);
    expect([match[2], match[3]]).toEqual(['500 bytes', '500 bytes']);
    // biome-ignore lint/style/useTemplate: the expected head reads as its parts: the first 500 bytes, then the newline
    expect(text.slice(0, match.index)).toBe(all.slice(0, 500) + '\n');
    expect(text.slice(match.index + match[0].length)).toBe(all.slice(-500));
    expect(leftOut).toBe(all.length - 1000);
    expect(readdirSync(temp.dir)).toEqual(['step.log']);
  });

  it('puts the marker on its own line after a head that ends mid-line', async () => {
    const { path, log } = cappedLog(10);
    log.write('0123456789abcdefghij');
    expect(await log.close()).toBe(10);
    expect(readFileSync(path, 'utf8')).toMatch(/^01234\n… \[golive left out 10 bytes here: .*\]\nfghij$/);
  });

  it('never cuts a UTF-8 character in two at either end', async () => {
    const { path, log } = cappedLog(11);
    log.write('ééééééééééééééé'); // 30 bytes
    expect(await log.close()).toBe(20);
    // A 5-byte head holds two whole characters (4 bytes); the 6-byte tail three.
    expect(readFileSync(path, 'utf8')).toBe(
      "éé\n… [golive left out 20 bytes here: a log keeps the first 5 bytes and the last 6 bytes of a command's output (GOLIVE_LOG_MAX)]\nééé",
    );
  });

  it('keeps golive memory flat for 64 MB through a 1 MiB cap', async () => {
    const { path, log } = cappedLog(1024 * 1024);
    const chunk = Buffer.alloc(65_536, 'x');
    const before = process.memoryUsage.rss();
    for (let i = 0; i < 1024; i += 1) log.write(chunk);
    const leftOut = await log.close();
    expect(leftOut).toBe(64 * 1024 * 1024 - 1024 * 1024);
    expect(readFileSync(path).length).toBeLessThan(1024 * 1024 + 200);
    expect(process.memoryUsage.rss() - before).toBeLessThan(32 * 1024 * 1024);
  });
});

describe('GOLIVE_LOG_MAX', () => {
  it('defaults to 128 MiB and takes bytes or K/M/G sizes', () => {
    expect(logMaxFromEnvironment({})).toBe(DEFAULT_LOG_MAX_BYTES);
    expect(DEFAULT_LOG_MAX_BYTES).toBe(128 * 1024 * 1024);
    expect(logMaxFromEnvironment({ GOLIVE_LOG_MAX: '4096' })).toBe(4096);
    expect(logMaxFromEnvironment({ GOLIVE_LOG_MAX: '64K' })).toBe(65_536);
    expect(logMaxFromEnvironment({ GOLIVE_LOG_MAX: '2MiB' })).toBe(2 * 1024 * 1024);
    expect(logMaxFromEnvironment({ GOLIVE_LOG_MAX: '1g' })).toBe(1024 ** 3);
  });

  it('refuses what is not a size, naming the variable', () => {
    for (const bad of ['lots', '-5', '1.5M', '1', '0', '12T']) {
      expect(() => logMaxFromEnvironment({ GOLIVE_LOG_MAX: bad })).toThrow(/^GOLIVE_LOG_MAX=.* is not a log size$/);
    }
  });
});

describe('a command whose output passes the cap', () => {
  it('has a capped log and one line saying how much was left out of it', async () => {
    const runner = createProcessRunner({ logMaxBytes: 64 * 1024 });
    const logPath = join(temp.dir, 'logs', 'yes.log');
    const lines: Array<{ stream: OutputStream; text: string }> = [];
    const result = await runner.start(bashSpec('set +o pipefail; yes | head -c 5000000', { logPath }), (stream, text) => lines.push({ stream, text })).result;
    expect(result.ok).toBe(true);
    expect(result.outputBytes).toBe(5_000_000);
    const log = readFileSync(logPath, 'utf8');
    expect(log.length).toBeLessThan(64 * 1024 + 200);
    const leftOut = Number(MARKER.exec(log)![1]);
    expect(leftOut).toBe(5_000_000 - 64 * 1024);
    expect(log.endsWith('y\ny\n')).toBe(true);
    const notice = lines.filter((line) => line.text.includes('golive left'));
    expect(notice).toHaveLength(1);
    expect(notice[0].text).toBe(
      `… [golive left ${leftOut} bytes out of the middle of ${logPath}: a log keeps the head and the tail of a command's output, 64 KiB in all (GOLIVE_LOG_MAX)]\n`,
    );
    expect(existsSync(`${logPath}.tail-0`) || existsSync(`${logPath}.tail-1`)).toBe(false);
  });
});
