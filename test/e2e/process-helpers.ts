/**
 * Helpers for end-to-end tests that need more than "run and wait": start the
 * built `golive` without waiting (to signal it, or `kill -9` it, mid-step),
 * follow its output as it comes, probe process liveness, pick free ports,
 * and read the journal behind golive's back.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

import BetterSqlite3 from 'better-sqlite3';
import { verifyChain } from '../../src/journal/sqlite/chain.ts';
import { openDatabase } from '../../src/journal/sqlite/database.ts';
import { goliveBin, goliveEnv, type RunOptions, repoRoot } from './helpers.js';

export { freePort } from './helpers.js';

/** A golive process started by `startGolive`. */
export interface LiveGolive {
  child: ChildProcess;
  pid: number;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves once stdout + stderr match `pattern` (or `predicate`); rejects after `timeoutMs` or if the process exits first. */
  waitForOutput(match: RegExp | ((stdout: string, stderr: string) => boolean), timeoutMs?: number): Promise<void>;
  /** Resolves when the process has exited and its pipes closed. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; elapsedMs: number }>;
}

/** Start `node bin/golive.js …args` and return at once. stdin is closed (never a terminal); colours off. */
export function startGolive(args: string[], options: RunOptions = {}): LiveGolive {
  const env = goliveEnv(options.env, options.cwd);
  const started = Date.now();
  const child = spawn(process.execPath, [goliveBin, ...args], {
    cwd: options.cwd ?? repoRoot,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
    timeout: options.timeoutMs ?? 30_000,
    killSignal: 'SIGKILL',
  });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const notify = () =>
    waiters.forEach((w) => {
      w();
    });
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    notify();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
    notify();
  });
  child.stdin!.end(options.input ?? '');
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; elapsedMs: number }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      done = true;
      notify();
      resolve({ code, signal, stdout: out, stderr: err, elapsedMs: Date.now() - started });
    });
  });
  if (child.pid === undefined) throw new Error('could not start golive');
  return {
    child,
    pid: child.pid,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForOutput(match, timeoutMs = 15_000) {
      const test = typeof match === 'function' ? () => match(out, err) : () => match.test(out + err);
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (test()) finish(undefined);
          else if (done) finish(new Error(`golive exited before its output matched ${String(match)}\n--- stdout\n${out}\n--- stderr\n${err}`));
        };
        const timer = setTimeout(() => finish(new Error(`timed out waiting for ${String(match)}\n--- stdout\n${out}\n--- stderr\n${err}`)), timeoutMs);
        function finish(error: Error | undefined) {
          clearTimeout(timer);
          waiters.delete(check);
          if (error) reject(error);
          else resolve();
        }
        waiters.add(check);
        check();
      });
    },
  };
}

/** Poll `condition` every 25 ms until it holds; reject after `timeoutMs` naming `what`. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Whether `pid` is a live process. A zombie (state Z in /proc/<pid>/stat)
 * counts as gone: it has exited and only waits for its parent to reap it.
 */
export function isAlive(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // "pid (comm) S ...": comm may hold spaces and parentheses; the state follows the last ')'.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

/** The pids listed one per line in `file` (missing file: none). */
export function pidsIn(file: string): number[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}

/** Kill (SIGKILL) every listed pid still alive; for test cleanup, never throws. */
export function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/** Parse `--json` output: one object per non-empty line (throws on a line that is not JSON). */
export function jsonEvents(stdout: string): Array<Record<string, any>> {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      try {
        return JSON.parse(line) as Record<string, any>;
      } catch {
        throw new Error(`line ${i + 1} of --json output is not JSON: ${line}`);
      }
    });
}

/** A run row and its events as stored, read with a raw read-only connection. */
export interface StoredRun {
  id: string;
  mode: string;
  outcome: string;
  exit_code: number | null;
  pid: number;
  parent_run_id: string | null;
  root_run_id: string;
  events: Array<{ seq: number; kind: string; data: Record<string, any> }>;
}

/** Every run in the journal at `dbPath`, oldest first, with its events. */
export function readJournal(dbPath: string): StoredRun[] {
  const db = new BetterSqlite3(dbPath, { readonly: true, fileMustExist: true });
  try {
    const runs = db.prepare('SELECT id, mode, outcome, exit_code, pid, parent_run_id, root_run_id FROM runs ORDER BY started_at, rowid').all() as Omit<
      StoredRun,
      'events'
    >[];
    const events = db.prepare('SELECT seq, kind, data FROM events WHERE run_id = ? ORDER BY seq');
    return runs.map((run) => ({
      ...run,
      events: (events.all(run.id) as Array<{ seq: number; kind: string; data: string }>).map((e) => ({
        ...e,
        data: JSON.parse(e.data) as Record<string, any>,
      })),
    }));
  } finally {
    db.close();
  }
}

/** The id golive printed for the run it started (plain `▶ run <id>:` line or `--json` runId). */
export function runIdFrom(stdout: string): string {
  const json = /"runId":"([0-9A-Z]{26})"/.exec(stdout);
  if (json) return json[1];
  const plain = /▶ (?:run|resume|rollback) ([0-9A-Z]{26}):/.exec(stdout);
  if (!plain) throw new Error(`no run id in:\n${stdout}`);
  return plain[1];
}

/**
 * Output with what changes from run to run replaced: clock times, run ids,
 * durations and the given directories (longest first), so assertions can
 * compare whole lines.
 */
export function cleanOutput(text: string, dirs: string[] = []): string {
  let out = text;
  for (const dir of [...dirs].sort((a, b) => b.length - a.length)) out = out.split(dir).join('<dir>');
  return out
    .replace(/^\d\d:\d\d:\d\d /gm, '')
    .replace(/\b[0-9A-HJKMNP-TV-Z]{26}\b/g, '<run>')
    .replace(/\b\d+(?:\.\d+)?(?:ms|s|m|h)(?:\d+(?:ms|s|m))*\b/g, '<t>');
}

/**
 * Delete the files listed one per line in `list` (the `$GOLIVE_OUTPUT` files
 * of steps whose golive was killed: nothing else removes them). Never throws.
 */
export function removeListedFiles(list: string): void {
  if (!existsSync(list)) return;
  for (const path of readFileSync(list, 'utf8')
    .split('\n')
    .map((l) => l.trim())) {
    if (path !== '') rmSync(path, { force: true });
  }
}

/** Check a journal's hash chain and snapshots the way `golive audit verify` does. */
export function verifyJournal(db: string) {
  const connection = openDatabase(db);
  try {
    return verifyChain(connection);
  } finally {
    connection.close();
  }
}
