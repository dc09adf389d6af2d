/** `golive history`: past runs from the journal, newest first. */
import { findJournal, journalNotFound, type JournalSearch } from '../journal/journal-path.js';
import { AuditStore } from '../journal/sqlite/store.js';
import { ExitCode, UsageError } from '../errors.js';
import { paintFor } from '../output/paint.js';
import { historyAsJson, historyAsText, noRunsText } from '../output/history-text.js';
import { runSummary, type RunSummary } from '../views/run-view.js';
import { journalExists } from '../journal/open.js';

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

/**
 * Open the journal for reading only (never creates or migrates it, so a
 * mistyped `--db` leaves no stray file). Null when `--db` / `GOLIVE_DB` name
 * a missing file, or (with `required: false`) when none was found.
 *
 * @throws UsageError saying where it looked when the search found none and one is required.
 */
function openJournalForReading(dbFlag?: string, { required = true } = {}): { store: AuditStore | null; path: string; search: JournalSearch } {
  const search = findJournal({ flag: dbFlag, cwd: process.cwd(), env: process.env });
  if (!search.found && !search.explicit && required) throw journalNotFound(search);
  // A named path that runs through a file is not "no journal yet": the open names that problem (exit 6).
  const present = search.found || (search.explicit && journalExists(search.path));
  return { store: present ? AuditStore.open(search.path, { readonly: true }) : null, path: search.path, search };
}

/** List past runs; exit 0, also when there are none. */
export async function historyCommand(flags: HistoryFlags): Promise<number> {
  const limit = parseLimit(flags.limit);
  // No journal means no runs: history says so (exit 0) rather than fail.
  const { store, path, search } = openJournalForReading(flags.db, { required: false });
  let summaries: RunSummary[];
  try {
    summaries = store?.listRuns({ runbook: flags.runbook, environment: flags.env, limit }).map((run) => runSummary(run, store.runStatus(run))) ?? [];
  } finally {
    store?.close();
  }
  if (flags.json) process.stdout.write(`${historyAsJson(summaries)}\n`);
  else if (store === null && !search.explicit) {
    const notFound = journalNotFound(search);
    process.stdout.write(`No runs recorded yet: ${notFound.message}.\n  ${notFound.hint}.\n`);
  } else if (summaries.length === 0) process.stdout.write(`${noRunsText(path, Boolean(flags.runbook || flags.env), store !== null)}\n`);
  else process.stdout.write(`${historyAsText(summaries, paintFor(process.stdout))}\n`);
  return ExitCode.Ok;
}

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_HISTORY_LIMIT;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1) throw new UsageError(`--limit ${raw}: expected a positive whole number`, 'e.g. --limit 50');
  return Number(raw);
}
