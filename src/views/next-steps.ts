/**
 * The exact commands to run next when a run needs someone to act. Which
 * command follows which outcome (resume or roll back, roll back again, undo
 * by hand) is a reading of the run, not a matter of presentation: the status
 * update carries these lines as its `advice`, and every renderer prints them
 * as they are.
 */
import type { RunMode, RunOutcome } from '../engine/events.js';

/** What a renderer needs to name the run in its advice. */
export interface RunRef {
  runId: string;
  /** `--db <path>` when the database is not the default one, else ''. */
  dbFlag: string;
  /** What the run was; a stopped rollback is continued by another rollback, never by resume. */
  mode?: RunMode;
}

/** Commands to suggest after a run ended with `outcome`. */
export function nextCommands(outcome: RunOutcome, run: RunRef): string[] {
  const db = run.dbFlag ? ` ${run.dbFlag}` : '';
  const details = `details:       golive show ${run.runId}${db}`;
  switch (outcome) {
    case 'aborted':
    case 'interrupted':
      if (run.mode === 'rollback') return [`to go on rolling back:  golive rollback ${run.runId}${db}`, details];
      return [`to roll back:  golive rollback ${run.runId}${db}`, `to continue:   golive resume ${run.runId}${db}`];
    case 'rollback-failed':
      return ['the system is NOT fully restored: fix the failed rollback by hand, or after fixing its cause:', `  golive rollback ${run.runId}${db}`, details];
    case 'rollback-incomplete':
      return ['every rollback command passed; the steps without a rollback were left as they are: undo them by hand if they must be undone', details];
    case 'restore-unverified':
      return ['rollback.verify failed: check the system; after fixing it, run the restore checks again:', `  golive rollback ${run.runId}${db}`, details];
    case 'rolled-back':
      return [details];
    case 'succeeded':
    case 'succeeded-with-issues':
    case 'no-go':
    case 'blocked':
      return [];
    default:
      return exhaustive(outcome);
  }
}

function exhaustive(outcome: never): never {
  throw new Error(`no advice for outcome ${String(outcome)}`);
}
