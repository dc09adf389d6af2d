/** `golive history`: past runs, newest first, one line each (or a JSON array). */
import type { RunStatus } from '../journal/types.js';
import type { Paint } from './paint.js';
import { printable } from './printable.js';
import { formatDuration } from '../runbook/duration.js';
import type { RunSummary } from '../views/run-view.js';

/**
 * `YYYY-MM-DD HH:MM` (or with `:SS`) in the local time zone: the operator
 * reads history in the time of the deployment bridge, not in UTC.
 */
export function localDateTime(iso: string, withSeconds = false): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const two = (n: number) => String(n).padStart(2, '0');
  const date = `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
  return `${date} ${two(d.getHours())}:${two(d.getMinutes())}${withSeconds ? `:${two(d.getSeconds())}` : ''}`;
}

/**
 * A status in its colour: green done, yellow done-but-look (issues, a
 * deployment rolled back), red someone must act, cyan still going. A
 * rolled-back run that exited 0 (a rollback run, a rehearsal) did what it was
 * asked, so it is green.
 */
export function paintStatus(status: RunStatus, paint: Paint, text: string = status, exitCode: number | null = null): string {
  switch (status) {
    case 'succeeded':
      return paint.green(text);
    case 'rolled-back':
      return exitCode === 0 ? paint.green(text) : paint.yellow(text);
    case 'succeeded-with-issues':
      return paint.yellow(text);
    case 'running':
      return paint.cyan(text);
    default:
      return paint.red(text);
  }
}

/** The runbook as people name it: `webshop-release 2.4.0`. */
export function runbookLabel(run: Pick<RunSummary, 'runbook' | 'version'>): string {
  return run.version ? `${run.runbook} ${run.version}` : run.runbook;
}

/** How long a run took; '—' while it has no end (a live run's elapsed time is `status`'s job). */
export function runDuration(run: Pick<RunSummary, 'durationMs'>): string {
  return run.durationMs === null ? '—' : formatDuration(run.durationMs);
}

const COLUMNS = ['RUN', 'STARTED', 'RUNBOOK', 'ENV', 'MODE', 'STATUS', 'DURATION', 'OPERATOR', 'PARENT'] as const;

/** The history table: a header, then one aligned line per run (as given: newest first). */
export function historyAsText(runs: RunSummary[], paint: Paint): string {
  const rows = runs.map((r) => [
    r.id, localDateTime(r.startedAt), runbookLabel(r), r.environment ?? '-', r.mode, r.status, runDuration(r), r.operator, r.parentRunId ?? '',
  ].map(printable)); // a stored name must not repaint the terminal or break the table
  const widths = COLUMNS.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
  // Pad before painting: escape codes have no width on screen but do in String#length.
  const line = (cells: readonly string[], run?: RunSummary) =>
    cells
      .map((cell, i) => {
        const padded = i === cells.length - 1 ? cell : cell.padEnd(widths[i]);
        return run !== undefined && COLUMNS[i] === 'STATUS' ? paintStatus(run.status, paint, padded, run.exitCode) : padded;
      })
      .join('  ')
      .trimEnd();
  return [paint.bold(line(COLUMNS)), ...rows.map((row, i) => line(row, runs[i]))].join('\n');
}

/** `golive history --json`: the summaries, keys exactly as `RunSummary` declares them. */
export function historyAsJson(runs: RunSummary[]): string {
  return JSON.stringify(runs, null, 2);
}

/** What history prints when there is nothing to list, saying why and what to do. */
export function noRunsText(journal: string, filtered: boolean, exists = true): string {
  if (!exists) return `No runs recorded yet: there is no audit journal at ${journal}.\n  A run records itself there; elsewhere, name the journal with --db or GOLIVE_DB.`;
  return filtered
    ? `No runs in ${journal} match these filters (drop --runbook / --env to see every run).`
    : `No runs recorded yet in ${journal}. Start one with \`golive run <runbook>\`.`;
}
