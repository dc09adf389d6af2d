/**
 * Times as golive prints them: always in the local time zone, because the
 * operator reads them in the time of the deployment bridge, not in UTC. A
 * time that does not parse is printed as recorded, never as `NaN`.
 */

const two = (n: number) => String(n).padStart(2, '0');

/** The parsed time, or null when `iso` is not a time. */
function parsed(iso: string): Date | null {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

function dateOf(d: Date): string {
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
}

function clockOf(d: Date, seconds: boolean): string {
  return `${two(d.getHours())}:${two(d.getMinutes())}${seconds ? `:${two(d.getSeconds())}` : ''}`;
}

/** `09:05:07` (or `09:05` without seconds); '—' when unknown: for lines under a heading or a run that already gives the date. */
export function clockTime(iso: string | null, seconds = true): string {
  if (iso === null) return '—';
  const d = parsed(iso);
  return d === null ? iso : clockOf(d, seconds);
}

/** `2026-12-01 09:05` (or with `:07`): a past run in a list or on its page. */
export function localDateTime(iso: string, withSeconds = false): string {
  const d = parsed(iso);
  return d === null ? iso : `${dateOf(d)} ${clockOf(d, withSeconds)}`;
}

/**
 * `2026-12-01 09:00:00 +01:00`: local time with its offset; '—' when
 * unknown. A report is read later and elsewhere (a change board, an
 * auditor), so the offset is part of the time.
 */
export function reportTime(iso: string | null): string {
  if (iso === null) return '—';
  const d = parsed(iso);
  if (d === null) return iso;
  const offset = -d.getTimezoneOffset();
  const abs = Math.abs(offset);
  return `${dateOf(d)} ${clockOf(d, true)} ${offset >= 0 ? '+' : '-'}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
}
