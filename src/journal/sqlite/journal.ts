/**
 * The SQLite journal: the embedded implementation of the journal port
 * (`../port.ts`), one file per project. Every method does its work
 * synchronously through better-sqlite3 and returns a settled promise, so
 * an event is committed by the time `appendEvent` returns its promise (one
 * IMMEDIATE transaction per event), and the read commands query the same
 * file from other processes meanwhile (WAL).
 *
 * Statements are prepared once: recording a step costs two small IMMEDIATE
 * transactions, well under a millisecond together.
 */
import { hostname } from 'node:os';
import type BetterSqlite3 from 'better-sqlite3';
import type { EngineEvent, EventKind, EventOf } from '../../engine/events.js';
import { JournalDamagedError, LockHeldError } from '../../errors.js';
import { canonicalJson, eventHash, GENESIS_HASH, sha256Hex } from '../hash-chain.js';
import { isStale } from '../liveness.js';
import { osUser } from '../os-user.js';
import { ambiguousRunIdError, type BeforeTakeover, type Journal, type LockRequest, MIN_RUN_ID_PREFIX, type RecordedEvent, type RunQuery } from '../port.js';
import type { ChainReport, LockHolder, NewRun, PlanFacts, RunIdentity, RunRecord, RunStatus, StoredEvent } from '../types.js';
import { verifyChain, verifyRunChain, verifyRunChainKeeping } from './chain.js';
import { type Database, journalErrorFrom, type OpenOptions, openDatabase, pageDamage, recoveryHint } from './database.js';
import { createProjector, type Projector } from './projection.js';
import { DamagedRowError, type EventRow, eventFromRow, type LockRow, lockHolderFromRow, parsePlanFacts, type RunRow, runFromRow, runParams } from './rows.js';
import { prepareStatements, type Statements } from './statements.js';

/** What the journal needs from its surroundings; tests replace them. */
export interface StoreOptions {
  /** The wall clock for started/heartbeat times and staleness (default: now). */
  now?: () => Date;
  /** This machine's name, compared with a holder's host before probing its pid. */
  hostname?: string;
}

/** What a lock transaction decided: done, or a stale holder to show `beforeTakeover` first. */
type LockStep = { done: { takenOver?: LockHolder } } | { check: LockHolder };

/** The audit journal in one SQLite file: runs, the hash-chained events, derived rows and locks. */
export class SqliteJournal implements Journal {
  /** The connection, for SQLite-specific tools and tests; write through the methods. */
  readonly db: Database;
  private readonly now: () => Date;
  private readonly host: string;
  /** Made with the first event recorded: a read command never prepares the projection's statements. */
  private projector: Projector | undefined;
  private readonly sql: Statements;
  private readonly appendTx: BetterSqlite3.Transaction<(runId: string, event: EngineEvent, data: string) => StoredEvent>;
  private readonly decidedTx: BetterSqlite3.Transaction<(runId: string, kinds: EventKind[], decide: (events: StoredEvent[]) => RecordedEvent) => StoredEvent>;

  /** Wrap an open connection (see `openDatabase`); `SqliteJournal.open` does both. */
  constructor(db: Database, options: StoreOptions = {}) {
    this.db = db;
    this.now = options.now ?? (() => new Date());
    this.host = options.hostname ?? hostname();
    this.sql = prepareStatements(db);
    this.appendTx = db.transaction((runId: string, event: EngineEvent, data: string): StoredEvent => {
      // Read the chain's head inside the write lock: another process may append between our events.
      const last = this.sql.lastEvent.get() as { seq: number; hash: string } | undefined;
      const seq = (last?.seq ?? 0) + 1;
      const prevHash = last?.hash ?? GENESIS_HASH;
      const hash = eventHash(prevHash, seq, runId, data);
      this.sql.insertEvent.run(seq, runId, event.at, event.kind, data, prevHash, hash);
      this.projector ??= createProjector(db);
      this.projector({ runId, seq }, event);
      return { seq, runId, at: event.at, kind: event.kind, event, prevHash, hash };
    });
    // Read and append in one IMMEDIATE transaction: the write lock is held from the read on.
    this.decidedTx = db.transaction((runId: string, kinds: EventKind[], decide: (events: StoredEvent[]) => RecordedEvent): StoredEvent => {
      const event = decide((this.sql.eventsSince.all(runId, 0, JSON.stringify(kinds)) as EventRow[]).map(eventFromRow));
      return this.appendTx(runId, event, canonicalJson(event));
    });
  }

