/** A run as one row: `golive history`, and the `run` object of `show --json`. */
import type { RunMode, RunOutcome } from '../engine/events.js';
import type { RunIdentity, RunRecord, RunStatus } from '../journal/types.js';

/**
 * A run as `golive history` lists it. These keys, in this order, are the
 * contract of `golive history --json` and of the `run` object of `show --json`.
 */
export interface RunSummary {
  id: string;
  runbook: string;
  version: string | null;
  environment: string | null;
  mode: RunMode;
  /** The stored outcome, or 'running' / 'interrupted' (process gone) while none is stored. */
  status: RunStatus;
  /** Exactly as stored: 'running' until `run.finished` is recorded, even for a dead run. */
  outcome: RunOutcome | 'running';
  exitCode: number | null;
  operator: string;
  host: string;
  startedAt: string;
  endedAt: string | null;
  /** Wall time from the run row's start to its end; null until it ended. */
  durationMs: number | null;
  parentRunId: string | null;
  rootRunId: string;
  changeId: string | null;
  /** Who golive knows ran it (OS user or database role), beside the self-asserted `operator`; null for older runs. */
  identity: RunIdentity | null;
}

/** The summary of a stored run; `status` comes from `Journal.runStatus` (it knows liveness). */
export function runSummary(run: RunRecord, status: RunStatus): RunSummary {
  const durationMs = run.endedAt === null ? null : Math.max(0, Date.parse(run.endedAt) - Date.parse(run.startedAt));
  return {
    id: run.id,
    runbook: run.runbookName,
    version: run.runbookVersion,
    environment: run.environment,
    mode: run.mode,
    status,
    outcome: run.outcome,
    exitCode: run.exitCode,
    operator: run.operator,
    host: run.host,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    durationMs: Number.isFinite(durationMs) ? durationMs : null,
    parentRunId: run.parentRunId,
    rootRunId: run.rootRunId,
    changeId: run.changeId,
    identity: run.identity,
  };
}
