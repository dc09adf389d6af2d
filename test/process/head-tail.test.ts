import { describe, expect, it } from 'vitest';
import { HeadTailCapture } from '../../src/process/head-tail.ts';

function capture(keepBytes: number, pieces: string[]) {
  const headTail = new HeadTailCapture(keepBytes);
  for (const piece of pieces) headTail.add(piece);
  return headTail.result();
}

describe('HeadTailCapture', () => {
  it('keeps everything in the head when it fits, with an empty tail', () => {
    expect(capture(10, ['abc', 'defghij'])).toEqual({ head: 'abcdefghij', tail: '' });
  });

  it('puts what follows the head in the tail, without overlap', () => {
    expect(capture(10, ['abcdefgh', 'ijklmno\n'])).toEqual({ head: 'abcdefghij', tail: 'klmno\n' });
  });

  it('keeps only the last keepBytes in the tail', () => {
    const pieces = Array.from({ length: 100 }, (_, i) => `${String(i).padStart(2, '0')}\n`);
    const whole = pieces.join('');
    expect(capture(9, pieces)).toEqual({ head: whole.slice(0, 9), tail: whole.slice(-9) });
  });

  it('survives many tiny pieces (compaction) and stays exact', () => {
    const pieces = Array.from({ length: 50_000 }, (_, i) => String.fromCharCode(97 + (i % 26)));
    const whole = pieces.join('');
    expect(capture(100, pieces)).toEqual({ head: whole.slice(0, 100), tail: whole.slice(-100) });
  });

  it('never splits a UTF-8 character', () => {
    // 'é' is two bytes: a 4-byte head cannot hold 'aé' plus half of the next one.
    expect(capture(4, ['aéé', 'b']).head).toBe('aé');
    // The last 2 bytes of 'cééb' start inside an 'é': the tail starts after it.
    expect(capture(2, ['ab', 'cééb'])).toEqual({ head: 'ab', tail: 'b' });
  });

  it('keeps nothing with keepBytes 0', () => {
    expect(capture(0, ['abc'])).toEqual({ head: '', tail: '' });
  });
});
