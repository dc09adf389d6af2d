/** Durations as runbooks write them (the runbook format in the README) and as golive prints them. */
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/runbook/duration.js';

describe('parseDuration', () => {
  it.each([
    ['1h30m', 5_400_000],
    ['90s', 90_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['1h1s', 3_601_000],
    ['0s', 0],
    [0, 0],
    [1.5, 1_500],
    [10, 10_000],
    [600, 600_000],
  ] as const)('%j is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    ['', 'empty'],
    ['10', 'a number written as text has no unit'],
    ['0', 'a number written as text has no unit'],
    ['5x', 'unknown unit'],
    ['1m1h', 'units out of order'],
    ['m', 'no number'],
    ['1.5m', 'fractions need the number form'],
    ['1h 30m', 'no spaces between parts'],
    [-1, 'negative'],
    [Number.NaN, 'not a number'],
    [Number.POSITIVE_INFINITY, 'infinite'],
  ] as const)('%j does not parse (%s)', (text, _why) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('treats an absent duration as absent', () => {
    expect(parseDuration(undefined)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [850, '850ms'],
    [1_500, '1.5s'],
    [9_940, '9.9s'],
    [42_000, '42s'],
    [60_000, '1m'],
    [90_000, '1m30s'],
    [900_000, '15m'],
    [3_900_000, '1h05m'],
    [5_400_000, '1h30m'],
    [36_000_000, '10h00m'],
  ] as const)('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('prints a dash for an unknown duration', () => {
    expect(formatDuration(undefined)).toBe('—');
    expect(formatDuration(Number.NaN)).toBe('—');
  });

  it('round-trips what a runbook writes', () => {
    for (const text of ['90s', '15m', '1h30m']) expect(formatDuration(parseDuration(text))).toBe(text === '90s' ? '1m30s' : text);
  });

  // A value just below a unit boundary must not print in the smaller unit ("10.0s", "60s", "1000ms").
  it('rounds before choosing the unit', () => {
    expect(formatDuration(9_999)).toBe('10s');
    expect(formatDuration(59_600)).toBe('1m');
    expect(formatDuration(999.6)).toBe('1.0s');
  });
});
