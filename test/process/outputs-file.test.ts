import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseOutputs } from '../../src/process/outputs-file.ts';
import { createProcessRunner } from '../../src/process/runner.ts';
import { bashSpec } from './helpers.ts';

describe('parseOutputs', () => {
  it('parses name=value lines: value after the first =, name trimmed, \\r stripped, later wins', () => {
    const text = 'a=1\r\n\n  b  = x=y \nno equals here\na=2\nempty=\n';
    expect(parseOutputs(text)).toEqual({ a: '2', b: ' x=y ', empty: '' });
  });

  it('ignores invalid names', () => {
    expect(parseOutputs('1x=a\nbad name=b\n=c\nok_name-2=d\n_u=e\n')).toEqual({ 'ok_name-2': 'd', _u: 'e' });
  });

  it('parses the heredoc form for multi-line values', () => {
    const text = 'notes<<EOF\r\nline 1\n\nline=3\nEOF\nafter=yes\nempty<<X\nX\n';
    expect(parseOutputs(text)).toEqual({ notes: 'line 1\n\nline=3', after: 'yes', empty: '' });
  });

  it('treats << after the first = as part of a plain value', () => {
    expect(parseOutputs('cmd=cat <<EOF\n')).toEqual({ cmd: 'cat <<EOF' });
  });

  it('drops an unterminated heredoc', () => {
    expect(parseOutputs('a=1\nb<<EOF\nnever closed\nc=3\n')).toEqual({ a: '1' });
  });

  it('keeps __proto__ as an ordinary name', () => {
    const outputs = parseOutputs('__proto__=x\n');
    expect(Object.keys(outputs)).toEqual(['__proto__']);
    // biome-ignore lint/suspicious/noProto: `__proto__` must be an ordinary key of the outputs, and this reads it as one
    expect(outputs.__proto__).toBe('x');
  });
});

describe('$GOLIVE_OUTPUT', () => {
  const runner = createProcessRunner();

  it('gives the command a private fresh file, parses it, refuses outputs holding a secret, and deletes it', async () => {
    const command = [
      'echo "path=$GOLIVE_OUTPUT"',
      'stat -c %a "$GOLIVE_OUTPUT"',
      'test ! -s "$GOLIVE_OUTPUT"',
      'echo "backup_id=bk-42" >> "$GOLIVE_OUTPUT"',
      'echo "token=Bearer s3cr3t-value" >> "$GOLIVE_OUTPUT"',
      'printf \'report<<END\\nrows: 10\\npassword: s3cr3t-value\\nEND\\n\' >> "$GOLIVE_OUTPUT"',
      'echo "not an output" >> "$GOLIVE_OUTPUT"',
    ].join('\n');
    const result = await runner.start(bashSpec(command, { captureOutputs: true, secrets: ['s3cr3t-value'] })).result;
    expect(result.ok).toBe(true);
    const [pathLine, mode] = result.head.split('\n');
    const path = pathLine.slice('path='.length);
    expect(path).toMatch(/golive-output-[0-9a-f-]{36}$/);
    expect(mode).toBe('600');
    expect(existsSync(path)).toBe(false);
    // Never `Bearer ***`: a later step would receive a value the step did not write.
    expect(result.outputs).toEqual({ backup_id: 'bk-42' });
    expect(result.refusedOutputs).toEqual(['token', 'report']);
  });

  it('refuses an output whose name holds a secret, naming it masked', async () => {
    const command = 'echo "key_s3cr3t=1" >> "$GOLIVE_OUTPUT"; echo "plain=ok" >> "$GOLIVE_OUTPUT"';
    const result = await runner.start(bashSpec(command, { captureOutputs: true, secrets: ['s3cr3t'] })).result;
    expect(result.outputs).toEqual({ plain: 'ok' });
    expect(result.refusedOutputs).toEqual(['key_***']);
  });

  it('uses a different file for every command', async () => {
    const spec = bashSpec('echo "$GOLIVE_OUTPUT"', { captureOutputs: true });
    const [a, b] = await Promise.all([runner.start(spec).result, runner.start(spec).result]);
    expect(a.head).not.toBe(b.head);
  });

  it('yields no outputs when the command removed the file, or when not asked for', async () => {
    const removed = await runner.start(bashSpec('echo x=1 >> "$GOLIVE_OUTPUT"; rm "$GOLIVE_OUTPUT"', { captureOutputs: true })).result;
    expect(removed).toMatchObject({ ok: true, outputs: {} });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, for bash
    const off = await runner.start(bashSpec('echo "${GOLIVE_OUTPUT-unset}"')).result;
    expect(off).toMatchObject({ head: 'unset\n', outputs: {} });
  });

  it('still parses outputs written before a failure', async () => {
    const result = await runner.start(bashSpec('echo v=1 >> "$GOLIVE_OUTPUT"; exit 3', { captureOutputs: true })).result;
    expect(result).toMatchObject({ exitCode: 3, ok: false, outputs: { v: '1' } });
  });
});