  /** Open (create, migrate) the journal at `path` and wrap it. */
  static open(path: string, options: OpenOptions & StoreOptions = {}): SqliteJournal {
    const db = openDatabase(path, options);
    try {
      return new SqliteJournal(db, options);
    } catch (error) {
      // Creating the transactions touches the connection: should it fail, the file is not left open.
      db.close();
      throw journalErrorFrom(error, path, 'open');
    }
  }

  /** The journal file's path. */
  get location(): string {
    return this.db.name;
  }

  /**
   * Record a new run. `rootRunId` defaults to the parent's root (a resume of
   * a resume still belongs to the first run), else to the run itself.
   * Rejects with an Error when `runbookSha256` is not the SHA-256 of
   * `runbookText`: `verifyChain` would report such a run as tampered.
   */
  async createRun(run: NewRun): Promise<RunRecord> {
    if (sha256Hex(run.runbookText) !== run.runbookSha256) {
      throw new Error(`createRun: runbookSha256 of run ${run.id} is not the SHA-256 of its runbookText (UTF-8)`);
    }
    const { planFacts, ...fields } = run;
    return this.guard('record a run in', () => {
      const now = this.now().toISOString();
      const parent = run.parentRunId === null ? undefined : (this.sql.runById.get(run.parentRunId) as RunRow | undefined);
      const record: RunRecord = {
        ...fields,
        identity: { user: osUser(), kind: 'os-user' },
        rootRunId: run.rootRunId ?? parent?.root_run_id ?? run.id,
        startedAt: now,
        heartbeatAt: now,
        endedAt: null,
        outcome: 'running',
        exitCode: null,
      };
      this.sql.insertRun.run({ ...runParams(record), planFacts: planFacts === undefined ? null : JSON.stringify(planFacts) });
      return record;
    });
  }

  /**
   * Record one event, chained to the previous one, with its derived rows, in
   * one IMMEDIATE transaction: when the promise is returned, the event is
   * already committed, which is what lets the engine say "the step started"
   * before it spawns it. The work is done before this returns, so events are
   * chained in the order they were handed over, also from parallel steps.
   *
   * `step.output` is not recorded and resolves to null: full output goes to
   * the step's log file and the attempt keeps a head and a tail; one row per
   * line would make the journal (and every chain check) grow with log volume.
   */
  appendEvent(runId: string, event: EventOf<'step.output'>): Promise<null>;
  appendEvent(runId: string, event: Exclude<EngineEvent, { kind: 'step.output' }>): Promise<StoredEvent>;
  appendEvent(runId: string, event: EngineEvent): Promise<StoredEvent | null>;
  async appendEvent(runId: string, event: EngineEvent): Promise<StoredEvent | null> {
    if (event.kind === 'step.output') return null;
    const data = canonicalJson(event);
    return this.guard('record an event in', () => this.appendTx.immediate(runId, event, data));
  }

