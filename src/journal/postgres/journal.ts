/**
 * The audit journal on a PostgreSQL server, for a team that shares one:
 * the same runs, hash-chained events, derived rows and locks as the SQLite
 * file, behind the same `Journal` port, proven by the same contract tests.
 *
 * One connection per golive process. Its operations run one at a time (a
 * queue), because a transaction spans several round trips and pg would
 * otherwise interleave another operation's statements into it. Appends
 * serialise across machines on an advisory lock held for the transaction,
 * so the chain never forks; locks are rows decided under another.
 *
 * Loaded only for a `postgres://` journal (open.ts imports it lazily), so a
 * SQLite command never pays for pg.
 */
import { hostname } from 'node:os';
import type pg from 'pg';
import type { EngineEvent, EventKind, EventOf } from '../../engine/events.js';
import { JournalUnreachableError } from '../../errors.js';
import { type ChainedEventRow, canonicalJson, sha256Hex } from '../hash-chain.js';
import { printableLocation } from '../journal-path.js';
import { isStale } from '../liveness.js';
import { ambiguousRunIdError, type BeforeTakeover, type Journal, type LockRequest, MIN_RUN_ID_PREFIX, type RecordedEvent, type RunQuery } from '../port.js';
// The same schema as the SQLite file's, so the same row shapes and mappings.
import { type LockRow, lockHolderFromRow, parsePlanFacts } from '../sqlite/rows.js';
import type { ChainReport, LockHolder, NewRun, PlanFacts, RunIdentity, RunRecord, RunStatus, StoredEvent } from '../types.js';
import { appendDecidedToChain, appendToChain, type ChainHead } from './append.js';
import { newClient } from './connection.js';
import { NeverUsedJournal } from './empty.js';
import { DamagedRowError, journalErrorFrom } from './errors.js';
import { lockHeldError } from './lock-message.js';
import { completeSchemaToRead, migrate } from './migrations.js';
import { eventFromRow, eventRowsFromJson, type PostgresRunRow, runFromPostgresRow } from './rows.js';
import { EVENT_PAGE_ROWS, RUN_EVENT_PAGE_ROWS, sql } from './statements.js';
import { verifyRunsChain, verifyWholeChain } from './verify.js';

/** Options for `openPostgresJournal`; tests replace the clock and the host name. */
export interface PostgresJournalOptions {
  /** Reading only: never migrates a database without a journal (it is reported missing). */
  readonly?: boolean;
  /** The wall clock for started/heartbeat times and staleness (default: now). */
  now?: () => Date;
  /** This machine's name, compared with a holder's host before probing its pid. */
  hostname?: string;
  /** The URL to connect to again after the connection was lost (set by `openPostgresJournal`; without it a lost connection stays lost). */
  url?: string;
}

/**
 * Connect to the journal at `url` and bring its schema up to date (read-only
 * opens do not create one). The password comes from the URL, PGPASSWORD or
 * ~/.pgpass, as libpq finds it; it is never part of `location`.
 * @throws JournalError (exit 6) naming the masked URL and a fix.
 */
export async function openPostgresJournal(url: string, options: PostgresJournalOptions = {}): Promise<PostgresJournal | NeverUsedJournal> {
  const location = printableLocation(url);
  const client = newClient(url, location, options);
  try {
    await client.connect();
    if (!options.readonly) await migrate(client, location);
    else if (!(await completeSchemaToRead(client, location))) {
      await client.end().catch(() => undefined);
      return new NeverUsedJournal(location);
    }
  } catch (error) {
    await client.end().catch(() => undefined);
    throw journalErrorFrom(error, location, 'open');
  }
  return new PostgresJournal(client, location, { ...options, url });
}

/** The audit journal in a PostgreSQL database. */
export class PostgresJournal implements Journal {
  readonly location: string;
  /** The connection; replaced by a new one once it is lost (the server restarted, the network dropped). */
  private client: pg.Client;
  /** Whether `client` was lost: the next operation connects again first. */
  private lost = false;
  private readonly url: string | undefined;
  private readonly readonly: boolean;
  private readonly now: () => Date;
  private readonly host: string;
  /** The tail of the operation queue: each operation starts when the one before it settles. */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** The chain's head after this connection's last append: the next append assumes it, and falls back when it is not. */
  private lastWritten: ChainHead | undefined;

