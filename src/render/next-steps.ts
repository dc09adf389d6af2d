/** The exact commands to run next when a run needs someone to act. */
import type { RunOutcome } from '../engine/events.js';

/** What a renderer needs to name the run in its advice. */
export interface RunRef {
  runId: string;
  /** `--db <path>` when the database is not the default one, else ''. */
  dbFlag: string;
}

/** Commands to suggest after a run ended with `outcome`. */
export function nextCommands(outcome: RunOutcome, run: RunRef): string[] {
  const db = run.dbFlag ? ` ${run.dbFlag}` : '';
  switch (outcome) {
    case 'aborted':
    case 'interrupted':
      return [`to roll back:  golive rollback ${run.runId}${db}`, `to continue:   golive resume ${run.runId}${db}`];
    case 'rollback-failed':
      return ['the system is NOT fully restored: fix the failed rollback by hand, or after fixing its cause:', `  golive rollback ${run.runId}${db}`, `details:       golive show ${run.runId}${db}`];
    case 'rolled-back':
      return [`details:       golive show ${run.runId}${db}`];
    default:
      return [];
  }
}
