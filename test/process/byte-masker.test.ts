/**
 * Raw-byte masking (output past the streamed part) must be as safe as the
 * text path: a secret split across reads, repeated, overlapping another, or
 * multi-byte, never reaches what is written.
 */
import { describe, expect, it } from 'vitest';
import { ByteMasker } from '../../src/process/byte-masker.ts';
import { createMasker } from '../../src/process/mask.ts';

/** Feed `text` to a byte masker in the given piece sizes; return everything it released. */
function feed(secrets: string[], text: string, sizes: number[]): string {
  const masker = new ByteMasker(createMasker(secrets).patterns);
  const bytes = Buffer.from(text, 'utf8');
  const out: Buffer[] = [];
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length];
    out.push(masker.write(bytes.subarray(at, at + size)));
    at += size;
  }
  out.push(masker.end());
  return Buffer.concat(out).toString('utf8');
}

describe('ByteMasker', () => {
  it('masks a secret split across every possible pair of reads', () => {
    const text = 'before hunter2-secret after\n';
    for (let first = 1; first < text.length; first++) {
      expect(feed(['hunter2-secret'], text, [first, 1000])).toBe('before *** after\n');
    }
  });

  it('masks repeated and adjacent occurrences, in one-byte reads too', () => {
    expect(feed(['abc'], 'abcabc xabcx', [1])).toBe('****** x***x');
    expect(feed(['abc'], 'abcabc xabcx', [5, 3])).toBe('****** x***x');
  });

  it('prefers the longest secret at the same start, like the text masker', () => {
    const secrets = ['pass', 'password123'];
    const text = 'a password123 and pass here';
    expect(feed(secrets, text, [4])).toBe(createMasker(secrets).mask(text));
  });

  it('masks multi-byte secrets without breaking the characters around them', () => {
    expect(feed(['κλειδί'], 'é κλειδί ü', [3])).toBe('é *** ü');
  });

  it('masks each line of a multi-line secret', () => {
    expect(feed(['line-one\nline-two'], 'x line-two y', [2])).toBe('x *** y');
  });

  it('passes bytes through untouched when there are no secrets', () => {
    const masker = new ByteMasker([]);
    const chunk = Buffer.from('plain output\n');
    expect(masker.write(chunk)).toBe(chunk);
    expect(masker.end().length).toBe(0);
  });
});