  /** Wrap a connected client; `openPostgresJournal` connects and migrates first. */
  constructor(client: pg.Client, location: string, options: PostgresJournalOptions = {}) {
    this.client = client;
    this.location = location;
    this.url = options.url;
    this.readonly = options.readonly === true;
    this.now = options.now ?? (() => new Date());
    this.host = options.hostname ?? hostname();
  }

  /** Record a new run (see `Journal.createRun`); its root is resolved in the insert itself. */
  async createRun(run: NewRun): Promise<RunRecord> {
    if (sha256Hex(run.runbookText) !== run.runbookSha256) {
      throw new Error(`createRun: runbookSha256 of run ${run.id} is not the SHA-256 of its runbookText (UTF-8)`);
    }
    const { planFacts, ...fields } = run;
    const now = this.now().toISOString();
    return this.exclusive('record a run in', async (client) => {
      const { rows } = await client.query<{ root_run_id: string; recorded_by: string }>(
        sql.insertRun([
          run.id,
          run.parentRunId,
          run.rootRunId ?? null,
          run.mode,
          run.runbookName,
          run.runbookVersion,
          run.runbookPath,
          run.runbookText,
          run.runbookSha256,
          run.environment,
          run.operator,
          run.host,
          run.pid,
          run.gitCommit,
          run.changeId,
          now,
          planFacts === undefined ? null : JSON.stringify(planFacts),
        ]),
      );
      return {
        ...fields,
        identity: { user: rows[0].recorded_by, kind: 'database-role' },
        rootRunId: rows[0].root_run_id,
        startedAt: now,
        heartbeatAt: now,
        endedAt: null,
        outcome: 'running',
        exitCode: null,
      };
    });
  }

  /** Record one event, chained under the chain's advisory lock (see `Journal.appendEvent`). */
  appendEvent(runId: string, event: EventOf<'step.output'>): Promise<null>;
  appendEvent(runId: string, event: Exclude<EngineEvent, { kind: 'step.output' }>): Promise<StoredEvent>;
  appendEvent(runId: string, event: EngineEvent): Promise<StoredEvent | null>;
  async appendEvent(runId: string, event: EngineEvent): Promise<StoredEvent | null> {
    // Full output goes to the step's log file; the attempt keeps a head and a tail.
    if (event.kind === 'step.output') return null;
    const data = canonicalJson(event);
    return this.exclusive('record an event in', async (client) => {
      const stored = await appendToChain(client, this.lastWritten, runId, event, data);
      this.lastWritten = { seq: stored.seq, hash: stored.hash };
      return stored;
    });
  }

  /** Append what `decide` makes of the run's events, read under the chain's advisory lock in the same transaction. */
  async appendDecided(runId: string, kinds: EventKind[], decide: (events: StoredEvent[]) => RecordedEvent): Promise<StoredEvent> {
    return this.exclusive('record an event in', async (client) => {
      const stored = await appendDecidedToChain(client, runId, kinds, decide, eventFromRow);
      this.lastWritten = { seq: stored.seq, hash: stored.hash };
      return stored;
    });
  }

  /** Refresh the run's and its lock's heartbeat in one statement; false when the lock was taken over. */
  async heartbeat(runId: string): Promise<boolean> {
    const now = this.now().toISOString();
    return this.exclusive('update the heartbeat in', async (client) => ((await client.query(sql.heartbeat([now, runId]))).rowCount ?? 0) > 0);
  }

  /**
   * Take the lock (see `Journal.acquireLock`). `beforeTakeover` may read
   * this journal, so it runs between two transactions, never inside one:
   * the takeover then happens only if the same stale holder is still there.
   */
  async acquireLock(runbook: string, environment: string | null, holder: LockRequest, beforeTakeover?: BeforeTakeover): Promise<{ takenOver?: LockHolder }> {
    const env = environment ?? '';
    let checked: LockHolder | undefined;
    for (;;) {
      const outcome = await this.exclusive('take the lock in', (client) =>
        this.transaction(client, async (): Promise<{ done: { takenOver?: LockHolder } } | { check: LockHolder }> => {
          const now = this.now();
          await client.query(sql.lockLocks());
          const row = (await client.query<LockRow>(sql.lock([runbook, env]))).rows[0];
          if (row?.run_id === holder.runId) {
            await client.query(sql.refreshLock([holder.pid, now.toISOString(), runbook, env]));
            return { done: {} };
          }
          const previous = row === undefined ? undefined : lockHolderFromRow(row);
          if (previous !== undefined && !isStale(previous, now, this.host)) throw lockHeldError(runbook, environment, previous, this.host);
          if (previous !== undefined && beforeTakeover !== undefined && !sameHolder(previous, checked)) return { check: previous };
          await client.query(sql.putLock([runbook, env, holder.runId, holder.pid, holder.host, holder.operator, now.toISOString()]));
          return { done: previous === undefined ? {} : { takenOver: previous } };
        }),
      );
      if ('done' in outcome) return outcome.done;
      await beforeTakeover?.(outcome.check);
      checked = outcome.check;
    }
  }

