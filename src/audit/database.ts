/**
 * Opening the journal file: who may read it, the pragmas that
 * make it safe to write from one process while others read, and turning every
 * way that can fail into a `JournalError` the operator can act on.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { GoliveError, JournalError } from '../errors.js';
import { migrate, schemaVersion, assertNotNewer, SCHEMA_VERSION } from './migrations.js';

/** An open journal connection (better-sqlite3: every call is synchronous). */
export type Database = BetterSqlite3.Database;

/** How long a writer waits for another process's write transaction before giving up. */
export const BUSY_TIMEOUT_MS = 5000;

/** Options for `openDatabase`. */
export interface OpenOptions {
  /** Open for reading only: never creates, never migrates (status, history, verify). */
  readonly?: boolean;
  /** Override `BUSY_TIMEOUT_MS` (tests use a short one). */
  busyTimeoutMs?: number;
}

const OTHER_FILE_HINT = 'use --db or GOLIVE_DB to pick another file';

/**
 * Open (creating if needed) the journal at `path` and bring its schema up to
 * date. The directory is created 0700 and the file 0600 because the journal
 * holds full runbook texts, commands and output tails.
 *
 * @throws JournalError for every expected failure, naming the path and a fix.
 */
export function openDatabase(path: string, options: OpenOptions = {}): Database {
  const busyTimeoutMs = options.busyTimeoutMs ?? BUSY_TIMEOUT_MS;
  if (options.readonly) return openReadonly(path, busyTimeoutMs);

  prepareFile(path);
  let db: Database | undefined;
  try {
    db = new BetterSqlite3(path, { timeout: busyTimeoutMs });
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    // WAL: `golive status` in another terminal reads while a run writes.
    // NORMAL: a commit survives a crash of golive (not a power cut) at ~35k/s instead of ~5k/s.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db);
    matchSidecarModes(path);
    return db;
  } catch (error) {
    db?.close();
    throw journalErrorFrom(error, path, 'open');
  }
}

function openReadonly(path: string, busyTimeoutMs: number): Database {
  if (!existsSync(path)) {
    throw new JournalError(`there is no audit journal at ${path}`, `run golive from the directory you deployed from, or ${OTHER_FILE_HINT}`);
  }
  let db: Database | undefined;
  try {
    db = new BetterSqlite3(path, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    const version = schemaVersion(db);
    assertNotNewer(db, version);
    if (version < SCHEMA_VERSION) {
      throw new JournalError(
        `the audit journal ${path} has schema version ${version}; this golive needs ${SCHEMA_VERSION}`,
        'run a golive command that writes to it (run, rehearse) once to upgrade it',
      );
    }
    return db;
  } catch (error) {
    db?.close();
    throw journalErrorFrom(error, path, 'open');
  }
}

/** Create the directory (0700) and an empty file (0600) so SQLite never picks the mode. */
function prepareFile(path: string): void {
  const dir = dirname(path);
  try {
    // Only directories created here get 0700: an existing one (maybe the
    // user's working directory) keeps its mode.
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new JournalError(
      `cannot create the directory ${dir} for the audit journal ${path}: ${describeFsError(error)}`,
      OTHER_FILE_HINT,
      error,
    );
  }
  if (existsSync(path)) return;
  try {
    closeSync(openSync(path, 'a', 0o600));
  } catch (error) {
    throw new JournalError(`cannot create the audit journal ${path}: ${describeFsError(error)}`, OTHER_FILE_HINT, error);
  }
}

/**
 * Give `-wal` and `-shm` the database file's own mode. SQLite usually does
 * this itself; doing it explicitly keeps a 0600 journal from leaking through
 * a sidecar created under a looser umask, without locking out the group of a
 * journal someone deliberately shares.
 */
function matchSidecarModes(path: string): void {
  let mode: number;
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    return;
  }
  for (const sidecar of [`${path}-wal`, `${path}-shm`]) {
    try {
      if ((statSync(sidecar).mode & 0o777) !== mode) chmodSync(sidecar, mode);
    } catch {
      // Absent, or owned by another user: nothing this process may change.
    }
  }
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a directory';
    case 'ENOSPC':
      return 'no space left on the device';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Turn a failure while using the journal into a `JournalError` that names the
 * file and says what to do. `GoliveError`s pass through unchanged; anything
 * that is not an SQLite or file-system error is a bug and is rethrown as is.
 */
export function journalErrorFrom(error: unknown, path: string, action: string): unknown {
  if (error instanceof GoliveError) return error;
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string') return error;
  const detail = error instanceof Error ? error.message : String(error);
  const where = `the audit journal ${path}`;

  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED') {
    return new JournalError(
      `cannot ${action} ${where}: it stayed locked by another process for longer than the busy timeout`,
      `another golive is probably writing to it; retry in a moment, or ${OTHER_FILE_HINT}`,
      error,
    );
  }
  if (code === 'SQLITE_NOTADB') {
    return new JournalError(`${path} is not a golive audit journal (not an SQLite database)`, OTHER_FILE_HINT, error);
  }
  if (code === 'SQLITE_CORRUPT' || code.startsWith('SQLITE_CORRUPT_')) {
    return new JournalError(
      `${where} is damaged (${detail})`,
      `keep a copy for investigation (sqlite3 ${path} .recover may salvage it), and ${OTHER_FILE_HINT}`,
      error,
    );
  }
  if (code === 'SQLITE_FULL') {
    return new JournalError(`cannot ${action} ${where}: the disk is full`, `free some space, or ${OTHER_FILE_HINT}`, error);
  }
  if (
    code.startsWith('SQLITE_READONLY') ||
    code.startsWith('SQLITE_CANTOPEN') ||
    code.startsWith('SQLITE_IOERR') ||
    code === 'SQLITE_PERM' ||
    code === 'SQLITE_AUTH'
  ) {
    return new JournalError(
      `cannot ${action} ${where}: ${detail}`,
      `check that ${dirname(path)} and the file are writable by you (WAL needs the directory too), or ${OTHER_FILE_HINT}`,
      error,
    );
  }
  // Constraint violations, misuse and bad bindings are bugs in golive, not
  // conditions of the file: let them surface as internal errors.
  if (code.startsWith('SQLITE_CONSTRAINT') || code === 'SQLITE_MISUSE' || code === 'SQLITE_RANGE') return error;
  if (code.startsWith('SQLITE_')) {
    return new JournalError(`cannot ${action} ${where}: ${detail}`, OTHER_FILE_HINT, error);
  }
  if (/^E[A-Z]+$/.test(code)) {
    return new JournalError(`cannot ${action} ${where}: ${describeFsError(error)}`, OTHER_FILE_HINT, error);
  }
  return error;
}
