/**
 * The records of the journal port (`port.ts`). The engine never sees the
 * journal (it emits events); the session records each event before the
 * engine moves on, and the read commands (history, show, status, report,
 * rollback, resume) read runs and events back.
 */
import type { DecisionSubject, EngineEvent, EventOf, RunMode, RunOutcome } from '../engine/events.js';
import type { Severity } from '../runbook/types.js';

/** A run as stored. `outcome` is 'running' until `run.finished` is recorded. */
export interface RunRecord {
  id: string;
  /** The run this one continues or rolls back (resume / rollback runs). */
  parentRunId: string | null;
  /** The first run of the chain (itself for a fresh run). */
  rootRunId: string;
  mode: RunMode;
  runbookName: string;
  runbookVersion: string | null;
  runbookPath: string;
  /** The runbook's full text, frozen at run start: rollback and resume use it. */
  runbookText: string;
  runbookSha256: string;
  environment: string | null;
  /** The display name the run was started with (`--operator`): self-asserted. */
  operator: string;
  /** Who golive knows ran it (the OS user, or the database role); null for runs recorded before golive kept it. */
  identity: RunIdentity | null;
  host: string;
  pid: number;
  gitCommit: string | null;
  changeId: string | null;
  startedAt: string;
  heartbeatAt: string;
  endedAt: string | null;
  outcome: RunOutcome | 'running';
  exitCode: number | null;
}

/**
 * The identity golive establishes for whoever records a run, not what they
 * say they are: the OS user of the process on SQLite, the authenticated
 * role (`session_user`) on PostgreSQL.
 */
export interface RunIdentity {
  user: string;
  kind: 'os-user' | 'database-role';
}

/** What `createRun` needs; the journal fills id-independent defaults and the identity. */
export type NewRun = Omit<RunRecord, 'identity' | 'startedAt' | 'heartbeatAt' | 'endedAt' | 'outcome' | 'exitCode' | 'rootRunId'> & {
  rootRunId?: string;
  /** What the read side shows of the run's resolved plan, kept with the run (`Journal.planFacts`). */
  planFacts?: PlanFacts;
};

/**
 * What the read commands show of a run's resolved plan (status, show,
 * report): its steps in plan order (parallel members flattened, with their
 * group), checks and smoke tests with titles, owners (team roles) and
 * expected durations, the team's names, the window. Derived from the run's
 * runbook snapshot when the run starts and stored beside it, so reading a
 * run does not parse and validate the snapshot again; the snapshot and the
 * events stay the truth.
 */
export interface PlanFacts {
  description: string | null;
  /** The change window (ISO 8601), when the runbook has one for the run's environment. */
  window: { start: string; end: string } | null;
  /** The run's environment is protected (its window and confirmation are enforced). */
  protectedEnvironment: boolean;
  /** role → name, from `team:`. */
  team: Record<string, string>;
  /** user (OS user or database role) → name, from the `user` of `team:` members. */
  people: Record<string, string>;
  steps: Array<{ id: string; title: string; owner?: string; expectedMs?: number; group?: string; confirm?: string }>;
  checks: Array<{ id: string; title: string; owner?: string; blocking: boolean; confirm?: string }>;
  verify: Array<{ id: string; title: string; owner?: string; severity: Severity }>;
  rollbackVerify: Array<{ id: string; title: string }>;
  /** The rollouts: how many hosts and waves each has (absent in runs recorded before rollouts existed). */
  rollouts?: Array<{ id: string; hosts: number; waves: number }>;
}

/** 'interrupted' when a run is recorded as running but its process is gone. */
export type RunStatus = RunOutcome | 'running' | 'interrupted';

export interface StoredEvent {
  /** Global, gap-free sequence (INTEGER PRIMARY KEY). */
  seq: number;
  runId: string;
  at: string;
  kind: EngineEvent['kind'];
  event: EngineEvent;
  prevHash: string;
  hash: string;
}

/** A recorded decision (from a `decision` event): what was decided, by whom, how. */
export interface DecisionRecord {
  runId: string;
  /** The seq of the `decision` event. */
  seq: number;
  subject: DecisionSubject;
  subjectId: string | null;
  choice: string;
  reason: string | null;
  by: string;
  via: EventOf<'decision'>['via'];
  at: string;
}

export interface LockHolder {
  runId: string;
  pid: number;
  host: string;
  operator: string;
  since: string;
  heartbeatAt: string;
}

/** What a hash-chain check found. */
export interface ChainReport {
  ok: boolean;
  checked: number;
  /**
   * 'runs' when only some runs' events (and their links to the events
   * before them) were checked; absent when the whole journal was.
   */
  scope?: 'runs';
  /** The first row that does not verify: edited, deleted or reordered. */
  firstBad?: { seq: number; runId: string; reason: string };
}

export interface RunFilter {
  runbook?: string;
  environment?: string;
  limit?: number;
}