  /** Release the lock if this run holds it. */
  async releaseLock(runbook: string, environment: string | null, runId: string): Promise<boolean> {
    return this.exclusive(
      'release the lock in',
      async (client) => ((await client.query(sql.releaseLock([runbook, environment ?? '', runId]))).rowCount ?? 0) > 0,
    );
  }

  /** Who holds the lock, stale or not. */
  async lockHolder(runbook: string, environment: string | null): Promise<LockHolder | null> {
    const row = await this.exclusive('read', async (client) => (await client.query<LockRow>(sql.lock([runbook, environment ?? '']))).rows[0]);
    return row === undefined ? null : lockHolderFromRow(row);
  }

  /** A run by id or unique prefix (see `Journal.getRun`). */
  async getRun(idOrPrefix: string): Promise<RunRecord | null> {
    const matches = await this.exclusive('read', async (client) => {
      const exact = (await client.query<PostgresRunRow>(sql.runById([idOrPrefix]))).rows;
      if (exact.length > 0 || idOrPrefix.length < MIN_RUN_ID_PREFIX) return exact;
      return (await client.query<PostgresRunRow>(sql.runsByPrefix([idOrPrefix.length, idOrPrefix]))).rows;
    });
    if (matches.length === 0) return null;
    if (matches.length > 1)
      throw ambiguousRunIdError(
        idOrPrefix,
        matches.map((m) => m.id),
      );
    return runFromPostgresRow(matches[0]);
  }

  /** Runs matching the query, newest first. */
  async listRuns(query: RunQuery = {}): Promise<RunRecord[]> {
    const values = [query.runbook ?? null, query.environment ?? null, query.modes ?? null, query.limit ?? null];
    return this.readRuns(sql.listRuns(values));
  }

  /** The ids of the runs `listRuns` would return, newest first (the same filters and order). */
  async recentRunIds(query: RunQuery = {}): Promise<string[]> {
    const values = [query.runbook ?? null, query.environment ?? null, query.modes ?? null, query.limit ?? null];
    return this.exclusive('read', async (client) => (await client.query<{ id: string }>(sql.recentRunIds(values))).rows.map((row) => row.id));
  }

  /** Runs recorded as still running, newest first. */
  async runningRuns(): Promise<RunRecord[]> {
    return this.readRuns(sql.runningRuns());
  }

  /** The root run and its resume / rollback runs, in start order. */
  async chainOf(rootRunId: string): Promise<RunRecord[]> {
    return this.readRuns(sql.chainOf([rootRunId]));
  }

  /** 'interrupted' for a running run whose holder is gone (on another host: only a stale heartbeat says so). */
  runStatus(run: RunRecord): RunStatus {
    if (run.outcome !== 'running') return run.outcome;
    return isStale(run, this.now(), this.host) ? 'interrupted' : 'running';
  }

  /** The plan facts recorded with the run; null for a run recorded without them (or no such run). */
  async planFacts(runId: string): Promise<PlanFacts | null> {
    return this.exclusive('read', async (client) => {
      const text = (await client.query<{ plan_facts: string | null }>(sql.planFacts([runId]))).rows[0]?.plan_facts;
      if (text === null || text === undefined) return null;
      const facts = parsePlanFacts(text);
      if (facts === undefined) throw new DamagedRowError(`the plan facts of run ${runId} are not what golive wrote`);
      return facts;
    });
  }

  /** The recorded events of these runs, in seq order; with `kinds`, only those kinds. */
  async eventsOf(runIds: string[], kinds?: readonly EngineEvent['kind'][]): Promise<StoredEvent[]> {
    const query = kinds === undefined ? sql.eventsOf([runIds]) : sql.eventsOfKinds([runIds, kinds]);
    return this.exclusive('read', async (client) => eventRowsFromJson((await client.query<{ rows: string }>(query)).rows[0].rows).map(eventFromRow));
  }

