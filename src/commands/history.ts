/** `golive history`: past runs from the journal, newest first. */

import { ExitCode, UsageError } from '../errors.js';
import { journalNotFound } from '../journal/journal-path.js';
import { historyAsJson, historyAsText, noRunsText } from '../output/history-text.js';
import { paintFor } from '../output/paint.js';
import { printable } from '../output/printable.js';
import { openJournalIfThere } from '../session/reader.js';
import { waitingText } from '../views/approvals.js';
import { type RunSummary, runSummary } from '../views/run-summary.js';

/** Flags of `golive history`. */
export interface HistoryFlags {
  runbook?: string;
  env?: string;
  limit?: string;
  db?: string;
  json?: boolean;
}

/** How many runs history lists without `--limit`. */
const DEFAULT_HISTORY_LIMIT = 20;

/** List past runs; exit 0, also when there are none. */
export async function historyCommand(flags: HistoryFlags): Promise<number> {
  const limit = parseLimit(flags.limit);
  // No journal means no runs: history says so (exit 0) rather than fail.
  const { store, path, search } = await openJournalIfThere(flags.db);
  let summaries: RunSummary[];
  const blocked: string[] = [];
  try {
    summaries = store
      ? (await store.listRuns({ runbook: flags.runbook, environment: flags.env, limit })).map((run) => runSummary(run, store.runStatus(run)))
      : [];
    // A live run waiting for named people says so: one small query per live run listed.
    for (const run of summaries.filter((r) => r.status === 'running' && store !== null)) {
      const waiting = waitingText((await store!.eventsSince(run.id, 0, ['approval.requested', 'approval', 'decision'])).map((e) => e.event));
      if (waiting) blocked.push(`${run.id}: Blocked, waiting for ${waiting}`);
    }
  } finally {
    await store?.close();
  }
  if (flags.json) process.stdout.write(`${historyAsJson(summaries)}\n`);
  else if (store === null && !search.explicit) {
    const notFound = journalNotFound(search);
    process.stdout.write(`No runs recorded yet: ${notFound.message}.\n  ${notFound.hint}.\n`);
  } else if (summaries.length === 0) process.stdout.write(`${noRunsText(path, Boolean(flags.runbook || flags.env), store !== null)}\n`);
  else process.stdout.write(`${historyAsText(summaries, paintFor(process.stdout))}\n${blocked.map((line) => `${printable(line)}\n`).join('')}`);
  return ExitCode.Ok;
}

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_HISTORY_LIMIT;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1) throw new UsageError(`--limit ${raw}: expected a positive whole number`, 'e.g. --limit 50');
  return Number(raw);
}
