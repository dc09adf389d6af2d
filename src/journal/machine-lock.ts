/**
 * One deployment at a time per machine: the lock that keeps two runs of the
 * same runbook name and environment apart even when they write to different
 * journals (two checkouts, two working directories, a `--db` elsewhere).
 *
 * Node has no flock(2), and a `flock` child process would outlive a golive
 * killed with `kill -9`. SQLite's own file locks are POSIX record locks,
 * which the kernel drops the moment their process dies, and are never
 * inherited by the step processes golive starts. So the lock is an (empty)
 * SQLite file per deployment on which the holder keeps a `BEGIN IMMEDIATE`
 * transaction open for the whole run; a second `BEGIN IMMEDIATE` is refused
 * at once. A pending transaction's rows are invisible to others, so the
 * holder's details go to a second file beside it, which a refused run reads
 * to name the holder.
 *
 * The directory is shared by every user of the machine (mode 1777, like
 * /tmp); it keeps cooperating operators apart and is no security boundary.
 */
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, fchmodSync, ftruncateSync, mkdirSync, openSync, readFileSync, type Stats, statSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { ExitCode, GoliveError, LockHeldError } from '../errors.js';
import { shellWord } from './journal-path.js';
import { isProcessAlive } from './liveness.js';
import { sqliteDriverMissing } from './sqlite/database.js';

/** The lock directory when `GOLIVE_LOCK_DIR` is not set: /tmp exists on every Linux and macOS, and is the same for every user (unlike $TMPDIR on macOS). */
export const DEFAULT_LOCK_DIR = '/tmp/golive-locks';

/** The run holding a deployment lock, as a refused run is told. */
export interface MachineLockHolder {
  runId: string;
  pid: number;
  operator: string;
  host: string;
  /** The journal the holder writes to. */
  journal: string;
  runbook: string;
  environment: string | null;
  /** When it took the lock (ISO 8601). */
  since: string;
}

/** A held deployment lock; `release` is idempotent. */
export interface MachineLock {
  /** The lock file. */
  readonly path: string;
  release(): void;
}

/** How long a refused run waits for the holder's details to appear (they are written just after the lock is taken). */
const HOLDER_WAIT_MS = 500;

/** The lock directory: `GOLIVE_LOCK_DIR` (relative to `cwd`), else `DEFAULT_LOCK_DIR`. */
export function lockDirFor(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return env.GOLIVE_LOCK_DIR ? resolve(cwd, env.GOLIVE_LOCK_DIR) : DEFAULT_LOCK_DIR;
}

/** The lock file's base name for a deployment: a hash, so any runbook name or environment makes a safe file name. */
export function lockKeyOf(runbook: string, environment: string | null): string {
  return createHash('sha256')
    .update(JSON.stringify([runbook, environment]))
    .digest('hex')
    .slice(0, 32);
}

/**
 * Take the machine-wide lock of `holder.runbook` in `holder.environment`.
 *
 * @throws LockHeldError (exit 5) naming the holder when another live run has it.
 * @throws GoliveError (exit 5) when the lock directory cannot be used: without
 *   the lock golive cannot know it is alone, so nothing may run.
 */
export function acquireMachineLock(holder: Omit<MachineLockHolder, 'since'>, dir = lockDirFor()): MachineLock {
  prepareLockDir(dir);
  const base = join(dir, lockKeyOf(holder.runbook, holder.environment));
  const path = `${base}.lock`;
  const holderPath = `${base}.holder.json`;
  const db = openLockFile(path, dir);
  try {
    db.exec('BEGIN IMMEDIATE');
  } catch (error) {
    db.close();
    if (sqliteCode(error).startsWith('SQLITE_BUSY')) throw heldError(holder, readHolder(holderPath));
    throw unusable(dir, `cannot lock ${path}: ${describe(error)}`, error);
  }
  try {
    writeHolder(holderPath, { ...holder, since: new Date().toISOString() });
  } catch (error) {
    db.close();
    throw unusable(dir, `cannot write ${holderPath}: ${describe(error)}`, error);
  }
  let held = true;
  return {
    path,
    release() {
      if (!held) return;
      held = false;
      // Cleared while still holding the lock: once released, the file belongs to the next holder.
      try {
        writeHolder(holderPath, null);
      } catch {
        /* stale details are replaced by the next holder */
      }
      db.close(); // closing ends the transaction and drops the lock
    },
  };
}

