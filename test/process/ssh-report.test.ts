import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { WrapperReportFilter } from '../../src/process/ssh-report.ts';
import { remoteInput, shellQuote } from '../../src/process/ssh-wrapper.ts';

const token = 'golive-0123456789abcdef0123456789abcdef';

/** Feeds `chunks` through a filter; returns what passed as output and the report. */
function filter(chunks: string[]) {
  let passed = '';
  const seen: string[] = [];
  const report = new WrapperReportFilter(token, (chunk) => {
    passed += chunk.toString('utf8');
    seen.push(chunk.toString('utf8'));
  });
  for (const chunk of chunks) report.write(Buffer.from(chunk, 'utf8'));
  const ended = report.end();
  return { passed, seen, report: ended };
}

describe('the wrapper report on stderr', () => {
  it('takes its lines out of the output, wherever the chunks split them', () => {
    const stream = `err 1\n${token} started\nerr 2\npartial${token} exit 3\nname=value\n`;
    for (let size = 1; size <= stream.length; size += 1) {
      const chunks: string[] = [];
      for (let at = 0; at < stream.length; at += size) chunks.push(stream.slice(at, at + size));
      const { passed, report } = filter(chunks);
      expect(passed).toBe('err 1\nerr 2\npartial');
      expect(report).toEqual({ started: true, exitStatus: 3, outputsText: 'name=value\n' });
    }
  });

  it('holds back only what may start the token, and gives it back when it was output', () => {
    const { seen, passed, report } = filter(['a line\n', 'ends with golive-01', '2 not the token\n']);
    expect(seen[0]).toBe('a line\n');
    expect(seen[1]).toBe('ends with '); // "golive-01" waits for the next chunk
    expect(passed).toBe('a line\nends with golive-012 not the token\n');
    expect(report).toEqual({ started: false });
  });

  it('passes everything on when the wrapper never reported (the connection failed)', () => {
    const { passed, report } = filter(['bash: sh: not found\n', 'golive-0']);
    expect(passed).toBe('bash: sh: not found\ngolive-0');
    expect(report).toEqual({ started: false });
  });

  it('reads a setup failure', () => {
    const { report } = filter([`${token} setup the shell zsh was not found\n`]);
    expect(report).toEqual({ started: false, setupFailure: 'the shell zsh was not found' });
  });
});

describe('the remote input', () => {
  it('quotes any text so that sh reads it back unchanged', () => {
    for (const text of ["it's", "'", '$HOME `id` "x"\\n', 'line 1\nline 2', '']) {
      expect(execFileSync('sh', ['-c', `printf '%s' ${shellQuote(text)}`], { encoding: 'utf8' })).toBe(text);
    }
  });

  it('starts with the byte length of the payload that follows', () => {
    const input = remoteInput({ command: 'echo é', shell: 'bash', cwd: '/', env: { A: 'ü' }, secrets: [] }, 1_000);
    if ('refused' in input) throw new Error(input.refused);
    const text = input.bytes.toString('utf8');
    const newline = text.indexOf('\n');
    expect(Number(text.slice(0, newline))).toBe(input.bytes.length - newline - 1);
    expect(input.token).toMatch(/^golive-[0-9a-f]{32}$/);
  });

  it('refuses what no remote shell can take', () => {
    const spec = { command: 'true', shell: 'bash', cwd: '/', secrets: [] };
    expect(remoteInput({ ...spec, env: { 'a-b': '1' } }, 0)).toMatchObject({ refused: expect.stringContaining('`a-b`') });
    expect(remoteInput({ ...spec, env: { A: 'x\0y' } }, 0)).toMatchObject({ refused: expect.stringContaining('null bytes') });
    expect(remoteInput({ ...spec, command: 'a\0b', env: {} }, 0)).toMatchObject({ refused: expect.stringContaining('null bytes') });
  });
});