  /** One run's events of these kinds after `afterSeq` (the `events_by_run` index). */
  async eventsSince(runId: string, afterSeq: number, kinds: EventKind[]): Promise<StoredEvent[]> {
    return this.exclusive('read', async (client) => (await client.query<ChainedEventRow>(sql.eventsSince([runId, afterSeq, kinds]))).rows.map(eventFromRow));
  }

  /** The authenticated role of this connection (`session_user`: a `SET ROLE` does not change it). */
  async whoAmI(): Promise<RunIdentity> {
    const row = await this.exclusive('read', async (client) => (await client.query<{ name: string }>(sql.sessionUser())).rows[0]);
    return { user: row?.name ?? '', kind: 'database-role' };
  }

  /**
   * Page by page (keyset on seq), each page its own query, so the caller may
   * use the journal between items; events appended meanwhile may appear at the end.
   */
  async *iterateEvents(runIds?: string[]): AsyncGenerator<StoredEvent> {
    let after = 0;
    const pageRows = runIds === undefined ? EVENT_PAGE_ROWS : RUN_EVENT_PAGE_ROWS;
    for (;;) {
      const page = runIds === undefined ? sql.eventsPage([after]) : sql.runEventsPage([after, runIds]);
      const rows = await this.exclusive('read', async (client) => (await client.query<ChainedEventRow>(page)).rows);
      for (const row of rows) yield eventFromRow(row);
      if (rows.length < pageRows) return;
      after = rows[rows.length - 1].seq;
    }
  }

  /** Check the whole chain and every run row, in one snapshot. */
  async verifyChain(): Promise<ChainReport> {
    return this.exclusive('verify', (client) => verifyWholeChain(client));
  }

  /** Check these runs' events, their links, and their run rows. */
  async verifyRuns(runIds: string[]): Promise<ChainReport> {
    return this.exclusive('verify', (client) => verifyRunsChain(client, runIds));
  }

  /** The events of these runs and their check: two reads here (each its own snapshot), as `eventsOf` and `verifyRuns`. */
  async verifiedEventsOf(runIds: string[]): Promise<{ events: StoredEvent[]; audit: ChainReport }> {
    const events = await this.eventsOf(runIds);
    return { events, audit: await this.verifyRuns(runIds) };
  }

  /** Wait for queued operations, then close the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.catch(() => undefined);
    await this.client.end().catch(() => undefined);
  }

  private async readRuns(query: pg.QueryConfig): Promise<RunRecord[]> {
    return this.exclusive('read', async (client) => (await client.query<PostgresRunRow>(query)).rows.map(runFromPostgresRow));
  }

  /**
   * Run `operation` once every operation queued before it has settled, and
   * turn pg and socket failures into a `JournalError` naming the journal.
   * A connection found lost is replaced before the operation runs, so an
   * operation after a server restart succeeds once the server is back.
   */
  private exclusive<T>(action: string, operation: (client: pg.Client) => Promise<T>): Promise<T> {
    const attempt = async (): Promise<T> => {
      const client = await this.connection();
      try {
        return await operation(client);
      } catch (error) {
        const mapped = journalErrorFrom(error, this.location, action);
        if (mapped instanceof JournalUnreachableError) this.lose(client);
        throw mapped;
      }
    };
    const run = this.queue.then(attempt, attempt);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The live connection, connecting again first when the last one was lost. */
  private async connection(): Promise<pg.Client> {
    if (!this.lost) return this.client;
    if (this.url === undefined || this.closed) throw new JournalUnreachableError(`the connection to the audit journal ${this.location} was lost`);
    const client = newClient(this.url, this.location, { readonly: this.readonly });
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw journalErrorFrom(error, this.location, 'reconnect to');
    }
    this.client = client;
    this.lost = false;
    return client;
  }

  /** Forget a lost connection (its socket is closed, quietly): the next operation opens a new one. */
  private lose(client: pg.Client): void {
    if (client !== this.client) return;
    this.lost = true;
    client.end().catch(() => undefined);
  }

  /** BEGIN … COMMIT around `work`; ROLLBACK when it throws. */
  private async transaction<T>(client: pg.Client, work: () => Promise<T>): Promise<T> {
    await client.query('BEGIN');
    try {
      const result = await work();
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }
}

/** Whether the lock still names the holder `beforeTakeover` already saw (same run, no newer beat). */
function sameHolder(current: LockHolder, checked: LockHolder | undefined): boolean {
  return checked !== undefined && current.runId === checked.runId && current.heartbeatAt === checked.heartbeatAt;
}
