/**
 * The journal port: everything the commands and the session need from the
 * audit journal, whatever keeps it. The SQLite file (`sqlite/`) is the
 * embedded default; a server database implements the same interface and
 * passes the same contract tests (`test/journal/contract.ts`).
 *
 * Every method is asynchronous so that a networked implementation fits; the
 * session awaits `appendEvent` before the engine takes its next action, so an
 * event is committed before the process it announces starts.
 */
import type { EngineEvent, EventKind, EventOf, RunMode } from '../engine/events.js';
import { UsageError } from '../errors.js';
import type { ChainReport, LockHolder, NewRun, PlanFacts, RunFilter, RunIdentity, RunRecord, RunStatus, StoredEvent } from './types.js';

/** Who takes a lock: the run and the process that will heartbeat it. */
export interface LockRequest {
  runId: string;
  pid: number;
  host: string;
  operator: string;
}

/**
 * Sees a stale holder before its lock is taken over, and may refuse the
 * takeover by throwing (the holder's dead process may have left commands running).
 */
export type BeforeTakeover = (previous: LockHolder) => void | Promise<void>;

/** An event the journal records (every kind but `step.output`, which goes to the step's log). */
export type RecordedEvent = Exclude<EngineEvent, { kind: 'step.output' }>;

/** Runs to list: a runbook, an environment, modes, at most `limit` (newest first). */
export type RunQuery = RunFilter & { modes?: RunMode[] };

/** The audit journal: runs with their frozen runbooks, the hash-chained events, locks. */
export interface Journal {
  /** Where the journal is, for messages: a file path, or a URL with any password masked. */
  readonly location: string;

  /**
   * Record a new run. `rootRunId` defaults to the parent's root (a resume of
   * a resume still belongs to the first run), else to the run itself.
   */
  createRun(run: NewRun): Promise<RunRecord>;

  /**
   * Record one event, chained to the previous one in the whole journal; when
   * the promise resolves, the event is committed. `step.output` is not
   * recorded (it goes to the step's log) and resolves to null.
   */
  appendEvent(runId: string, event: EventOf<'step.output'>): Promise<null>;
  appendEvent(runId: string, event: Exclude<EngineEvent, { kind: 'step.output' }>): Promise<StoredEvent>;
  appendEvent(runId: string, event: EngineEvent): Promise<StoredEvent | null>;

  /**
   * Append the event `decide` makes from this run's events of `kinds`, read
   * under the chain's write lock: no append from any process comes between
   * what `decide` saw and the event it returns. For an answer that depends
   * on what was recorded before it (`golive approve` refuses a second
   * approval by the same person). A `decide` that throws appends nothing.
   */
  appendDecided(runId: string, kinds: EventKind[], decide: (events: StoredEvent[]) => RecordedEvent): Promise<StoredEvent>;

  /** Say the run is alive; false when it no longer holds its lock (taken over as stale). */
  heartbeat(runId: string): Promise<boolean>;

  /**
   * Take the lock for a runbook and environment (one run at a time across
   * everyone using this journal). A stale holder is taken over and returned;
   * `beforeTakeover` is shown it first and awaited, and the takeover happens
   * only if the lock still names that holder afterwards (else the decision
   * starts over with whoever holds it now).
   * @throws LockHeldError (exit 5) naming a live holder.
   */
  acquireLock(runbook: string, environment: string | null, holder: LockRequest, beforeTakeover?: BeforeTakeover): Promise<{ takenOver?: LockHolder }>;
  /** Release the lock if this run holds it; false when it did not. */
  releaseLock(runbook: string, environment: string | null, runId: string): Promise<boolean>;
  /** Who holds the lock, if anyone (stale or not). */
  lockHolder(runbook: string, environment: string | null): Promise<LockHolder | null>;

  /**
   * A run by id, or by a unique prefix of at least `MIN_RUN_ID_PREFIX`
   * characters (case-insensitive); null when nothing matches.
   * @throws UsageError when a prefix matches several runs.
   */
  getRun(idOrPrefix: string): Promise<RunRecord | null>;
  /** Runs matching the query, newest first. */
  listRuns(query?: RunQuery): Promise<RunRecord[]>;
  /** Runs recorded as still running (live or interrupted), newest first. */
  runningRuns(): Promise<RunRecord[]>;
  /** The root run and every resume / rollback run of it, in start order. */
  chainOf(rootRunId: string): Promise<RunRecord[]>;
  /** 'interrupted' for a run recorded as running whose process is gone; otherwise its stored outcome. */
  runStatus(run: RunRecord): RunStatus;
  /**
   * The plan facts recorded with the run at `createRun`; null when none were
   * (runs recorded before golive kept them): read the snapshot instead.
   */
  planFacts(runId: string): Promise<PlanFacts | null>;

  /** The recorded events of these runs, in journal order; with `kinds`, only events of those kinds. */
  eventsOf(runIds: string[], kinds?: readonly EngineEvent['kind'][]): Promise<StoredEvent[]>;
  /**
   * One run's events of these kinds recorded after `afterSeq`, in journal
   * order: what a run waiting for approvals polls for (one small indexed
   * query, whatever the run holds).
   */
  eventsSince(runId: string, afterSeq: number, kinds: EventKind[]): Promise<StoredEvent[]>;

  /**
   * Who this connection is, as the journal establishes it (never what
   * anyone types): the OS user of the process on SQLite, the authenticated
   * role (`session_user`) on PostgreSQL. What approvals are recorded as.
   */
  whoAmI(): Promise<RunIdentity>;

  /**
   * The events of these runs (of every run when omitted) in journal order,
   * in constant memory. The journal may be busy until the iteration ends:
   * call nothing else on it meanwhile.
   */
  iterateEvents(runIds?: string[]): AsyncIterable<StoredEvent>;

  /**
   * Check the whole journal's hash chain and run snapshots.
   * @throws JournalDamagedError when the store itself is damaged (e.g. an
   *   SQLite file's pages): evidence, like an edit, reported as such.
   */
  verifyChain(): Promise<ChainReport>;
  /** Check only these runs' events and their links: costs what the runs hold. */
  verifyRuns(runIds: string[]): Promise<ChainReport>;
  /**
   * The events of these runs (as `eventsOf`, every one of them even past a
   * row that does not verify) and the check of them (as `verifyRuns`), in
   * one read where the journal can: what a report shows is what it checked.
   */
  verifiedEventsOf(runIds: string[]): Promise<{ events: StoredEvent[]; audit: ChainReport }>;

  /** Close the connection; the journal is unusable afterwards. */
  close(): Promise<void>;
}

/** Shortest run-id prefix `getRun` resolves (the first 10 characters are the timestamp). */
export const MIN_RUN_ID_PREFIX = 6;

/** A run-id prefix that matches several runs: the same words from every journal implementation. */
export function ambiguousRunIdError(idOrPrefix: string, matchingIds: string[]): UsageError {
  const ids = matchingIds.slice(0, 5).join(', ');
  return new UsageError(`run id ${idOrPrefix} is ambiguous: it starts ${ids}${matchingIds.length > 5 ? ', …' : ''}`, 'give more characters of the run id');
}
