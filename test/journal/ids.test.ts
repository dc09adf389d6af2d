import { describe, expect, it } from 'vitest';
import { newRunId, runIdTime } from '../../src/journal/ids.ts';

describe('newRunId', () => {
  it('is 26 Crockford base32 characters starting with the timestamp', () => {
    const ms = Date.UTC(2026, 11, 1, 9, 0, 0);
    const id = newRunId(ms);
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(runIdTime(id)).toBe(ms);
    // The largest 48-bit timestamp encodes as 7ZZZZZZZZZ.
    // biome-ignore lint/style/useTemplate: the id reads as its two parts: time, then randomness
    expect(runIdTime('7ZZZZZZZZZ' + '0'.repeat(16))).toBe(2 ** 48 - 1);
  });

  it('sorts by time, and stays monotonic within a millisecond and when the clock steps back', () => {
    const base = Date.UTC(2030, 0, 1);
    const ids = [newRunId(base), newRunId(base), newRunId(base), newRunId(base - 5000), newRunId(base + 1)];
    expect(new Set(ids).size).toBe(5);
    expect([...ids].sort()).toEqual(ids);
    expect(runIdTime(ids[3])).toBe(base); // the step back borrowed the last time
    expect(runIdTime(ids[4])).toBe(base + 1);
  });

  it('draws fresh randomness each millisecond', () => {
    const a = newRunId(Date.UTC(2031, 0, 1));
    const b = newRunId(Date.UTC(2031, 0, 1) + 1);
    expect(a.slice(10)).not.toBe(b.slice(10));
  });
});
