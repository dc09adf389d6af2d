/**
 * The journal's schema, as numbered migrations. The applied number lives in
 * `PRAGMA user_version` (in the database header, so it commits or rolls back
 * with the tables). All pending migrations run in one IMMEDIATE transaction:
 * a crash half-way leaves the previous schema, never a mix, and two golive
 * processes opening a fresh file at once cannot both migrate it.
 *
 * Persisted: a released migration is never edited; a change is a new one.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { JournalDamagedError, JournalError } from '../../errors.js';

/** One step of the schema's history. */
export interface Migration {
  /** 1, 2, 3, …: the value of `user_version` once it is applied. */
  version: number;
  description: string;
  sql: string;
}

/** Every migration, in order. Append only. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'runs, hash-chained events, attempts, outputs, decisions, locks',
    sql: `
      CREATE TABLE runs (
        id              TEXT PRIMARY KEY,
        parent_run_id   TEXT REFERENCES runs (id),
        root_run_id     TEXT NOT NULL REFERENCES runs (id),
        mode            TEXT NOT NULL,
        runbook_name    TEXT NOT NULL,
        runbook_version TEXT,
        runbook_path    TEXT NOT NULL,
        runbook_text    TEXT NOT NULL,
        runbook_sha256  TEXT NOT NULL,
        environment     TEXT,
        operator        TEXT NOT NULL,
        host            TEXT NOT NULL,
        pid             INTEGER NOT NULL,
        git_commit      TEXT,
        change_id       TEXT,
        started_at      TEXT NOT NULL,
        heartbeat_at    TEXT NOT NULL,
        ended_at        TEXT,
        outcome         TEXT NOT NULL DEFAULT 'running',
        exit_code       INTEGER
      );
      -- latestRun / listRuns filtered by runbook and environment, newest first.
      CREATE INDEX runs_by_runbook ON runs (runbook_name, environment, started_at);
      -- history without a filter.
      CREATE INDEX runs_by_start ON runs (started_at);
      -- chainOf: a run and its resume / rollback runs.
      CREATE INDEX runs_by_root ON runs (root_run_id, started_at);

      -- seq is the rowid: global, assigned by the store as last seq + 1
      -- inside the writing transaction, so the chain has no gaps.
      CREATE TABLE events (
        seq       INTEGER PRIMARY KEY,
        run_id    TEXT NOT NULL REFERENCES runs (id),
        at        TEXT NOT NULL,
        kind      TEXT NOT NULL,
        data      TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash      TEXT NOT NULL
      );
      CREATE INDEX events_by_run ON events (run_id, seq);

      -- Append-only for every connection that goes through golive. A
      -- determined editor can drop these; the hash chain still tells.
      CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: events cannot be changed'); END;
      CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: events cannot be deleted'); END;
      CREATE TRIGGER runs_snapshot_frozen BEFORE UPDATE OF runbook_text, runbook_sha256 ON runs
        BEGIN SELECT RAISE(ABORT, 'a run''s runbook snapshot cannot be changed'); END;

      -- Derived from step.started / step.finished; the events stay the truth.
      CREATE TABLE attempts (
        run_id      TEXT NOT NULL REFERENCES runs (id),
        phase       TEXT NOT NULL,
        step_id     TEXT NOT NULL,
        attempt     INTEGER NOT NULL,
        status      TEXT,
        exit_code   INTEGER,
        signal      TEXT,
        started_at  TEXT NOT NULL,
        ended_at    TEXT,
        duration_ms INTEGER,
        expected_ms INTEGER,
        command     TEXT NOT NULL,
        head        TEXT,
        tail        TEXT,
        log_path    TEXT,
        seq         INTEGER NOT NULL,
        PRIMARY KEY (run_id, phase, step_id, attempt)
      );

      -- A step's name=value outputs (phase 'step'); the latest attempt wins.
      CREATE TABLE outputs (
        run_id  TEXT NOT NULL REFERENCES runs (id),
        step_id TEXT NOT NULL,
        name    TEXT NOT NULL,
        value   TEXT NOT NULL,
        seq     INTEGER NOT NULL,
        PRIMARY KEY (run_id, step_id, name)
      );

      CREATE TABLE decisions (
        seq        INTEGER PRIMARY KEY,
        run_id     TEXT NOT NULL REFERENCES runs (id),
        subject    TEXT NOT NULL,
        subject_id TEXT,
        choice     TEXT NOT NULL,
        reason     TEXT,
        "by"       TEXT NOT NULL,
        via        TEXT NOT NULL,
        at         TEXT NOT NULL
      );
      CREATE INDEX decisions_by_run ON decisions (run_id, seq);

      -- No foreign key to runs: the lock is taken before the run row exists,
      -- so a locked-out attempt leaves no run behind.
      CREATE TABLE locks (
        runbook      TEXT NOT NULL,
        environment  TEXT NOT NULL DEFAULT '',
        run_id       TEXT NOT NULL,
        pid          INTEGER NOT NULL,
        host         TEXT NOT NULL,
        operator     TEXT NOT NULL,
        since        TEXT NOT NULL,
        heartbeat_at TEXT NOT NULL,
        PRIMARY KEY (runbook, environment)
      );
      CREATE INDEX locks_by_run ON locks (run_id);
    `,
  },
  {
    version: 2,
    description: "runs record who golive knows ran them (the process's OS user) beside the operator's display name",
    sql: `
      -- Null for runs recorded before golive kept it: nobody can say now.
      ALTER TABLE runs ADD COLUMN identity TEXT;
    `,
  },
  {
    version: 3,
    description: 'runs keep the facts status shows of their resolved plan; the runs still running are found by an index',
    sql: `
      -- JSON (see PlanFacts): derived from runbook_text when the run starts, so reading a run does not
      -- parse its snapshot again. Null for runs recorded before: their snapshot is read instead.
      ALTER TABLE runs ADD COLUMN plan_facts TEXT;
      -- runningRuns (status, the orphan check): the few runs still recorded as running, not a scan of all.
      CREATE INDEX runs_running ON runs (started_at) WHERE outcome = 'running';
    `,
  },
];

/** The schema version this build of golive reads and writes. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** The schema version recorded in the file (0 for a new, empty file). */
export function schemaVersion(db: BetterSqlite3.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** A journal written by a newer golive: reading it with this schema could misread it. */
export function assertNotNewer(db: BetterSqlite3.Database, version: number): void {
  if (version > SCHEMA_VERSION) {
    throw new JournalError(
      `the audit journal ${db.name} has schema version ${version}, newer than this golive understands (${SCHEMA_VERSION})`,
      'upgrade golive, or use --db or GOLIVE_DB to pick another file',
    );
  }
}

/** Every table the migrations create, read from their SQL so a new migration's tables count too. */
export const JOURNAL_TABLES: readonly string[] = MIGRATIONS.flatMap((m) => [...m.sql.matchAll(/CREATE TABLE (\w+)/g)].map((match) => match[1]));

function tablesOf(db: BetterSqlite3.Database): Set<string> {
  return new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]);
}

