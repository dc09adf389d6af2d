/**
 * `golive logs prune --older-than 90d`: delete the step log folders of runs
 * that ended before the cutoff. The journal (events, runs, head and tail of
 * every output) is only read; `show` and `report` of such a run then say the
 * log was pruned.
 */
import { ExitCode, UsageError } from '../errors.js';
import type { RunRecord } from '../journal/types.js';
import { type PruneResult, pruneAsJson, pruneAsText } from '../output/logs-text.js';
import { logsRootOf, pruneCandidates, pruneRunLogs } from '../session/log-retention.js';
import { openExistingJournal } from '../session/reader.js';

/** Flags of `golive logs prune`. */
export interface LogsPruneFlags {
  olderThan?: string;
  db?: string;
  dryRun?: boolean;
  json?: boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const AGE_UNITS: Record<string, number> = { h: 60 * 60 * 1000, d: DAY_MS, w: 7 * DAY_MS };

/** Prune (or with --dry-run, list) the log folders of runs older than `--older-than`; exit 0, 2 on a bad age. */
export async function logsPruneCommand(flags: LogsPruneFlags): Promise<number> {
  const olderThan = flags.olderThan?.trim() ?? '';
  const ageMs = parseAge(olderThan);
  const now = new Date();
  const cutoff = new Date(now.getTime() - ageMs);
  const store = await openExistingJournal(flags.db);
  const logsRoot = logsRootOf(store.location);
  let recorded: RunRecord[];
  try {
    recorded = await store.listRuns();
  } finally {
    await store.close();
  }
  const runs = pruneCandidates(recorded, logsRoot, cutoff);
  if (!flags.dryRun) {
    for (const [done, candidate] of runs.entries()) {
      try {
        pruneRunLogs(candidate, olderThan, now);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const problem =
          code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'the file system is read-only' : (error as Error).message;
        throw new UsageError(
          `cannot prune the logs of run ${candidate.runId} in ${candidate.folder}: ${problem} (${done} of ${runs.length} pruned before it)`,
          "run it as the user who owns the logs, or fix the folder's permissions, then prune again",
        );
      }
    }
  }
  const result: PruneResult = { dryRun: flags.dryRun === true, olderThan, cutoff, logsRoot, runs };
  process.stdout.write(`${flags.json ? pruneAsJson(result) : pruneAsText(result)}\n`);
  return ExitCode.Ok;
}

/** Milliseconds of an age such as `90d`, `12w` or `36h`. */
function parseAge(text: string): number {
  const match = /^(\d+)([hdw])$/.exec(text);
  if (!match || Number(match[1]) === 0) {
    throw new UsageError(
      text === '' ? 'logs prune needs --older-than <age>' : `--older-than ${text}: expected a whole number of hours, days or weeks`,
      'e.g. --older-than 90d (also 12w or 36h)',
    );
  }
  return Number(match[1]) * AGE_UNITS[match[2]];
}
