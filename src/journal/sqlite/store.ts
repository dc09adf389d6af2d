/**
 * The audit store: the only code that writes the journal. The CLI records
 * each engine event here, and only when `appendEvent` has returned (the event
 * committed) does the engine take its next action; the read-side commands
 * query the same file, from other processes too (WAL).
 *
 * Statements are prepared once: recording a step costs two small IMMEDIATE
 * transactions, well under a millisecond together.
 */
import { hostname } from 'node:os';
import type BetterSqlite3 from 'better-sqlite3';
import type { EngineEvent, EventOf, RunMode } from '../../engine/events.js';
import { LockHeldError, UsageError } from '../../errors.js';
import { journalErrorFrom, openDatabase, type Database, type OpenOptions } from './database.js';
import { canonicalJson, eventHash, GENESIS_HASH, sha256Hex, verifyChain, verifyRunChain } from '../hash-chain.js';
import { isStale } from '../liveness.js';
import { createProjector, type Projector } from './projection.js';
import { prepareStatements, type Statements } from './statements.js';
import {
  attemptFromRow,
  decisionFromRow,
  eventFromRow,
  lockHolderFromRow,
  runFromRow,
  runParams,
  type AttemptRow,
  type DecisionRow,
  type EventRow,
  type LockRow,
  type RunRow,
} from './rows.js';
import type {
  AttemptRecord,
  ChainReport,
  DecisionRecord,
  LockHolder,
  NewRun,
  RunFilter,
  RunRecord,
  RunStatus,
  StoredEvent,
} from '../types.js';

/** Re-exported so callers that heartbeat and judge staleness need only the store. */
export { STALE_HEARTBEAT_MS, HEARTBEAT_INTERVAL_MS } from '../liveness.js';

/** What the store needs from its surroundings; tests replace them. */
export interface StoreOptions {
  /** The wall clock for started/heartbeat times and staleness (default: now). */
  now?: () => Date;
  /** This machine's name, compared with a holder's host before probing its pid. */
  hostname?: string;
}

/** Who takes a lock: the run and the process that will heartbeat it. */
export interface LockRequest {
  runId: string;
  pid: number;
  host: string;
  operator: string;
}

/** Shortest run-id prefix `getRun` resolves (the first 10 characters are the timestamp). */
export const MIN_RUN_ID_PREFIX = 6;

/** The audit journal: runs, the hash-chained event trail, derived rows and locks. */
export class AuditStore {
  /** The connection, for `verifyChain`-style read-only tools and tests; write through the methods. */
  readonly db: Database;
  private readonly now: () => Date;
  private readonly host: string;
  private readonly project: Projector;
  private readonly sql: Statements;
  private readonly appendTx: BetterSqlite3.Transaction<(runId: string, event: EngineEvent, data: string) => StoredEvent>;

  /** Wrap an open connection (see `openDatabase`); `AuditStore.open` does both. */
  constructor(db: Database, options: StoreOptions = {}) {
    this.db = db;
    this.now = options.now ?? (() => new Date());
    this.host = options.hostname ?? hostname();
    this.project = createProjector(db);
    this.sql = prepareStatements(db);
    this.appendTx = db.transaction((runId: string, event: EngineEvent, data: string): StoredEvent => {
      // Read the chain's head inside the write lock: another process may append between our events.
      const last = this.sql.lastEvent.get() as { seq: number; hash: string } | undefined;
      const seq = (last?.seq ?? 0) + 1;
      const prevHash = last?.hash ?? GENESIS_HASH;
      const hash = eventHash(prevHash, seq, runId, data);
      this.sql.insertEvent.run(seq, runId, event.at, event.kind, data, prevHash, hash);
      this.project({ runId, seq }, event);
      return { seq, runId, at: event.at, kind: event.kind, event, prevHash, hash };
    });
  }

  /** Open (create, migrate) the journal at `path` and wrap it. */
  static open(path: string, options: OpenOptions & StoreOptions = {}): AuditStore {
    const db = openDatabase(path, options);
    try {
      return new AuditStore(db, options);
    } catch (error) {
      // Preparing the statements reads the schema: a damaged one fails here.
      db.close();
      throw journalErrorFrom(error, path, 'open');
    }
  }

  /** The journal file's path, for messages. */
  get path(): string {
    return this.db.name;
  }

  /**
   * Record a new run. `rootRunId` defaults to the parent's root (a resume of
   * a resume still belongs to the first run), else to the run itself.
   * @throws Error when `runbookSha256` is not the SHA-256 of `runbookText`:
   *   `verifyChain` would report such a run as tampered.
   */
  createRun(run: NewRun): RunRecord {
    if (sha256Hex(run.runbookText) !== run.runbookSha256) {
      throw new Error(`createRun: runbookSha256 of run ${run.id} is not the SHA-256 of its runbookText (UTF-8)`);
    }
    return this.guard('record a run in', () => {
      const now = this.now().toISOString();
      const parent = run.parentRunId === null ? undefined : (this.sql.runById.get(run.parentRunId) as RunRow | undefined);
      const record: RunRecord = {
        ...run,
        rootRunId: run.rootRunId ?? parent?.root_run_id ?? run.id,
        startedAt: now,
        heartbeatAt: now,
        endedAt: null,
        outcome: 'running',
        exitCode: null,
      };
      this.sql.insertRun.run(runParams(record));
      return record;
    });
  }