  /**
   * Say the run is alive: refreshes the run's and its lock's heartbeat.
   * Call every `HEARTBEAT_INTERVAL_MS`. Resolves to whether the run still
   * holds a lock: false after another process took it over as stale.
   */
  async heartbeat(runId: string): Promise<boolean> {
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
   *
   * `beforeTakeover` sees a stale holder before its lock is taken over and
   * may refuse by throwing (its dead process may have left commands
   * running). It may take its time (it is awaited outside any transaction):
   * the takeover then happens only if the lock still names the holder it
   * saw; if someone else took it meanwhile, the decision starts over.
   * @throws LockHeldError (exit 5) naming the live holder.
   */
  async acquireLock(runbook: string, environment: string | null, holder: LockRequest, beforeTakeover?: BeforeTakeover): Promise<{ takenOver?: LockHolder }> {
    let seen: LockHolder | undefined;
    for (;;) {
      const step = this.lockStep(runbook, environment, holder, beforeTakeover === undefined ? 'any' : seen);
      if ('done' in step) return step.done;
      await beforeTakeover?.(step.check);
      seen = step.check;
    }
  }

  /** One IMMEDIATE transaction of `acquireLock`: take (or refresh) the lock, or name the stale holder to check first. */
  private lockStep(runbook: string, environment: string | null, holder: LockRequest, checked: LockHolder | 'any' | undefined): LockStep {
    const env = environment ?? '';
    const now = this.now();
    return this.guard('take the lock in', () =>
      this.db
        .transaction((): LockStep => {
          const row = this.sql.lock.get(runbook, env) as LockRow | undefined;
          if (row?.run_id === holder.runId) {
            this.sql.refreshLock.run(holder.pid, now.toISOString(), runbook, env);
            return { done: {} };
          }
          const previous = row === undefined ? undefined : lockHolderFromRow(row);
          if (previous !== undefined && !isStale(previous, now, this.host)) throw lockHeldError(runbook, environment, previous);
          if (previous !== undefined && checked !== 'any' && !sameHolder(previous, checked)) return { check: previous };
          this.sql.putLock.run({ runbook, environment: env, ...holder, now: now.toISOString() });
          return { done: previous === undefined ? {} : { takenOver: previous } };
        })
        .immediate(),
    );
  }

  /** Release the lock if this run holds it; false when it did not (taken over, or never held). */
  async releaseLock(runbook: string, environment: string | null, runId: string): Promise<boolean> {
    return this.guard('release the lock in', () => this.sql.releaseLock.run(runbook, environment ?? '', runId).changes > 0);
  }

  /** Who holds the lock for a runbook and environment, if anyone (stale or not). */
  async lockHolder(runbook: string, environment: string | null): Promise<LockHolder | null> {
    const row = this.guard('read', () => this.sql.lock.get(runbook, environment ?? '') as LockRow | undefined);
    return row === undefined ? null : lockHolderFromRow(row);
  }

  /**
   * A run by id, or by a unique prefix of at least `MIN_RUN_ID_PREFIX`
   * characters (case-insensitive). Null when nothing matches.
   * @throws UsageError when a prefix matches several runs.
   */
  async getRun(idOrPrefix: string): Promise<RunRecord | null> {
    return this.guard('read', () => {
      const exact = this.sql.runById.get(idOrPrefix) as RunRow | undefined;
      if (exact !== undefined) return runFromRow(exact);
      if (idOrPrefix.length < MIN_RUN_ID_PREFIX) return null;
      const matches = this.sql.runsByPrefix.all(idOrPrefix.length, idOrPrefix) as RunRow[];
      if (matches.length === 0) return null;
      if (matches.length > 1)
        throw ambiguousRunIdError(
          idOrPrefix,
          matches.map((m) => m.id),
        );
      return runFromRow(matches[0]);
    });
  }

  /** Runs matching the query, newest first. */
  async listRuns(query: RunQuery = {}): Promise<RunRecord[]> {
    const rows = this.guard(
      'read',
      () =>
        this.sql.listRuns.all({
          runbook: query.runbook ?? null,
          environment: query.environment ?? null,
          modes: query.modes === undefined ? null : JSON.stringify(query.modes),
          limit: query.limit ?? -1,
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
  async chainOf(rootRunId: string): Promise<RunRecord[]> {
    return this.guard('read', () => this.sql.chainOf.all({ root: rootRunId }) as RunRow[]).map(runFromRow);
  }

  /** The recorded events of these runs, in seq order. */
  async eventsOf(runIds: string[], kinds?: readonly EngineEvent['kind'][]): Promise<StoredEvent[]> {
    const ids = JSON.stringify(runIds);
    const rows = () =>
      kinds !== undefined
        ? this.sql.eventsOfKinds.all(ids, JSON.stringify(kinds))
        : runIds.length === 1
          ? this.sql.eventsOfRun.all(runIds[0])
          : this.sql.eventsOf.all(ids);
    return this.guard('read', () => (rows() as EventRow[]).map(eventFromRow));
  }

  /** Append what `decide` makes of the run's events, read inside the same IMMEDIATE transaction. */
  async appendDecided(runId: string, kinds: EventKind[], decide: (events: StoredEvent[]) => RecordedEvent): Promise<StoredEvent> {
    return this.guard('record an event in', () => this.decidedTx.immediate(runId, kinds, decide));
  }

  /** One run's events of these kinds after `afterSeq` (the `events_by_run` index). */
  async eventsSince(runId: string, afterSeq: number, kinds: EventKind[]): Promise<StoredEvent[]> {
    return this.guard('read', () => (this.sql.eventsSince.all(runId, afterSeq, JSON.stringify(kinds)) as EventRow[]).map(eventFromRow));
  }

  /** The OS user of this process: what a SQLite journal records for whoever writes to it. */
  async whoAmI(): Promise<RunIdentity> {
    return { user: osUser(), kind: 'os-user' };
  }

  /**
   * The recorded events of these runs (of every run when omitted), in seq
   * order, read one row at a time: memory stays constant however long the
   * journal. The connection is busy until the iteration ends: call nothing
   * else on this journal meanwhile.
   */
  async *iterateEvents(runIds?: string[]): AsyncGenerator<StoredEvent> {
    const rows = this.guard('read', () =>
      runIds === undefined ? this.sql.allEvents.iterate() : this.sql.eventsOf.iterate(JSON.stringify(runIds)),
    ) as IterableIterator<EventRow>;
    try {
      for (;;) {
        const next = this.guard('read', () => rows.next());
        if (next.done) return;
        yield eventFromRow(next.value);
      }
    } finally {
      // A consumer that stops early must not leave the statement (and the connection) busy.
      rows.return?.();
    }
  }

  /** The plan facts recorded with the run; null for a run recorded without them (or no such run). */
  async planFacts(runId: string): Promise<PlanFacts | null> {
    return this.guard('read', () => {
      const text = this.sql.planFacts.get(runId) as string | null | undefined;
      if (text === null || text === undefined) return null;
      const facts = parsePlanFacts(text);
      if (facts === undefined) throw new DamagedRowError(`the plan facts of run ${runId} are not what golive wrote`);
      return facts;
    });
  }

  /** Runs recorded as still running (live or interrupted), newest first, from the partial index `runs_running`. */
  async runningRuns(): Promise<RunRecord[]> {
    return this.guard('read', () => this.sql.runningRuns.all() as RunRow[]).map(runFromRow);
  }

  /**
   * Check the file's pages, then the whole journal's hash chain and run
   * snapshots (see `chain.ts`).
   * @throws JournalDamagedError when SQLite finds damaged pages (evidence, like an edit).
   */
  async verifyChain(): Promise<ChainReport> {
    const damage = pageDamage(this.db);
    if (damage !== null) throw new JournalDamagedError(this.location, damage, recoveryHint(this.location));
    return this.guard('verify', () => verifyChain(this.db));
  }

  /**
   * Check only these runs' events and run rows, and that each event links to
   * the one before it in the journal: costs what the runs hold (see `verifyRunChain`).
   */
  async verifyRuns(runIds: string[]): Promise<ChainReport> {
    return this.guard('verify', () => verifyRunChain(this.db, runIds));
  }

  /** The events of these runs and their check, in one read transaction: one pass over the rows. */
  async verifiedEventsOf(runIds: string[]): Promise<{ events: StoredEvent[]; audit: ChainReport }> {
    return this.guard('verify', () => {
      const events: StoredEvent[] = [];
      const audit = verifyRunChainKeeping(this.db, runIds, (row) => events.push(eventFromRow(row)));
      return { events, audit };
    });
  }

  /** Close the connection; the journal is unusable afterwards. */
  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  /** Run `fn`, turning SQLite and file-system failures into a `JournalError` naming the file. */
  private guard<T>(action: string, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw journalErrorFrom(error, this.location, action);
    }
  }
}

/** The same lock holding: the holder `beforeTakeover` was shown is still the one in the row. */
function sameHolder(row: LockHolder, seen: LockHolder | undefined): boolean {
  return (
    seen !== undefined &&
    row.runId === seen.runId &&
    row.pid === seen.pid &&
    row.host === seen.host &&
    row.since === seen.since &&
    row.heartbeatAt === seen.heartbeatAt
  );
}

function lockHeldError(runbook: string, environment: string | null, holder: LockHolder): LockHeldError {
  const what = environment === null ? `runbook ${runbook}` : `runbook ${runbook} in ${environment}`;
  return new LockHeldError(
    `${what} is locked by run ${holder.runId} (pid ${holder.pid} on ${holder.host}, operator ${holder.operator}, since ${holder.since}, last heartbeat ${holder.heartbeatAt})`,
    `wait for it to finish, or check \`golive status ${holder.runId}\``,
  );
}
