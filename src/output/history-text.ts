/** `golive history`: past runs, newest first, one line each (or a JSON array). */
import type { RunStatus } from '../journal/types.js';
import { formatDuration } from '../runbook/duration.js';
import type { RunSummary } from '../views/run-summary.js';
import type { Paint } from './paint.js';
import { printable } from './printable.js';
import { runbookLabel } from './runbook-label.js';
import { textTable } from './text-table.js';
import { localDateTime } from './time-text.js';

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

/** How long a run took; '—' while it has no end (a live run's elapsed time is `status`'s job). */
export function runDuration(run: Pick<RunSummary, 'durationMs'>): string {
  return run.durationMs === null ? '—' : formatDuration(run.durationMs);
}

const COLUMNS = ['RUN', 'STARTED', 'RUNBOOK', 'ENV', 'MODE', 'STATUS', 'DURATION', 'OPERATOR', 'PARENT'] as const;

/** The history table: a header, then one aligned line per run (as given: newest first). */
export function historyAsText(runs: RunSummary[], paint: Paint): string {
  const rows = runs.map((r) =>
    [
      r.id,
      localDateTime(r.startedAt),
      runbookLabel(r.runbook, r.version),
      r.environment ?? '-',
      r.mode,
      r.status,
      runDuration(r),
      r.operator,
      r.parentRunId ?? '',
    ].map(printable),
  ); // a stored name must not repaint the terminal or break the table
  const status = COLUMNS.indexOf('STATUS');
  return textTable(COLUMNS, rows, {
    trimEnd: true,
    header: paint.bold,
    cell: (padded, row, i) => (i === status ? paintStatus(runs[row].status, paint, padded, runs[row].exitCode) : padded),
  }).join('\n');
}

/** `golive history --json`: the summaries, keys exactly as `RunSummary` declares them. */
export function historyAsJson(runs: RunSummary[]): string {
  return JSON.stringify(runs, null, 2);
}

/** What history prints when there is nothing to list, saying why and what to do. */
export function noRunsText(journal: string, filtered: boolean, exists = true): string {
  if (!exists)
    return `No runs recorded yet: there is no audit journal at ${journal}.\n  A run records itself there; elsewhere, name the journal with --db or GOLIVE_DB.`;
  return filtered
    ? `No runs in ${journal} match these filters (drop --runbook / --env to see every run).`
    : `No runs recorded yet in ${journal}. Start one with \`golive run <runbook>\`.`;
}