/** Create the directory (1777: every operator of the machine shares it), or check the existing one, whose mode is its owner's choice. */
function prepareLockDir(dir: string): void {
  let stat: Stats | undefined;
  try {
    stat = statSync(dir, { throwIfNoEntry: false });
    if (stat === undefined) {
      mkdirSync(dir, { recursive: true });
      // mkdir's mode is cut by the umask. Another golive may have created it a moment earlier: then it is theirs to set.
      try {
        chmodSync(dir, 0o1777);
      } catch {
        /* see above */
      }
      return;
    }
  } catch (error) {
    throw unusable(dir, `cannot use the lock directory ${dir}: ${describe(error)}`, error);
  }
  if (!stat.isDirectory()) throw unusable(dir, `the lock directory ${dir} is not a directory`);
}

/**
 * Open the lock file, creating it (0666, so another operator can lock it
 * too) when missing. An existing file is opened without O_CREAT: Linux's
 * protected_regular refuses O_CREAT on another user's file in a sticky directory.
 */
function openLockFile(path: string, dir: string): BetterSqlite3.Database {
  try {
    createShared(path);
    const db = new BetterSqlite3(path, { fileMustExist: true, timeout: 0 });
    db.pragma('busy_timeout = 0');
    // The journal of a transaction that never writes stays in memory: no -journal file to clean up after a kill.
    db.pragma('journal_mode = MEMORY');
    return db;
  } catch (error) {
    throw sqliteDriverMissing(error) ?? unusable(dir, `cannot open the lock file ${path}: ${describe(error)}`, error);
  }
}

/** Create `path` as an empty file every user may write, unless it exists. */
function createShared(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o666);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw error;
  }
  try {
    fchmodSync(fd, 0o666);
  } finally {
    closeSync(fd);
  } // the umask must not lock other operators out
}

/** Replace the holder file's content (null: empty it), in place, so it stays writable by the next holder whoever created it. */
function writeHolder(path: string, holder: MachineLockHolder | null): void {
  let fd: number;
  try {
    fd = openSync(path, 'r+');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    createShared(path);
    fd = openSync(path, 'r+');
  }
  try {
    ftruncateSync(fd, 0);
    if (holder !== null) writeSync(fd, `${JSON.stringify(holder)}\n`, 0);
  } finally {
    closeSync(fd);
  }
}

/**
 * The holder's details. They are written just after the lock is taken, and
 * a killed holder leaves its own behind: wait briefly for details whose
 * process is alive, then take what there is.
 */
function readHolder(path: string): MachineLockHolder | null {
  const deadline = Date.now() + HOLDER_WAIT_MS;
  let last: MachineLockHolder | null = null;
  for (;;) {
    last = parseHolder(path);
    if (last !== null && isProcessAlive(last.pid)) return last;
    if (Date.now() >= deadline) return last;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
}

function parseHolder(path: string): MachineLockHolder | null {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as MachineLockHolder;
    return typeof parsed.runId === 'string' && typeof parsed.pid === 'number' ? parsed : null;
  } catch {
    return null;
  }
}

function heldError(wanted: Omit<MachineLockHolder, 'since'>, holder: MachineLockHolder | null): LockHeldError {
  const what = wanted.environment === null ? `runbook ${wanted.runbook}` : `runbook ${wanted.runbook} in ${wanted.environment}`;
  if (holder === null) {
    return new LockHeldError(
      `${what} is locked on this machine by another golive whose details cannot be read`,
      'wait for it to finish; `golive status` in its project shows it',
    );
  }
  const journalFlag = holder.journal ? ` --db ${shellWord(holder.journal)}` : '';
  return new LockHeldError(
    `${what} is locked by run ${holder.runId} on this machine (pid ${holder.pid} on ${holder.host}, operator ${holder.operator}, since ${holder.since}, journal ${holder.journal})`,
    `wait for it to finish, or check \`golive status ${holder.runId}${journalFlag}\``,
  );
}

function unusable(dir: string, message: string, cause?: unknown): GoliveError {
  return new GoliveError(`${message}; without the deployment lock nothing was executed`, {
    exitCode: ExitCode.Locked,
    hint: `make ${dir} a directory every operator can write to, or point GOLIVE_LOCK_DIR at one`,
    cause,
  });
}

function sqliteCode(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : '';
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOTDIR') return 'a part of the path is a file, not a directory';
  if (code === 'EROFS') return 'the file system is read-only';
  return error instanceof Error ? error.message : String(error);
}
