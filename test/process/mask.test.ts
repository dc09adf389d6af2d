import { describe, expect, it } from 'vitest';
import { MAX_PENDING_LINE, MaskedLineSplitter } from '../../src/process/line-splitter.ts';
import { createMasker } from '../../src/process/mask.ts';

/** Feeds chunks through a splitter and returns every emitted batch. */
function split(secrets: string[], chunks: Array<string | Buffer>): string[] {
  const emitted: string[] = [];
  const splitter = new MaskedLineSplitter(createMasker(secrets), (text) => emitted.push(text));
  for (const chunk of chunks) splitter.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  splitter.end();
  return emitted;
}

describe('createMasker', () => {
  it('masks every occurrence of every secret', () => {
    const masker = createMasker(['hunter2', 'tok-9']);
    expect(masker.mask('a hunter2 b tok-9 c hunter2')).toBe('a *** b *** c ***');
  });

  it('ignores empty secrets and is the identity without secrets', () => {
    const masker = createMasker(['', '']);
    expect(masker.empty).toBe(true);
    expect(masker.mask('nothing to hide')).toBe('nothing to hide');
  });

  it('masks the longer of two overlapping secrets first', () => {
    expect(createMasker(['abc', 'abcdef']).mask('xabcdefx abcx')).toBe('x***x ***x');
    expect(createMasker(['abcdef', 'abc']).mask('xabcdefx abcx')).toBe('x***x ***x');
  });

  it('treats regular expression characters literally', () => {
    const masker = createMasker(['a.b*c', '$(x)|[y]\\']);
    expect(masker.mask('a.b*c axbbc $(x)|[y]\\')).toBe('*** axbbc ***');
  });

  it('masks a multi-line secret whole and line by line, skipping short lines', () => {
    const masker = createMasker(['first-line\nsecond-line\nab']);
    expect(masker.mask('first-line\nsecond-line\nab\n')).toBe('***\n');
    expect(masker.mask('x second-line x\nab\n')).toBe('x *** x\nab\n');
  });

  it('maskPrefix never cuts a match in two', () => {
    const masker = createMasker(['secret']);
    expect(masker.maskPrefix('xxsecretyy', 4)).toEqual({ masked: 'xx***', end: 8 });
    expect(masker.maskPrefix('xxsecretyy', 2)).toEqual({ masked: 'xx', end: 2 });
  });
});

describe('MaskedLineSplitter', () => {
  it('emits one batch of complete lines per chunk and the last partial line at the end', () => {
    expect(split([], ['a\nb\nc', 'd\ne'])).toEqual(['a\nb\n', 'cd\n', 'e']);
  });

  it('masks a secret split across two chunks', () => {
    const emitted = split(['supersecret'], ['x sup', 'ersecret y\n']);
    expect(emitted).toEqual(['x *** y\n']);
  });

  it('masks the lines of a multi-line secret arriving in separate chunks', () => {
    const emitted = split(['line-one\nline-two'], ['a line-one\n', 'line-two b\n']);
    expect(emitted.join('')).toBe('a ***\n*** b\n');
  });

  it('decodes a UTF-8 character split across chunks', () => {
    const bytes = Buffer.from('café\n');
    expect(split([], [bytes.subarray(0, 4), bytes.subarray(4)])).toEqual(['café\n']);
  });

  it('flushes a very long line without a newline, still masking across the cut', () => {
    const emitted: string[] = [];
    const splitter = new MaskedLineSplitter(createMasker(['supersecret']), (text) => emitted.push(text));
    const filler = 'a'.repeat(MAX_PENDING_LINE);
    splitter.write(Buffer.from(`${filler}super`));
    // Flushed before any newline, holding back only what could start a secret.
    expect(emitted.length).toBe(1);
    expect(emitted[0]).toBe(filler.slice(0, filler.length - 5));
    splitter.write(Buffer.from('secret-b'));
    splitter.end();
    expect(emitted.join('')).toBe(`${filler}***-b`);
  });

  it('keeps memory bounded for a long line: nothing held beyond the limit', () => {
    const emitted: string[] = [];
    const splitter = new MaskedLineSplitter(createMasker([]), (text) => emitted.push(text));
    const chunk = Buffer.alloc(65_536, 'z');
    let total = 0;
    for (let i = 0; i < 64; i += 1) splitter.write(chunk);
    total = emitted.reduce((sum, text) => sum + text.length, 0);
    expect(64 * 65_536 - total).toBeLessThanOrEqual(MAX_PENDING_LINE);
    splitter.end();
    expect(emitted.reduce((sum, text) => sum + text.length, 0)).toBe(64 * 65_536);
  });
});
