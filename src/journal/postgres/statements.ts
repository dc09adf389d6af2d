/**
 * Every SQL statement the PostgreSQL journal runs, by purpose. Each has a
 * name, so pg prepares it once per connection and later runs only bind and
 * execute it: a step costs a few round trips, not a few parses.
 */
import type pg from 'pg';
import { ADVISORY_CLASS, AdvisoryKey } from './advisory.js';

/** A named statement; `values` are bound per call. */
function statement(name: string, text: string): (values?: unknown[]) => pg.QueryConfig {
  return (values = []) => ({ name: `golive_${name}`, text, values });
}

/** How many event rows one page of an iteration or a chain check reads. */
export const EVENT_PAGE_ROWS = 1000;
/**
 * How many rows one page of some runs' events reads: each page finds the
 * runs' remaining rows again, so pages are larger (the latest 200 runs that
 * status and estimate read fit in one or two), still bounded.
 */
export const RUN_EVENT_PAGE_ROWS = 5000;

/**
 * The `runs` columns a `RunRecord` is read from: every one but `plan_facts`,
 * which only `planFacts` reads (it is as large as the runbook, and a list of
 * runs needs none of it).
 */
const RUN_COLUMNS = `id, parent_run_id, root_run_id, mode, runbook_name, runbook_version, runbook_path, runbook_text, runbook_sha256,
  environment, operator, host, pid, git_commit, change_id, started_at, heartbeat_at, ended_at, outcome, exit_code, recorded_by`;

/**
 * The selected event rows as one JSON array of `ChainedEventRow` objects in
 * seq order, sent as one text value: pg decodes a row at a time in
 * JavaScript, which for the ~1,200 rows of the latest 200 runs (cold, in a
 * one-shot command) costs several times what one native `JSON.parse` does.
 * `data` stays a string, parsed per event as before, so a damaged row is
 * still reported as such. The bigint `seq` becomes a JSON number (far below 2^53).
 */
const EVENT_ROWS_AS_JSON = `coalesce(json_agg(json_build_object('seq', seq, 'run_id', run_id, 'at', at, 'kind', kind, 'data', data,
  'prev_hash', prev_hash, 'hash', hash) ORDER BY seq), '[]')::text`;

