/**
 * The PostgreSQL journal's schema, as numbered migrations: the same tables
 * and meaning as the SQLite file's (sqlite/migrations.ts), in PostgreSQL's
 * words. The applied versions live in `golive_schema`, written in the same
 * transaction as the tables. All pending migrations run in one transaction
 * under an advisory lock, so two machines using a fresh database at once
 * cannot both migrate it: the second waits, then finds the work done.
 *
 * Timestamps are stored as the ISO text golive wrote (as in SQLite): the
 * chain check compares an event's `at` column with its hashed data, which
 * must stay byte for byte what was recorded.
 *
 * Persisted: a released migration is never edited; a change is a new one.
 */
import pg from 'pg';
import { JournalError } from '../../errors.js';
import { ADVISORY_CLASS, AdvisoryKey } from './advisory.js';

const { escapeIdentifier } = pg;

/** One step of the schema's history. */
export interface Migration {
  /** 1, 2, 3, …: the row in `golive_schema` once it is applied. */
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
        id              text PRIMARY KEY,
        parent_run_id   text REFERENCES runs (id),
        root_run_id     text NOT NULL REFERENCES runs (id),
        mode            text NOT NULL,
        runbook_name    text NOT NULL,
        runbook_version text,
        runbook_path    text NOT NULL,
        runbook_text    text NOT NULL,
        runbook_sha256  text NOT NULL,
        environment     text,
        operator        text NOT NULL,
        host            text NOT NULL,
        pid             integer NOT NULL,
        git_commit      text,
        change_id       text,
        started_at      text NOT NULL,
        heartbeat_at    text NOT NULL,
        ended_at        text,
        outcome         text NOT NULL DEFAULT 'running',
        exit_code       integer,
        -- Insertion order, the tie-break SQLite's rowid gives for runs started in the same millisecond.
        ordinal         bigserial NOT NULL,
        -- The database role that recorded the run: who connected, not who the run says it is.
        recorded_by     text NOT NULL DEFAULT session_user
      );
      CREATE INDEX runs_by_runbook ON runs (runbook_name, environment, started_at);
      CREATE INDEX runs_by_start ON runs (started_at);
      CREATE INDEX runs_by_root ON runs (root_run_id, started_at);
      CREATE INDEX runs_running ON runs (started_at) WHERE outcome = 'running';

      -- seq is assigned as last seq + 1 under the chain's advisory lock, so the chain has no gaps.
      CREATE TABLE events (
        seq         bigint PRIMARY KEY,
        run_id      text NOT NULL REFERENCES runs (id),
        at          text NOT NULL,
        kind        text NOT NULL,
        -- The canonical JSON that was hashed, as text (jsonb would reorder it).
        data        text NOT NULL,
        prev_hash   text NOT NULL,
        hash        text NOT NULL,
        recorded_by text NOT NULL DEFAULT session_user
      );
      CREATE INDEX events_by_run ON events (run_id, seq);

      -- Append-only in the database itself, for every client. A superuser can
      -- drop these triggers; the hash chain still tells.
      CREATE FUNCTION golive_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION USING ERRCODE = 'GL001', MESSAGE = TG_ARGV[0];
      END $$;
      CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        FOR EACH ROW EXECUTE FUNCTION golive_refuse_change('the audit trail is append-only: events cannot be changed');
      CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        FOR EACH ROW EXECUTE FUNCTION golive_refuse_change('the audit trail is append-only: events cannot be deleted');
      CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
        FOR EACH STATEMENT EXECUTE FUNCTION golive_refuse_change('the audit trail is append-only: events cannot be deleted');
      CREATE TRIGGER runs_snapshot_frozen BEFORE UPDATE OF runbook_text, runbook_sha256 ON runs
        FOR EACH ROW WHEN (OLD.runbook_text IS DISTINCT FROM NEW.runbook_text OR OLD.runbook_sha256 IS DISTINCT FROM NEW.runbook_sha256)
        EXECUTE FUNCTION golive_refuse_change('a run''s runbook snapshot cannot be changed');

      -- Derived from step.started / step.finished; the events stay the truth.
      CREATE TABLE attempts (
        run_id      text NOT NULL REFERENCES runs (id),
        phase       text NOT NULL,
        step_id     text NOT NULL,
        attempt     integer NOT NULL,
        status      text,
        exit_code   integer,
        signal      text,
        started_at  text NOT NULL,
        ended_at    text,
        duration_ms bigint,
        expected_ms bigint,
        command     text NOT NULL,
        head        text,
        tail        text,
        log_path    text,
        seq         bigint NOT NULL,
        PRIMARY KEY (run_id, phase, step_id, attempt)
      );

      CREATE TABLE outputs (
        run_id  text NOT NULL REFERENCES runs (id),
        step_id text NOT NULL,
        name    text NOT NULL,
        value   text NOT NULL,
        seq     bigint NOT NULL,
        PRIMARY KEY (run_id, step_id, name)
      );

      CREATE TABLE decisions (
        seq         bigint PRIMARY KEY,
        run_id      text NOT NULL REFERENCES runs (id),
        subject     text NOT NULL,
        subject_id  text,
        choice      text NOT NULL,
        reason      text,
        "by"        text NOT NULL,
        via         text NOT NULL,
        at          text NOT NULL,
        recorded_by text NOT NULL DEFAULT session_user
      );
      CREATE INDEX decisions_by_run ON decisions (run_id, seq);

      -- No foreign key to runs: the lock is taken before the run row exists.
      CREATE TABLE locks (
        runbook      text NOT NULL,
        environment  text NOT NULL DEFAULT '',
        run_id       text NOT NULL,
        pid          integer NOT NULL,
        host         text NOT NULL,
        operator     text NOT NULL,
        since        text NOT NULL,
        heartbeat_at text NOT NULL,
        PRIMARY KEY (runbook, environment)
      );
      CREATE INDEX locks_by_run ON locks (run_id);
    `,
  },
  {
    version: 2,
    description: 'runs keep the facts status shows of their resolved plan',
    sql: `
      -- JSON text (see PlanFacts): derived from runbook_text when the run starts, so reading a run does not
      -- parse its snapshot again. Null for runs recorded before: their snapshot is read instead.
      -- (runs_running, the index SQLite gains with this, is in version 1 here.)
      ALTER TABLE runs ADD COLUMN plan_facts text;
    `,
  },
];

/** The schema version this build of golive reads and writes. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** Every table the migrations create, read from their SQL so a new migration's tables count too. */
export const JOURNAL_TABLES: readonly string[] = MIGRATIONS.flatMap((m) => [...m.sql.matchAll(/CREATE TABLE (\w+)/g)].map((match) => match[1]));

/** The tables of the journal (and the version table) that exist in the connection's schema. */
async function presentTables(client: pg.Client): Promise<Set<string>> {
  const names = [...JOURNAL_TABLES, 'golive_schema'];
  const { rows } = await client.query<{ name: string }>('SELECT name FROM unnest($1::text[]) AS t(name) WHERE to_regclass(quote_ident(name)) IS NOT NULL', [
    names,
  ]);
  return new Set(rows.map((row) => row.name));
}

/**
 * The schema version recorded in the database, or 0 when it holds no journal.
 * @throws JournalError when it holds tables named like the journal's that golive did not make.
 */
export async function schemaVersion(client: pg.Client, location: string): Promise<number> {
  const present = await presentTables(client);
  if (!present.has('golive_schema')) {
    const clashing = JOURNAL_TABLES.filter((table) => present.has(table));
    if (clashing.length > 0) {
      throw new JournalError(
        `${location} is a PostgreSQL database with tables named ${clashing.join(', ')}, but not a golive audit journal`,
        'give golive a database of its own (createdb golive) and name it with --db or GOLIVE_DB',
      );
    }
    return 0;
  }
  const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM golive_schema');
  const version = rows[0]?.version ?? 0;
  if (version > SCHEMA_VERSION) {
    throw new JournalError(
      `the audit journal ${location} has schema version ${version}, newer than this golive understands (${SCHEMA_VERSION})`,
      'upgrade golive, or use --db or GOLIVE_DB to pick another journal',
    );
  }
  const missing = JOURNAL_TABLES.filter((table) => !present.has(table));
  if (version === SCHEMA_VERSION && missing.length > 0) {
    throw new JournalError(
      `the audit journal ${location} is damaged: its table${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing`,
      'restore the database from a backup, or start a new journal with --db',
    );
  }
  return version;
}

/**
 * The journal's tables belong to whoever owns the database (a team role:
 * `createdb -O deployers golive`), not to the member who happened to use it
 * first, so every member can use them. Only for this transaction; the
 * rows still record each person's own `session_user`.
 */
async function actAsDatabaseOwner(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ owner: string; member: boolean }>(
    `SELECT pg_get_userbyid(datdba) AS owner, pg_has_role(current_user, datdba, 'MEMBER') AS member
     FROM pg_database WHERE datname = current_database()`,
  );
  const { owner, member } = rows[0] ?? { owner: '', member: false };
  if (member && owner !== '') await client.query(`SET LOCAL ROLE ${escapeIdentifier(owner)}`);
}

/**
 * Bring the schema up to `SCHEMA_VERSION`. Returns the versions before and
 * after. On an up-to-date database it only reads.
 */
export async function migrate(client: pg.Client, location: string): Promise<{ from: number; to: number }> {
  const before = await schemaVersion(client, location);
  if (before === SCHEMA_VERSION) return { from: before, to: before };
  // A session-level lock taken before BEGIN: a transaction that waited for the
  // lock inside itself would still see the catalog as it was when it began,
  // and miss the tables the other machine has just created.
  await client.query('SELECT pg_advisory_lock($1, $2)', [ADVISORY_CLASS, AdvisoryKey.Migrations]);
  try {
    await client.query('BEGIN');
    try {
      // Re-read under the lock: another machine may have migrated meanwhile.
      const from = await schemaVersion(client, location);
      await actAsDatabaseOwner(client);
      if (from === 0) {
        await client.query(`CREATE TABLE golive_schema (
          version     integer PRIMARY KEY,
          description text NOT NULL,
          applied_at  timestamptz NOT NULL DEFAULT now(),
          applied_by  text NOT NULL DEFAULT session_user)`);
      }
      for (const migration of MIGRATIONS) {
        if (migration.version <= from) continue;
        await client.query(migration.sql);
        await client.query('INSERT INTO golive_schema (version, description) VALUES ($1, $2)', [migration.version, migration.description]);
      }
      await client.query('COMMIT');
      return { from, to: SCHEMA_VERSION };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } finally {
    // The server also drops it if the connection dies first.
    await client.query('SELECT pg_advisory_unlock($1, $2)', [ADVISORY_CLASS, AdvisoryKey.Migrations]).catch(() => undefined);
  }
}

/**
 * A read-only open never creates a journal (a mistyped URL leaves nothing
 * behind): false for a database golive never wrote to. An older golive's
 * schema is brought up to date once, as the SQLite file's is, so this
 * golive can read it.
 */
export async function completeSchemaToRead(client: pg.Client, location: string): Promise<boolean> {
  const version = await schemaVersion(client, location);
  if (version === 0) return false;
  if (version === SCHEMA_VERSION) return true;
  await client.query('SET default_transaction_read_only = off');
  await migrate(client, location);
  await client.query('SET default_transaction_read_only = on');
  return true;
}
