/** `golive history`: past runs from the journal, newest first. */
import { AuditStore } from '../audit/store.js';
import { ExitCode, UsageError } from '../errors.js';
import { paintFor } from '../render/paint.js';
import { historyAsJson, historyAsText, noRunsText } from '../report/history-text.js';
import { runSummary } from '../report/run-view.js';
import { journalExists } from './journal.js';
import { dbPathFor } from './session.js';

/** Flags of `golive history`. */
export interface HistoryFlags {
  runbook?: string;
  env?: string;
  limit?: string;
  db?: string;
  json?: boolean;
}

/** How many runs history lists without `--limit`. */
export const DEFAULT_HISTORY_LIMIT = 20;

/**
 * Open the journal for reading only (never creates or migrates it, so a
 * mistyped `--db` leaves no stray file). Null when there is no journal yet.
 */
export function openJournalForReading(dbFlag?: string): { store: AuditStore | null; path: string } {
  const path = dbPathFor(dbFlag);
  return { store: journalExists(path) ? AuditStore.open(path, { readonly: true }) : null, path };
}

/** List past runs; exit 0, also when there are none. */
export async function historyCommand(flags: HistoryFlags): Promise<number> {
  const limit = parseLimit(flags.limit);
  const { store, path } = openJournalForReading(flags.db);
  let summaries;
  try {
    summaries = store?.listRuns({ runbook: flags.runbook, environment: flags.env, limit }).map((run) => runSummary(run, store.runStatus(run))) ?? [];
  } finally {
    store?.close();
  }
  if (flags.json) process.stdout.write(`${historyAsJson(summaries)}\n`);
  else if (summaries.length === 0) process.stdout.write(`${noRunsText(path, Boolean(flags.runbook || flags.env), store !== null)}\n`);
  else process.stdout.write(`${historyAsText(summaries, paintFor(process.stdout))}\n`);
  return ExitCode.Ok;
}

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_HISTORY_LIMIT;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1) throw new UsageError(`--limit ${raw}: expected a positive whole number`, 'e.g. --limit 50');
  return Number(raw);
}
