/**
 * Opening the journal file: who may read it, the pragmas that
 * make it safe to write from one process while others read, and turning every
 * way that can fail into a `JournalError` the operator can act on.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, type Stats, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { GoliveError, JournalDamagedError, JournalError } from '../../errors.js';
import { assertNotForeign, assertNotNewer, assertSchemaIntact, migrate, SCHEMA_VERSION, schemaVersion } from './migrations.js';

/** An open journal connection (better-sqlite3: every call is synchronous). */
export type Database = BetterSqlite3.Database;

/** How long a writer waits for another process's write transaction before giving up. */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * WAL checkpoint policy. SQLite's default checkpoints every 1,000 pages
 * (about 330 events), and each checkpoint fsyncs the WAL and the database:
 * 2% of appends paid 75% of the journal's time. A checkpoint every 8,000
 * pages (32 MiB at 4 KiB pages) makes them rare; `journal_size_limit` cuts
 * the WAL file back to 8 MiB after each checkpoint, so a long run's WAL stays
 * bounded, and closing the journal (the run's end, when no reader holds it)
 * checkpoints what is left and removes the WAL. Durability is unchanged: a
 * commit is in the WAL, so on disk for a crash of golive, whether or not it
 * was checkpointed yet.
 */
export const WAL_AUTOCHECKPOINT_PAGES = 8000;
/** The size (bytes) the WAL file is cut back to after a checkpoint. */
export const WAL_SIZE_LIMIT_BYTES = 8 * 1024 * 1024;

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
 * A file left empty or schema-less by a golive killed while creating it is
 * completed here, by read-only commands too (see `openReadonly`): it holds
 * nothing, so finishing the creation loses nothing.
 *
 * @throws JournalError (exit 6) for every expected failure, naming the path and a fix.
 */
export function openDatabase(path: string, options: OpenOptions = {}): Database {
  const busyTimeoutMs = options.busyTimeoutMs ?? BUSY_TIMEOUT_MS;
  const exists = assertUsablePath(path);
  if (options.readonly) return openReadonly(path, exists, busyTimeoutMs);

  if (!exists) prepareFile(path);
  let db: Database | undefined;
  try {
    db = new BetterSqlite3(path, { timeout: busyTimeoutMs });
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    // Before any pragma writes to it: someone else's database is left exactly as it was.
    assertNotForeign(db, schemaVersion(db));
    // WAL: `golive status` in another terminal reads while a run writes.
    // NORMAL: a commit survives a crash of golive (not a power cut) at ~35k/s instead of ~5k/s.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    db.pragma('foreign_keys = ON');
    migrate(db);
    assertSchemaIntact(db);
    matchSidecarModes(path);
    return db;
  } catch (error) {
    db?.close();
    throw journalErrorFrom(error, path, 'open');
  }
}

/**
 * Open read-only: never creates a journal (a mistyped `--db` leaves no stray
 * file) and never changes a finished one. An existing file whose schema is
 * not complete (a first creation that was killed, or an older golive's
 * schema) is first brought up to date through a read-write open, once.
 */
function openReadonly(path: string, exists: boolean, busyTimeoutMs: number): Database {
  if (!exists) {
    throw new JournalError(`there is no audit journal at ${path}`, `run golive from the directory you deployed from, or ${OTHER_FILE_HINT}`);
  }
  for (let pass = 1; ; pass++) {
    let db: Database | undefined;
    try {
      if (statSync(path).size === 0) throw new SchemaIncomplete();
      db = new BetterSqlite3(path, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
      db.pragma(`busy_timeout = ${busyTimeoutMs}`);
      const version = schemaVersion(db);
      assertNotNewer(db, version);
      if (version < SCHEMA_VERSION) throw new SchemaIncomplete();
      assertSchemaIntact(db);
      return db;
    } catch (error) {
      db?.close();
      // A read-only connection cannot replay a WAL left without its -shm: the same cure.
      const incomplete = error instanceof SchemaIncomplete || String((error as { code?: unknown })?.code).startsWith('SQLITE_READONLY');
      if (!incomplete || pass > 1) throw journalErrorFrom(error, path, 'open');
    }
    openDatabase(path, { busyTimeoutMs }).close();
  }
}

/** The file exists but its schema is not this golive's yet: complete it read-write, then read. */
class SchemaIncomplete extends Error {}

/**
 * Refuse, without opening (a FIFO would block), a path that cannot be a
 * journal file. Returns whether the file exists.
 */
function assertUsablePath(path: string): boolean {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return false;
    throw new JournalError(`cannot use the audit journal ${path}: ${describeFsError(error)}`, OTHER_FILE_HINT, error);
  }
  if (stats.isFile()) return true;
  if (stats.isDirectory()) {
    throw new JournalError(`${path} is a directory, not an audit journal file`, `name the file itself, e.g. --db ${join(path, 'golive.db')}`);
  }
  const what = stats.isFIFO() ? 'a named pipe (FIFO)' : stats.isSocket() ? 'a socket' : 'a device';
  throw new JournalError(`${path} is ${what}, not an audit journal file`, OTHER_FILE_HINT);
}

/** Create the directory (0700) and an empty file (0600) so SQLite never picks the mode. */
function prepareFile(path: string): void {
  const dir = dirname(path);
  try {
    // Only directories created here get 0700: an existing one (maybe the
    // user's working directory) keeps its mode.
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new JournalError(`cannot create the directory ${dir} for the audit journal ${path}: ${describeFsError(error)}`, OTHER_FILE_HINT, error);
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
  if (isMissingNativeModule(error)) return nativeModuleError(error);
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
    return new JournalDamagedError(path, detail, recoveryHint(path), error);
  }
  if (code === 'SQLITE_FULL') {
    return new JournalError(`cannot ${action} ${where}: the disk holding it is full`, `free some space on it, or ${OTHER_FILE_HINT}`, error);
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
  if (code === 'ENOSPC') {
    return new JournalError(`cannot ${action} ${where}: the disk holding it is full`, `free some space on it, or ${OTHER_FILE_HINT}`, error);
  }
  if (/^E[A-Z]+$/.test(code)) {
    return new JournalError(`cannot ${action} ${where}: ${describeFsError(error)}`, OTHER_FILE_HINT, error);
  }
  return error;
}

/**
 * What SQLite's own page check finds wrong with the file (pages the hash
 * chain never reads, such as indexes, included), or null when it is sound.
 */
export function pageDamage(db: Database): string | null {
  let problems: Array<{ quick_check: string }>;
  try {
    problems = db.pragma('quick_check(5)', { simple: false }) as Array<{ quick_check: string }>;
  } catch (error) {
    const converted = journalErrorFrom(error, db.name, 'check');
    if (converted instanceof JournalDamagedError) return (error as Error).message;
    throw converted;
  }
  // Its first line names the schema ("*** in database main ***"); the page problems follow.
  const found = problems.map((row) => row.quick_check).filter((line) => line !== 'ok' && !line.startsWith('***'));
  if (found.length === 0) return problems.every((row) => row.quick_check === 'ok') ? null : 'damaged pages';
  return found.join('; ');
}

/**
 * How to get a usable journal back from a damaged one. The damaged file is
 * evidence: it is copied aside, never repaired in place.
 */
export function recoveryHint(path: string): string {
  return `keep ${path} as evidence; salvage what is readable with \`sqlite3 ${path} ".recover" | sqlite3 recovered.db\` and use --db recovered.db, or restore the journal from a backup`;
}

/** better-sqlite3's compiled addon is absent or built for another Node (an install with scripts disabled, a Node upgrade). */
function isMissingNativeModule(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  return error.message.startsWith('Could not locate the bindings file') || (code === 'ERR_DLOPEN_FAILED' && /better.sqlite3/i.test(error.message));
}

/** The SQLite driver cannot be loaded at all: the same advice wherever golive first opens an SQLite file. */
export function sqliteDriverMissing(error: unknown): JournalError | undefined {
  return isMissingNativeModule(error) ? nativeModuleError(error) : undefined;
}

function nativeModuleError(error: unknown): JournalError {
  return new JournalError(
    "cannot open the audit journal: the SQLite driver's native module (better-sqlite3) is not built for this Node.js",
    'run `npm rebuild better-sqlite3` where golive is installed: the module is compiled when it is installed, and an install with scripts disabled (--ignore-scripts) or a different Node.js version leaves it missing',
    error,
  );
}
