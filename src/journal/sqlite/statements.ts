/**
 * Every SQL statement the journal runs, prepared once per connection, on
 * first use: preparing costs more than running these, so a step is recorded
 * in a fraction of a millisecond only if nothing is compiled on the way, and
 * a read command (status, history) prepares the few statements it runs, not
 * all twenty (about 7 ms of its start-up).
 */
import type { Database } from './database.js';

/** `makers` as properties that prepare their statement on first access and keep it. */
function preparedOnUse<T extends Record<string, () => unknown>>(makers: T): { readonly [K in keyof T]: ReturnType<T[K]> } {
  const statements = {} as { [K in keyof T]: ReturnType<T[K]> };
  for (const key of Object.keys(makers) as Array<keyof T>) {
    let statement: ReturnType<T[typeof key]> | undefined;
    Object.defineProperty(statements, key, { enumerable: true, get: () => (statement ??= makers[key]() as ReturnType<T[typeof key]>) });
  }
  return statements;
}

/**
 * The `runs` columns a `RunRecord` is read from: every one but `plan_facts`,
 * which only `planFacts` reads (it is as large as the runbook, and a list of
 * runs needs none of it).
 */
const RUN_COLUMNS = `id, parent_run_id, root_run_id, mode, runbook_name, runbook_version, runbook_path, runbook_text, runbook_sha256,
  environment, operator, identity, host, pid, git_commit, change_id, started_at, heartbeat_at, ended_at, outcome, exit_code`;

/** Every statement the journal runs, prepared once per connection. */
export function prepareStatements(db: Database) {
  return preparedOnUse({
    insertRun: () =>
      db.prepare(`
      INSERT INTO runs (id, parent_run_id, root_run_id, mode, runbook_name, runbook_version, runbook_path,
        runbook_text, runbook_sha256, environment, operator, identity, host, pid, git_commit, change_id,
        started_at, heartbeat_at, ended_at, outcome, exit_code, plan_facts)
      VALUES (@id, @parentRunId, @rootRunId, @mode, @runbookName, @runbookVersion, @runbookPath,
        @runbookText, @runbookSha256, @environment, @operator, @identity, @host, @pid, @gitCommit, @changeId,
        @startedAt, @heartbeatAt, @endedAt, @outcome, @exitCode, @planFacts)`),
    runById: () => db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`),
    runsByPrefix: () => db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE upper(substr(id, 1, ?)) = upper(?) ORDER BY started_at LIMIT 6`),
    // Optional filters as "IS NULL OR": the runs table is small, one statement beats a cache of variants.
    listRuns: () =>
      db.prepare(`
      SELECT ${RUN_COLUMNS} FROM runs
      WHERE (@runbook IS NULL OR runbook_name = @runbook)
        AND (@environment IS NULL OR environment = @environment)
        AND (@modes IS NULL OR mode IN (SELECT value FROM json_each(@modes)))
      ORDER BY started_at DESC, rowid DESC
      LIMIT @limit`),
    chainOf: () => db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = @root OR root_run_id = @root ORDER BY started_at, rowid`),
    lastEvent: () => db.prepare('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1'),
    insertEvent: () => db.prepare('INSERT INTO events (seq, run_id, at, kind, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    eventsOf: () => db.prepare('SELECT * FROM events WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY seq'),
    eventsSince: () => db.prepare('SELECT * FROM events WHERE run_id = ? AND seq > ? AND kind IN (SELECT value FROM json_each(?)) ORDER BY seq'),
    // One run (most chains): read in the index's order, with no sort of every row.
    eventsOfRun: () => db.prepare('SELECT * FROM events WHERE run_id = ? ORDER BY seq'),
    // Only the kinds a reader folds (the duration history): the rest is never parsed.
    eventsOfKinds: () =>
      db.prepare('SELECT * FROM events WHERE run_id IN (SELECT value FROM json_each(?)) AND kind IN (SELECT value FROM json_each(?)) ORDER BY seq'),
    planFacts: () => db.prepare('SELECT plan_facts FROM runs WHERE id = ?').pluck(),
    // Events of runs still in the runs table, as listing every run and asking for their events did.
    allEvents: () => db.prepare('SELECT * FROM events WHERE run_id IN (SELECT id FROM runs) ORDER BY seq'),
    runningRuns: () => db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE outcome = 'running' ORDER BY started_at DESC, rowid DESC`),
    beatRun: () => db.prepare("UPDATE runs SET heartbeat_at = ? WHERE id = ? AND outcome = 'running'"),
    beatLock: () => db.prepare('UPDATE locks SET heartbeat_at = ? WHERE run_id = ?'),
    lock: () => db.prepare('SELECT * FROM locks WHERE runbook = ? AND environment = ?'),
    putLock: () =>
      db.prepare(`
      INSERT INTO locks (runbook, environment, run_id, pid, host, operator, since, heartbeat_at)
      VALUES (@runbook, @environment, @runId, @pid, @host, @operator, @now, @now)
      ON CONFLICT (runbook, environment) DO UPDATE SET run_id = excluded.run_id, pid = excluded.pid,
        host = excluded.host, operator = excluded.operator, since = excluded.since, heartbeat_at = excluded.heartbeat_at`),
    refreshLock: () => db.prepare('UPDATE locks SET pid = ?, heartbeat_at = ? WHERE runbook = ? AND environment = ?'),
    releaseLock: () => db.prepare('DELETE FROM locks WHERE runbook = ? AND environment = ? AND run_id = ?'),
  });
}

/** The journal's prepared statements, by purpose. */
export type Statements = ReturnType<typeof prepareStatements>;
