import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ExitCode, JournalDamagedError, JournalError } from '../../src/errors.ts';
import { openDatabase, pageDamage } from '../../src/journal/sqlite/database.ts';
import { SqliteJournal } from '../../src/journal/sqlite/journal.ts';
import { SCHEMA_VERSION } from '../../src/journal/sqlite/migrations.ts';
import { event, newRun, tempDir } from './helpers.ts';

function errorOf(fn: () => unknown): JournalError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(JournalError);
    expect((error as JournalError).exitCode).toBe(ExitCode.JournalUnusable);
    return error as JournalError;
  }
  throw new Error('expected a JournalError');
}

/** The JournalError `promise` rejects with (checked as `errorOf` checks it). */
async function rejectionOf(promise: Promise<unknown>): Promise<JournalError> {
  return promise.then(
    () => {
      throw new Error('expected a JournalError');
    },
    (error: unknown) =>
      errorOf(() => {
        throw error;
      }),
  );
}

/** A journal with one run and a few events, checkpointed so everything is in the main file. */
async function seededJournal(): Promise<string> {
  const path = join(tempDir(), 'golive.db');
  const store = SqliteJournal.open(path);
  await store.createRun(newRun());
  for (let i = 0; i < 40; i++) await store.appendEvent('RUN-A', event({ kind: 'warning', message: `event ${i} ${'x'.repeat(200)}` }));
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  await store.close();
  return path;
}

describe('paths that cannot be a journal are refused before SQLite opens them', () => {
  it('a directory says so and suggests a file inside it', async () => {
    const dir = tempDir();
    for (const readonly of [false, true]) {
      const error = errorOf(() => openDatabase(dir, { readonly }));
      expect(error.message).toBe(`${dir} is a directory, not an audit journal file`);
      expect(error.hint).toContain(`--db ${join(dir, 'golive.db')}`);
    }
  });

  it('a FIFO is refused without blocking (opening one would wait for a writer)', async () => {
    const fifo = join(tempDir(), 'pipe.db');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    for (const readonly of [false, true])
      expect(errorOf(() => openDatabase(fifo, { readonly })).message).toBe(`${fifo} is a named pipe (FIFO), not an audit journal file`);
  });

  it('a device is refused', async () => {
    expect(errorOf(() => openDatabase('/dev/null', { readonly: true })).message).toBe('/dev/null is a device, not an audit journal file');
  });
});

describe('files that are not journals, or no longer are', () => {
  it("someone else's SQLite database is refused and left exactly as it was", async () => {
    const path = join(tempDir(), 'app.sqlite');
    const other = new BetterSqlite3(path);
    other.exec("CREATE TABLE customers (name TEXT); INSERT INTO customers VALUES ('ana')");
    other.close();
    const before = readFileSync(path);
    for (const readonly of [false, true])
      expect(errorOf(() => openDatabase(path, { readonly })).message).toBe(`${path} is an SQLite database, but not a golive audit journal`);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('a journal whose events table was dropped is damaged, for writers and readers', async () => {
    const path = await seededJournal();
    const db = new BetterSqlite3(path);
    db.exec('DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete; DROP TABLE events');
    db.close();
    for (const readonly of [false, true]) {
      const error = errorOf(() => SqliteJournal.open(path, { readonly }));
      expect(error).toBeInstanceOf(JournalDamagedError);
      expect(error.message).toBe(`the audit journal ${path} is damaged: its table events is missing`);
    }
  });

  it('an event whose stored text is not JSON is damage, not a crash', async () => {
    const path = await seededJournal();
    const db = new BetterSqlite3(path);
    db.exec('DROP TRIGGER events_no_update');
    db.prepare("UPDATE events SET data = '{not json' WHERE seq = 3").run();
    db.close();
    const store = SqliteJournal.open(path, { readonly: true });
    try {
      const error = await rejectionOf(store.eventsOf(['RUN-A']));
      expect(error).toBeInstanceOf(JournalDamagedError);
      expect(error.message).toContain('event 3 is not valid JSON');
      expect(error.hint).toContain('.recover');
    } finally {
      await store.close();
    }
  });

  it('overwritten pages are found by the page check even where no query reads', async () => {
    const path = await seededJournal();
    const pages = statSync(path).size / 4096;
    const bytes = readFileSync(path);
    bytes.fill(0x5a, 4096 * (pages - 2), 4096 * (pages - 1));
    writeFileSync(path, bytes);
    const db = new BetterSqlite3(path, { readonly: true });
    try {
      expect(pageDamage(db)).not.toBeNull();
    } finally {
      db.close();
    }
    const intact = new BetterSqlite3(await seededJournal(), { readonly: true });
    expect(pageDamage(intact)).toBeNull();
    intact.close();
  });
});

describe('a journal half-created by a golive that was killed', () => {
  it('an empty file is completed by a read-only open, which then reads it', async () => {
    const path = join(tempDir(), 'golive.db');
    writeFileSync(path, '', { mode: 0o600 });
    const store = SqliteJournal.open(path, { readonly: true });
    try {
      expect(await store.listRuns()).toEqual([]);
      expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    } finally {
      await store.close();
    }
  });

  it('a file killed in the middle of its first migration is completed', async () => {
    const dir = tempDir();
    const path = join(dir, 'golive.db');
    mkdirSync(dir, { recursive: true });
    // A real process, killed with SIGKILL inside the migration transaction.
    const script = `const B = require(${JSON.stringify(require.resolve('better-sqlite3'))});
      const db = new B(${JSON.stringify(path)}); db.pragma('journal_mode = WAL');
      db.exec('BEGIN IMMEDIATE; CREATE TABLE runs (id TEXT);'); process.kill(process.pid, 'SIGKILL');`;
    expect(spawnSync(process.execPath, ['-e', script]).signal).toBe('SIGKILL');
    const store = SqliteJournal.open(path, { readonly: true });
    try {
      expect(await store.verifyChain()).toEqual({ ok: true, checked: 0 });
    } finally {
      await store.close();
    }
  });
});