/** The journal's statements. */
export const sql = {
  insertRun: statement(
    'insert_run',
    `INSERT INTO runs (id, parent_run_id, root_run_id, mode, runbook_name, runbook_version, runbook_path,
       runbook_text, runbook_sha256, environment, operator, host, pid, git_commit, change_id,
       started_at, heartbeat_at, ended_at, outcome, exit_code, plan_facts)
     VALUES ($1, $2, coalesce($3, (SELECT root_run_id FROM runs WHERE id = $2), $1), $4, $5, $6, $7,
       $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, NULL, 'running', NULL, $17)
     RETURNING root_run_id, recorded_by`,
  ),
  runById: statement('run_by_id', `SELECT ${RUN_COLUMNS} FROM runs WHERE id = $1`),
  planFacts: statement('plan_facts', 'SELECT plan_facts FROM runs WHERE id = $1'),
  runsByPrefix: statement('runs_by_prefix', `SELECT ${RUN_COLUMNS} FROM runs WHERE upper(substr(id, 1, $1)) = upper($2) ORDER BY started_at, ordinal LIMIT 6`),
  listRuns: statement(
    'list_runs',
    `SELECT ${RUN_COLUMNS} FROM runs
     WHERE ($1::text IS NULL OR runbook_name = $1)
       AND ($2::text IS NULL OR environment = $2)
       AND ($3::text[] IS NULL OR mode = ANY ($3::text[]))
     ORDER BY started_at DESC, ordinal DESC
     LIMIT $4`,
  ),
  recentRunIds: statement(
    'recent_run_ids',
    `SELECT id FROM runs
     WHERE ($1::text IS NULL OR runbook_name = $1)
       AND ($2::text IS NULL OR environment = $2)
       AND ($3::text[] IS NULL OR mode = ANY ($3::text[]))
     ORDER BY started_at DESC, ordinal DESC
     LIMIT $4`,
  ),
  chainOf: statement('chain_of', `SELECT ${RUN_COLUMNS} FROM runs WHERE id = $1 OR root_run_id = $1 ORDER BY started_at, ordinal`),
  runningRuns: statement('running_runs', `SELECT ${RUN_COLUMNS} FROM runs WHERE outcome = 'running' ORDER BY started_at DESC, ordinal DESC`),

  /**
   * The chain's head, read only after the chain's advisory lock is granted:
   * a separate statement, so under READ COMMITTED its snapshot includes the
   * event the previous holder committed before releasing the lock.
   */
  lockChain: statement('lock_chain', `SELECT pg_advisory_xact_lock(${ADVISORY_CLASS}, ${AdvisoryKey.Chain})`),
  chainHead: statement('chain_head', 'SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1'),
  /** This transaction's commit does not wait for the log flush (see durability.ts). */
  deferFlush: statement('defer_flush', 'SET LOCAL synchronous_commit = off'),
  insertEvent: statement('insert_event', 'INSERT INTO events (seq, run_id, at, kind, data, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)'),
  eventsOf: statement('events_of', `SELECT ${EVENT_ROWS_AS_JSON} AS rows FROM events WHERE run_id = ANY ($1::text[])`),
  eventsSince: statement(
    'events_since',
    'SELECT seq, run_id, at, kind, data, prev_hash, hash FROM events WHERE run_id = $1 AND seq > $2 AND kind = ANY ($3::text[]) ORDER BY seq',
  ),
  sessionUser: statement('session_user', 'SELECT session_user AS name'),
  // Only the kinds a reader folds (the duration history): the rest is never sent or parsed.
  eventsOfKinds: statement('events_of_kinds', `SELECT ${EVENT_ROWS_AS_JSON} AS rows FROM events WHERE run_id = ANY ($1::text[]) AND kind = ANY ($2::text[])`),
  eventsPage: statement(
    'events_page',
    `SELECT seq, run_id, at, kind, data, prev_hash, hash FROM events
     WHERE seq > $1 AND run_id IN (SELECT id FROM runs)
     ORDER BY seq LIMIT ${EVENT_PAGE_ROWS}`,
  ),
  /**
   * A page of some runs' events (as the SQLite journal's, not filtered by
   * the runs table: the ids come from it). Their rows are found by the run
   * index first (materialised), then ordered: left to itself the planner
   * walks the whole chain in seq order for the LIMIT, filtering for these
   * runs (70 ms for the latest 200 of 10,000 runs, which status and estimate read).
   */
  runEventsPage: statement(
    'run_events_page',
    `WITH these AS MATERIALIZED (
       SELECT seq, run_id, at, kind, data, prev_hash, hash FROM events WHERE run_id = ANY ($2::text[]) AND seq > $1)
     SELECT * FROM these ORDER BY seq LIMIT ${RUN_EVENT_PAGE_ROWS}`,
  ),
  chainPage: statement('chain_page', `SELECT seq, run_id, at, kind, data, prev_hash, hash FROM events WHERE seq > $1 ORDER BY seq LIMIT ${EVENT_PAGE_ROWS}`),
  runsPage: statement(
    'runs_page',
    `SELECT seq, run_id, at, kind, data, prev_hash, hash FROM events WHERE seq > $1 AND run_id = ANY ($2::text[]) ORDER BY seq LIMIT ${EVENT_PAGE_ROWS}`,
  ),
  hashAt: statement('hash_at', 'SELECT hash FROM events WHERE seq = $1'),
  runIds: statement('run_ids', 'SELECT id FROM runs'),
  runsToVerify: statement('runs_to_verify', 'SELECT id, runbook_text, runbook_sha256, outcome, exit_code FROM runs ORDER BY started_at, ordinal'),
  someRunsToVerify: statement(
    'some_runs_to_verify',
    'SELECT id, runbook_text, runbook_sha256, outcome, exit_code FROM runs WHERE id = ANY ($1::text[]) ORDER BY started_at, ordinal',
  ),

  /** Both heartbeats in one statement (one round trip, atomic); its row count is the lock's. */
  heartbeat: statement(
    'heartbeat',
    `WITH beat AS (UPDATE runs SET heartbeat_at = $1 WHERE id = $2 AND outcome = 'running')
     UPDATE locks SET heartbeat_at = $1 WHERE run_id = $2`,
  ),
  lockLocks: statement('lock_locks', `SELECT pg_advisory_xact_lock(${ADVISORY_CLASS}, ${AdvisoryKey.Locks})`),
  lock: statement('lock', 'SELECT * FROM locks WHERE runbook = $1 AND environment = $2'),
  putLock: statement(
    'put_lock',
    `INSERT INTO locks (runbook, environment, run_id, pid, host, operator, since, heartbeat_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
     ON CONFLICT (runbook, environment) DO UPDATE SET run_id = excluded.run_id, pid = excluded.pid,
       host = excluded.host, operator = excluded.operator, since = excluded.since, heartbeat_at = excluded.heartbeat_at`,
  ),
  refreshLock: statement('refresh_lock', 'UPDATE locks SET pid = $1, heartbeat_at = $2 WHERE runbook = $3 AND environment = $4'),
  releaseLock: statement('release_lock', 'DELETE FROM locks WHERE runbook = $1 AND environment = $2 AND run_id = $3'),
};
