/** Durations: `90s`, `15m`, `1h30m`, or a number of seconds (the runbook format in the README). */
import type { Duration } from './types.js';

/**
 * The longest duration golive can wait: a Node timer holds at most 2^31-1 ms
 * (about 24.8 days); a longer delay fires at once, which turned a retry delay
 * into no delay and a status interval into a webhook flood.
 */
export const MAX_DURATION_MS = 2 ** 31 - 1;

/** `MAX_DURATION_MS` as a runbook writes it (rounded down to whole seconds). */
export const MAX_DURATION_TEXT = '596h31m23s';

/** How the limit reads in a message. */
export const MAX_DURATION_WORDS = `${MAX_DURATION_TEXT} (2^31-1 ms, about 24.8 days: the longest a timer can wait)`;

const DURATION = /^(?=\d)(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Milliseconds of a duration, or undefined when it does not parse. */
export function parseDuration(value: Duration | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : undefined;
  const match = DURATION.exec(value.trim());
  if (!match || value.trim() === '') return undefined;
  const [, h = '0', m = '0', s = '0'] = match;
  return ((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1000;
}

/** `1h05m`, `15m`, `42s`, `850ms`: short and unambiguous, for tables and status lines. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  // Round first, then pick the unit, so 999.6 ms reads 1.0s and 59.6 s reads 1m.
  if (Math.round(ms) < 1000) return `${Math.round(ms)}ms`;
  const tenths = Math.round(ms / 100);
  if (tenths < 100) return `${(tenths / 10).toFixed(1)}s`;
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 60) return `${totalSeconds}s`;
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  return s === 0 ? `${m}m` : `${m}m${String(s).padStart(2, '0')}s`;
}

/**
 * A duration as a runbook writes it (`45s`, `1m30s`, `2h15m`), rounded up to
 * a sensible step: 5 s under a minute, 15 s under ten minutes, a minute under
 * two hours, else 5 minutes. Used for suggested expected durations.
 */
export function suggestDuration(ms: number): string {
  const s = Math.max(1, Math.ceil(ms / 1000));
  const step = s < 60 ? 5 : s < 600 ? 15 : s < 7200 ? 60 : 300;
  return writtenDuration(Math.ceil(s / step) * step);
}

/** Whole seconds as a runbook writes them: `45s`, `1m30s`, `2h15m`, `0s`. */
export function writtenDuration(totalSeconds: number): string {
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`;
}
