import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { JournalError } from '../../src/errors.ts';
import { openDatabase } from '../../src/journal/sqlite/database.ts';
import { SqliteJournal } from '../../src/journal/sqlite/journal.ts';
import { SCHEMA_VERSION } from '../../src/journal/sqlite/migrations.ts';
import { event, newRun, tempDbPath, tempDir } from './helpers.ts';

function columns(db: BetterSqlite3.Database, table: string): string[] {
  return (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('openDatabase', () => {
  it('creates the directory 0700 and the file, -wal and -shm 0600', async () => {
    const path = tempDbPath();
    const db = openDatabase(path);
    try {
      expect(statSync(join(path, '..')).mode & 0o777).toBe(0o700);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(statSync(`${path}-wal`).mode & 0o777).toBe(0o600);
      expect(statSync(`${path}-shm`).mode & 0o777).toBe(0o600);
    } finally {
      db.close();
    }
  });

  it('sets the pragmas', async () => {
    const db = openDatabase(tempDbPath());
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    } finally {
      db.close();
    }
  });

  it('creates the schema and records its version', async () => {
    const db = openDatabase(tempDbPath());
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
      expect(tables).toEqual(['attempts', 'decisions', 'events', 'locks', 'outputs', 'runs']);
      expect(columns(db, 'runs')).toEqual([
        'id',
        'parent_run_id',
        'root_run_id',
        'mode',
        'runbook_name',
        'runbook_version',
        'runbook_path',
        'runbook_text',
        'runbook_sha256',
        'environment',
        'operator',
        'host',
        'pid',
        'git_commit',
        'change_id',
        'started_at',
        'heartbeat_at',
        'ended_at',
        'outcome',
        'exit_code',
        'identity',
        'plan_facts',
      ]);
      expect(columns(db, 'events')).toEqual(['seq', 'run_id', 'at', 'kind', 'data', 'prev_hash', 'hash']);
      expect(columns(db, 'locks')).toEqual(['runbook', 'environment', 'run_id', 'pid', 'host', 'operator', 'since', 'heartbeat_at']);
      const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all();
      expect(indexes).toEqual(['decisions_by_run', 'events_by_run', 'locks_by_run', 'runs_by_root', 'runs_by_runbook', 'runs_by_start', 'runs_running']);
    } finally {
      db.close();
    }
  });

  it('is idempotent on reopen and keeps the data', async () => {
    const path = tempDbPath();
    const first = SqliteJournal.open(path);
    await first.createRun(newRun());
    await first.appendEvent('RUN-A', event({ kind: 'warning', message: 'kept' }));
    await first.close();

    const second = SqliteJournal.open(path);
    try {
      expect(second.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect((await second.getRun('RUN-A'))?.operator).toBe('ana');
      expect((await second.eventsOf(['RUN-A'])).map((e) => e.event)).toMatchObject([{ kind: 'warning', message: 'kept' }]);
    } finally {
      await second.close();
    }
  });

  it('opens read-only without creating anything, and refuses to write', async () => {
    const path = tempDbPath();
    expect(() => openDatabase(path, { readonly: true })).toThrow(JournalError);
    expect(existsSync(path)).toBe(false);

    await SqliteJournal.open(path).close();
    const reader = SqliteJournal.open(path, { readonly: true });
    try {
      expect(await reader.listRuns()).toEqual([]);
      const error = await reader.createRun(newRun()).then(
        () => new Error('expected an error'),
        (rejection: unknown) => rejection,
      );
      expect(error).toBeInstanceOf(JournalError);
      expect((error as JournalError).message).toContain(path);
    } finally {
      await reader.close();
    }
  });

  it('refuses a journal written by a newer golive', async () => {
    const path = tempDbPath();
    openDatabase(path).close();
    const raw = new BetterSqlite3(path);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    const error = catchError(() => openDatabase(path));
    expect(error).toBeInstanceOf(JournalError);
    expect((error as JournalError).message).toMatch(/newer than this golive/);
  });

  it('keeps events append-only for ordinary connections', async () => {
    const store = SqliteJournal.open(tempDbPath());
    try {
      await store.createRun(newRun());
      await store.appendEvent('RUN-A', event({ kind: 'warning', message: 'x' }));
      expect(() => store.db.prepare("UPDATE events SET data = '{}'").run()).toThrow(/append-only/);
      expect(() => store.db.prepare('DELETE FROM events').run()).toThrow(/append-only/);
      expect(() => store.db.prepare("UPDATE runs SET runbook_text = 'x'").run()).toThrow(/snapshot cannot be changed/);
    } finally {
      await store.close();
    }
  });
});

describe('openDatabase failures are JournalErrors', () => {
  it('for a path under a regular file', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'plain-file'), 'x');
    const path = join(dir, 'plain-file', 'sub', 'golive.db');
    const error = catchError(() => openDatabase(path));
    expect(error).toBeInstanceOf(JournalError);
    expect((error as JournalError).exitCode).toBe(6);
    expect((error as JournalError).message).toContain(path);
    expect((error as JournalError).message).toContain('not a directory');
    expect((error as JournalError).hint).toContain('--db or GOLIVE_DB');
  });

  // Root ignores directory permissions, so this case cannot be produced as root.
  it.skipIf(process.getuid?.() === 0)('for a read-only directory', () => {
    const dir = join(tempDir(), 'locked');
    mkdirSync(dir, { mode: 0o500 });
    const path = join(dir, 'golive.db');
    try {
      const error = catchError(() => openDatabase(path));
      expect(error).toBeInstanceOf(JournalError);
      expect((error as JournalError).message).toContain(path);
      expect((error as JournalError).message).toContain('permission denied');
    } finally {
      chmodSync(dir, 0o700);
    }
  });

  it('for a file that is not a database', async () => {
    const path = join(tempDir(), 'golive.db');
    writeFileSync(path, Buffer.from('this is not SQLite, just some garbage bytes \x00\x01\x02'.repeat(100)));
    const error = catchError(() => openDatabase(path));
    expect(error).toBeInstanceOf(JournalError);
    expect((error as JournalError).message).toBe(`${path} is not a golive audit journal (not an SQLite database)`);
    expect((error as JournalError).hint).toContain('--db or GOLIVE_DB');
  });

  it('for a file locked by another connection beyond the busy timeout', async () => {
    const path = join(tempDir(), 'golive.db');
    // A database in the default rollback-journal mode, held exclusively:
    // switching it to WAL needs the lock.
    const holder = new BetterSqlite3(path);
    holder.exec('CREATE TABLE t (x); BEGIN EXCLUSIVE; INSERT INTO t VALUES (1);');
    try {
      const started = Date.now();
      const error = catchError(() => openDatabase(path, { busyTimeoutMs: 200 }));
      expect(Date.now() - started).toBeGreaterThanOrEqual(150);
      expect(error).toBeInstanceOf(JournalError);
      expect((error as JournalError).message).toMatch(/locked by another process/);
      expect((error as JournalError).message).toContain(path);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  });
});
