/**
 * The shape of the deployment summary report (`golive report`). These types
 * are the contract of `golive report --format json`: keys keep their order
 * and meaning; `format` changes when one would not.
 */

import type { AttemptStatus, RunMode, RunOutcome, StepState } from '../engine/events.js';
import type { RunIdentity, RunStatus } from '../journal/types.js';
import type { Severity } from '../runbook/types.js';
import type { ApprovalView } from './approvals.js';
import type { DecisionView } from './run-view.js';

/** Version of the JSON shape; bumped only when a key changes meaning or disappears. */
export const REPORT_FORMAT_VERSION = 1;

/** A role and, when the runbook's team names one, the person. */
export interface Owner {
  role: string;
  name: string | null;
}

/** Where a timeline entry belongs: the checklist, the steps, or the smoke tests. */
export type TimelinePhase = 'check' | 'step' | 'verify';

/**
 * How an entry ended. Checks and smoke tests: passed / failed. Steps: their
 * recorded state (`StepState`). 'not-run': this run never started it;
 * 'running': started in a live run; 'in-doubt': started, no end recorded.
 */
export type EntryResult = 'passed' | 'failed' | 'not-run' | 'running' | StepState;

/** One row of the timeline. */
export interface TimelineEntry {
  phase: TimelinePhase;
  id: string;
  title: string | null;
  owner: Owner | null;
  /** The parallel group a step belongs to. */
  group: string | null;
  /** From the runbook (`duration:`); checks and smoke tests have none. */
  expectedMs: number | null;
  /** Wall time from the first start to the end, retries and validation included, the operator's deciding time not. */
  actualMs: number | null;
  /** Time the operator spent deciding what to do about it (a failed step's question), left out of `actualMs`. */
  decidingMs: number | null;
  /** actual − expected, when both are known. */
  deltaMs: number | null;
  /** Executions of the command itself (validation polls not counted). */
  attempts: number;
  result: EntryResult;
  /** Its last execution (or its check / smoke test) did not pass. */
  failed: boolean;
  /** Why it failed, was skipped or was not rolled back, as recorded. */
  reason: string | null;
  /** Checks only: a failing non-blocking check gives CONDITIONAL GO. */
  blocking: boolean | null;
  /** Smoke tests only. */
  severity: Severity | null;
  /** The result was left by an earlier run of the chain. */
  inherited: boolean;
  startedAt: string | null;
  endedAt: string | null;
  /** The last lines of its last execution's output (masked, as recorded). */
  outputTail: string[];
  logPath: string | null;
}

/** One step's rollback, in the order the rollback ran. */
export interface RollbackAction {
  stepId: string;
  title: string | null;
  owner: Owner | null;
  result: 'rolled-back' | 'rollback-failed' | 'running' | 'in-doubt' | 'not-run';
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  attempts: number;
  reason: string | null;
  outputTail: string[];
  logPath: string | null;
}

/** A `rollback.verify` command: proof that the system was restored. */
export interface RestoreCheck {
  id: string;
  title: string | null;
  result: AttemptStatus | 'running' | 'in-doubt';
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  attempts: number;
  reason: string | null;
  outputTail: string[];
}

/** The rollback this run performed. */
export interface RollbackReport {
  reason: string;
  order: string[];
  actions: RollbackAction[];
  /** Completed steps that define no rollback: left as they are. */
  withoutRollback: string[];
  /** Null when no end of the rollback was recorded. */
  complete: boolean | null;
  failed: string[];
  verified: boolean | null;
  verify: RestoreCheck[];
}

/** Things worth a line in the report besides pass and fail. */
export interface ReportIssues {
  /** The issues the run recorded itself (CONDITIONAL GO, minor smoke tests, skips, `continue`). */
  recorded: string[];
  /** Entries that needed more than one attempt. */
  retries: Array<{ phase: TimelinePhase; id: string; attempts: number; result: EntryResult }>;
  /** Started with no end recorded (golive was killed, or the run is still live): nobody knows whether they worked. */
  inDoubt: Array<{ phase: TimelinePhase; id: string; result: EntryResult }>;
  /** Steps whose command or validation failed, whatever happened next (rollback, skip, `continue`). */
  failedSteps: Array<{ id: string; reason: string | null; result: EntryResult }>;
  skipped: Array<{ id: string; reason: string | null }>;
  failedSmokeTests: Array<{ id: string; severity: Severity | null; reason: string | null }>;
  warnings: string[];
}

/** A run of the same chain, and what it is to the reported run. */
export interface ChainEntry {
  id: string;
  mode: RunMode;
  status: RunStatus;
  parentRunId: string | null;
  startedAt: string;
  relation: 'this' | 'parent' | 'child' | 'chain';
}

/** The whole report. These keys, in this order, are the contract of `golive report --format json`. */
export interface SummaryReport {
  format: number;
  generatedAt: string;
  run: {
    id: string;
    runbook: string;
    version: string | null;
    /** The version live in the environment before this deployment (the newest earlier one that succeeded and was not undone); null when unknown. */
    previousVersion: string | null;
    description: string | null;
    change: string | null;
    environment: string | null;
    mode: RunMode;
    operator: string;
    host: string;
    status: RunStatus;
    outcome: RunOutcome | 'running';
    exitCode: number | null;
    startedAt: string;
    endedAt: string | null;
    durationMs: number | null;
    expectedMs: number | null;
    runbookPath: string;
    runbookSha256: string;
    gitCommit: string | null;
    parentRunId: string | null;
    rootRunId: string;
    /** Who golive knows ran it, beside the self-asserted `operator`; null for runs recorded before golive kept it. */
    identity: RunIdentity | null;
    /** The team member whose `user` is the identity; null when none is. */
    person: string | null;
  };
  /** `enforced`: the environment is protected, so golive held the run to the window (elsewhere it is informative). */
  window: { start: string; end: string; startedInside: boolean; enforced: boolean } | null;
  goNoGo: { decision: string; reason: string | null; failedChecks: string[]; by: string; via: DecisionView['via']; at: string } | null;
  interruption: { signal: string; forced: boolean } | null;
  timeline: TimelineEntry[];
  issues: ReportIssues;
  rollback: RollbackReport | null;
  decisions: DecisionView[];
  /** Every answer to an approval request: who (identity and display name), when, accepted or refused. */
  approvals: ApprovalView[];
  chain: ChainEntry[];
  /** `scope: 'runs'`: only this run's chain of runs was checked (see `ChainReport`); absent: the whole journal. */
  audit: { ok: boolean; checked: number; firstBad: { seq: number; runId: string; reason: string } | null; scope?: 'runs' };
}

/** What the report needs from the run's runbook snapshot; null members when the snapshot no longer loads. */
export interface SummaryPlan {
  description: string | null;
  window: { start: string; end: string } | null;
  /** The run's environment is protected (its window and confirmation are enforced). */
  protectedEnvironment: boolean;
  /** role → name, from `team:`. */
  team: Record<string, string>;
  /** user (OS user or database role) → name, from the `user` of `team:` members. */
  people: Record<string, string>;
  steps: Array<{ id: string; title: string; owner?: string; expectedMs?: number; group?: string }>;
  checks: Array<{ id: string; title: string; owner?: string; blocking: boolean }>;
  verify: Array<{ id: string; title: string; owner?: string; severity: Severity }>;
  rollbackVerify: Array<{ id: string; title: string }>;
}
