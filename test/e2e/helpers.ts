/**
 * Shared helpers for end-to-end tests: start the built `golive` binary as a
 * real process, and make scratch directories.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (where package.json and bin/golive.js live). */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The launcher the tests start; it needs `npm run build` first. */
export const goliveBin = join(repoRoot, 'bin', 'golive.js');

export interface GoliveResult {
  /** The exit code; null only if the process was killed by a signal. */
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Working directory of the process (default: the repository root). */
  cwd?: string;
  /** Extra environment variables, on top of this process's environment. */
  env?: Record<string, string | undefined>;
  /** Written to stdin, which is then closed (stdin is always closed, never a terminal). */
  input?: string;
  /** Kill the process after this many milliseconds (default 15 s) so a hang fails the test instead of stalling it. */
  timeoutMs?: number;
}

const lockDirs = new Map<string, string>();

/**
 * The directory for golive's machine-wide deployment locks (GOLIVE_LOCK_DIR)
 * of processes this test file starts in `cwd`. Test files run in parallel,
 * and tests inside a file concurrently, many of them with runbooks of the
 * same name in their own temp dirs: sharing the machine's directory they
 * would lock each other out. One directory per test file and working
 * directory keeps exactly the collisions the tests had when the journal sat
 * in the working directory. Tests of the lock itself set a shared
 * GOLIVE_LOCK_DIR in `env` on purpose. (Each test file loads its own copy
 * of this module.)
 */
export function testLockDir(cwd: string = repoRoot): string {
  let dir = lockDirs.get(cwd);
  if (dir === undefined) {
    dir = tempDir('golive-e2e-locks-');
    lockDirs.set(cwd, dir);
  }
  return dir;
}

/** The environment golive is started with in `cwd`: this process's, colours off, the lock directory of `testLockDir`, then `extra`. */
export function goliveEnv(extra: Record<string, string | undefined> = {}, cwd: string = repoRoot): Record<string, string> {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, GOLIVE_LOCK_DIR: testLockDir(cwd), ...extra };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  return env as Record<string, string>;
}

/** Run `node bin/golive.js …args` and collect its exit code and output. Colours are off unless `env` turns them on. */
export function runGolive(args: string[], options: RunOptions = {}): Promise<GoliveResult> {
  const env = goliveEnv(options.env, options.cwd);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [goliveBin, ...args], {
      cwd: options.cwd ?? repoRoot,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 15_000,
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    // golive may exit (a bad flag, an unreadable runbook) before reading its input: that is its answer, not a harness error.
    child.stdin.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') reject(error);
    });
    child.stdin.end(options.input ?? '');
  });
}

const created: string[] = [];

/** A fresh empty directory under the system temp dir; `removeTempDirs` deletes all of them. */
export function tempDir(prefix = 'golive-e2e-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Delete every directory `tempDir` made (call it from `afterAll`). */
export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
  lockDirs.clear();
}

/** A golive result in full, as the message of a failed expectation. */
export const both = (r: GoliveResult): string => `--- exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

/** A TCP port on 127.0.0.1 that was free a moment ago (a test server binds it next). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}