  /**
   * Record one event, chained to the previous one, with its derived rows, in
   * one IMMEDIATE transaction: when this returns, the event is committed,
   * which is what lets the engine say "the step started" before it spawns it.
   *
   * `step.output` is not recorded and returns null: full output goes to the
   * step's log file and the attempt keeps a head and a tail; one row per
   * line would make the journal (and every chain check) grow with log volume.
   */
  appendEvent(runId: string, event: EventOf<'step.output'>): null;
  appendEvent(runId: string, event: Exclude<EngineEvent, { kind: 'step.output' }>): StoredEvent;
  appendEvent(runId: string, event: EngineEvent): StoredEvent | null;
  appendEvent(runId: string, event: EngineEvent): StoredEvent | null {
    if (event.kind === 'step.output') return null;
    const data = canonicalJson(event);
    return this.guard('record an event in', () => this.appendTx.immediate(runId, event, data));
  }

  /**
   * Say the run is alive: refreshes the run's and its lock's heartbeat.
   * Call every `HEARTBEAT_INTERVAL_MS`. Returns whether the run still holds
   * a lock: false after another process took it over as stale.
   */
  heartbeat(runId: string): boolean {
    const now = this.now().toISOString();
    return this.guard('update the heartbeat in', () =>
      this.db
        .transaction(() => {
          this.sql.beatRun.run(now, runId);
          return this.sql.beatLock.run(now, runId).changes > 0;
        })
        .immediate(),
    );
  }

  /**
   * Take the lock for a runbook and environment. A lock whose holder is gone
   * (its pid is dead on this host, or its heartbeat is stale) is taken over
   * and the previous holder returned, so the caller can record a warning.
   * Taking a lock the same run already holds just refreshes it.
   * `beforeTakeover` sees a stale holder before its lock is taken over and
   * may refuse by throwing (its dead process may have left commands running).
   * @throws LockHeldError (exit 5) naming the live holder.
   */
  acquireLock(runbook: string, environment: string | null, holder: LockRequest, beforeTakeover?: (previous: LockHolder) => void): { takenOver?: LockHolder } {
    const env = environment ?? '';
    const now = this.now();
    return this.guard('take the lock in', () =>
      this.db
        .transaction((): { takenOver?: LockHolder } => {
          const row = this.sql.lock.get(runbook, env) as LockRow | undefined;
          if (row?.run_id === holder.runId) {
            this.sql.refreshLock.run(holder.pid, now.toISOString(), runbook, env);
            return {};
          }
          const previous = row === undefined ? undefined : lockHolderFromRow(row);
          if (previous !== undefined && !isStale(previous, now, this.host)) {
            throw lockHeldError(runbook, environment, previous);
          }
          if (previous !== undefined) beforeTakeover?.(previous);
          this.sql.putLock.run({ runbook, environment: env, ...holder, now: now.toISOString() });
          return previous === undefined ? {} : { takenOver: previous };
        })
        .immediate(),
    );
  }

  /** Release the lock if this run holds it; false when it did not (taken over, or never held). */
  releaseLock(runbook: string, environment: string | null, runId: string): boolean {
    return this.guard('release the lock in', () => this.sql.releaseLock.run(runbook, environment ?? '', runId).changes > 0);
  }

  /** Who holds the lock for a runbook and environment, if anyone (stale or not). */
  lockHolder(runbook: string, environment: string | null): LockHolder | null {
    const row = this.guard('read', () => this.sql.lock.get(runbook, environment ?? '') as LockRow | undefined);
    return row === undefined ? null : lockHolderFromRow(row);
  }

  /**
   * A run by id, or by a unique prefix of at least `MIN_RUN_ID_PREFIX`
   * characters (case-insensitive). Null when nothing matches.
   * @throws UsageError when a prefix matches several runs.
   */
  getRun(idOrPrefix: string): RunRecord | null {
    return this.guard('read', () => {
      const exact = this.sql.runById.get(idOrPrefix) as RunRow | undefined;
      if (exact !== undefined) return runFromRow(exact);
      if (idOrPrefix.length < MIN_RUN_ID_PREFIX) return null;
      const matches = this.sql.runsByPrefix.all(idOrPrefix.length, idOrPrefix) as RunRow[];
      if (matches.length === 0) return null;
      if (matches.length > 1) {
        const ids = matches.slice(0, 5).map((m) => m.id).join(', ');
        throw new UsageError(`run id ${idOrPrefix} is ambiguous: it starts ${ids}${matches.length > 5 ? ', …' : ''}`, 'give more characters of the run id');
      }
      return runFromRow(matches[0]);
    });
  }