/**
 * A journal at the current version must have every table: one missing (a
 * dropped `events`) means the file was damaged or edited, and writing to it
 * would only hide that.
 */
export function assertSchemaIntact(db: BetterSqlite3.Database): void {
  const present = tablesOf(db);
  const missing = JOURNAL_TABLES.filter((table) => !present.has(table));
  if (missing.length > 0) {
    throw new JournalDamagedError(
      db.name,
      `its table${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing`,
      `keep ${db.name} as evidence; restore the journal from a backup, or start a new one with --db`,
    );
  }
}

/** Version 0 with tables of its own is someone else's SQLite database, which golive must not add its tables to. */
export function assertNotForeign(db: BetterSqlite3.Database, version: number): void {
  if (version === 0 && tablesOf(db).size > 0) {
    throw new JournalError(`${db.name} is an SQLite database, but not a golive audit journal`, 'use --db or GOLIVE_DB to pick another file');
  }
}

/**
 * Bring the schema up to `SCHEMA_VERSION`. Returns the versions before and
 * after. Idempotent: on an up-to-date file it only reads `user_version`.
 */
export function migrate(db: BetterSqlite3.Database): { from: number; to: number } {
  const before = schemaVersion(db);
  assertNotNewer(db, before);
  if (before === SCHEMA_VERSION) return { from: before, to: before };
  assertNotForeign(db, before);

  return db
    .transaction(() => {
      // Re-read under the write lock: another process may have migrated meanwhile.
      const from = schemaVersion(db);
      assertNotNewer(db, from);
      assertNotForeign(db, from);
      for (const migration of MIGRATIONS) {
        if (migration.version <= from) continue;
        db.exec(migration.sql);
        db.pragma(`user_version = ${migration.version}`);
      }
      return { from, to: SCHEMA_VERSION };
    })
    .immediate();
}
