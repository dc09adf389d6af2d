/** Times as golive prints them: local wall-clock time, with the offset where a report needs it. */
import { afterEach, describe, expect, it } from 'vitest';
import { clockTime, localDateTime, reportTime } from '../../src/output/time-text.js';

const AT = '2026-12-01T20:05:07.250Z';
const zone = process.env.TZ;
afterEach(() => {
  process.env.TZ = zone;
});

describe('time texts', () => {
  it('print the local time of the zone golive runs in', () => {
    process.env.TZ = 'Asia/Kolkata'; // +05:30: the date moves on past midnight
    expect(clockTime(AT)).toBe('01:35:07');
    expect(clockTime(AT, false)).toBe('01:35');
    expect(localDateTime(AT)).toBe('2026-12-02 01:35');
    expect(localDateTime(AT, true)).toBe('2026-12-02 01:35:07');
    expect(reportTime(AT)).toBe('2026-12-02 01:35:07 +05:30');
  });

  it('give a report time its offset, west of UTC and at UTC', () => {
    process.env.TZ = 'America/St_Johns'; // -03:30 in December
    expect(reportTime(AT)).toBe('2026-12-01 16:35:07 -03:30');
    process.env.TZ = 'UTC';
    expect(reportTime(AT)).toBe('2026-12-01 20:05:07 +00:00');
  });

  it('print an unknown time as a dash and a time that does not parse as recorded', () => {
    expect(clockTime(null)).toBe('—');
    expect(reportTime(null)).toBe('—');
    for (const text of ['yesterday', '']) {
      expect(clockTime(text)).toBe(text);
      expect(localDateTime(text)).toBe(text);
      expect(reportTime(text)).toBe(text);
    }
  });
});