  /** The most recently started run matching the filter (e.g. the run to roll back). */
  latestRun(filter: RunFilter & { modes?: RunMode[] } = {}): RunRecord | null {
    return this.listRuns({ ...filter, limit: 1 })[0] ?? null;
  }

  /** Runs matching the filter, newest first. */
  listRuns(filter: RunFilter & { modes?: RunMode[] } = {}): RunRecord[] {
    const rows = this.guard(
      'read',
      () =>
        this.sql.listRuns.all({
          runbook: filter.runbook ?? null,
          environment: filter.environment ?? null,
          modes: filter.modes === undefined ? null : JSON.stringify(filter.modes),
          limit: filter.limit ?? -1,
        }) as RunRow[],
    );
    return rows.map(runFromRow);
  }

  /**
   * 'interrupted' for a run recorded as running whose process is gone (dead
   * pid on this host, or a stale heartbeat); otherwise its stored outcome.
   */
  runStatus(run: RunRecord): RunStatus {
    if (run.outcome !== 'running') return run.outcome;
    return isStale(run, this.now(), this.host) ? 'interrupted' : 'running';
  }

  /** The root run and every resume / rollback run of it, in start order. */
  chainOf(rootRunId: string): RunRecord[] {
    return this.guard('read', () => this.sql.chainOf.all({ root: rootRunId }) as RunRow[]).map(runFromRow);
  }

  /** The recorded events of these runs, in seq order. */
  eventsOf(runIds: string[]): StoredEvent[] {
    return this.guard('read', () => (this.sql.eventsOf.all(JSON.stringify(runIds)) as EventRow[]).map(eventFromRow));
  }

  /**
   * The recorded events of these runs (of every run when omitted), in seq
   * order, read one row at a time: memory stays constant however long the
   * journal. The connection is busy until the iteration ends.
   */
  *iterateEvents(runIds?: string[]): Generator<StoredEvent> {
    const rows = this.guard('read', () =>
      runIds === undefined ? this.sql.allEvents.iterate() : this.sql.eventsOf.iterate(JSON.stringify(runIds)),
    ) as IterableIterator<EventRow>;
    for (;;) {
      const next = this.guard('read', () => rows.next());
      if (next.done) return;
      yield eventFromRow(next.value);
    }
  }

  /** Runs recorded as still running (live or interrupted), newest first. */
  runningRuns(): RunRecord[] {
    return this.guard('read', () => this.sql.runningRuns.all() as RunRow[]).map(runFromRow);
  }

  /** Every command execution of a run, in the order they started. */
  attemptsOf(runId: string): AttemptRecord[] {
    return this.guard('read', () => this.sql.attemptsOf.all(runId) as AttemptRow[]).map(attemptFromRow);
  }

  /**
   * The step outputs recorded by these runs: stepId → name → value. When
   * several runs (or attempts) set the same output, the one recorded last wins.
   */
  outputsOf(runIds: string[]): Record<string, Record<string, string>> {
    const rows = this.guard('read', () => this.sql.outputsOf.all(JSON.stringify(runIds)) as { step_id: string; name: string; value: string }[]);
    // Null prototypes: output names come from step commands and may be anything, "__proto__" included.
    const outputs: Record<string, Record<string, string>> = Object.create(null);
    for (const row of rows) {
      outputs[row.step_id] ??= Object.create(null);
      outputs[row.step_id][row.name] = row.value;
    }
    return outputs;
  }

  /** The decisions recorded for a run, in order. */
  decisionsOf(runId: string): DecisionRecord[] {
    return this.guard('read', () => this.sql.decisionsOf.all(runId) as DecisionRow[]).map(decisionFromRow);
  }

  /** Check the whole journal's hash chain and run snapshots (see `verifyChain`). */
  verifyChain(): ChainReport {
    return this.guard('verify', () => verifyChain(this.db));
  }

  /**
   * Check only these runs' events and run rows, and that each event links to
   * the one before it in the journal: costs what the runs hold (see `verifyRunChain`).
   */
  verifyRuns(runIds: string[]): ChainReport {
    return this.guard('verify', () => verifyRunChain(this.db, runIds));
  }

  /** Close the connection; the store is unusable afterwards. */
  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Run `fn`, turning SQLite and file-system failures into a `JournalError` naming the file. */
  private guard<T>(action: string, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw journalErrorFrom(error, this.path, action);
    }
  }
}

function lockHeldError(runbook: string, environment: string | null, holder: LockHolder): LockHeldError {
  const what = environment === null ? `runbook ${runbook}` : `runbook ${runbook} in ${environment}`;
  return new LockHeldError(
    `${what} is locked by run ${holder.runId} (pid ${holder.pid} on ${holder.host}, operator ${holder.operator}, since ${holder.since}, last heartbeat ${holder.heartbeatAt})`,
    `wait for it to finish, or check \`golive status ${holder.runId}\``,
  );
}
