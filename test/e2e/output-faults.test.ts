/**
 * Output and disk faults through the built binary: stdout on a full disk
 * (`/dev/full`) never stops a deployment and is one plain line for the other
 * commands; a full disk under the journal or the logs mid-run (a real tmpfs
 * of a few hundred KiB) stops the run saying so first, with the commands that
 * continue or undo it; report files that cannot be written, a deleted
 * working directory and a missing better-sqlite3 addon are plain errors.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { both, type GoliveResult, goliveBin, removeTempDirs, repoRoot, runGolive, tempDir } from './helpers.js';
import { readJournal, runIdFrom } from './process-helpers.js';

let dir: string;
const hello = join(repoRoot, 'examples', 'hello.yaml');

beforeAll(() => {
  dir = tempDir('golive-output-faults-');
});
afterAll(removeTempDirs);

/** Run golive with stdout (and optionally stderr) on /dev/full, where every write fails with ENOSPC. */
function runWithFullOutput(args: string[], options: { stderrToo?: boolean } = {}): Promise<GoliveResult> {
  const full = openSync('/dev/full', 'w');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [goliveBin, ...args], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 15_000,
      killSignal: 'SIGKILL',
      stdio: ['ignore', full, options.stderrToo ? full : 'pipe'],
    });
    closeSync(full);
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: '', stderr }));
  });
}

function expectPlain(result: GoliveResult): void {
  expect(result.stderr, both(result)).not.toMatch(/internal error|\n\s+at |bundle/);
  expect(result.code, both(result)).not.toBe(70);
}

describe('stdout that cannot be written', () => {
  it('an executing command carries on to the end: the journal has the whole run (exit 0)', async () => {
    const db = join(dir, 'full-stdout.db');
    for (const args of [
      ['run', hello, '--db', db],
      ['run', hello, '--db', db, '--json'],
    ]) {
      const result = await runWithFullOutput(args, { stderrToo: args.includes('--json') });
      expectPlain(result);
      expect(result.code, both(result)).toBe(0);
    }
    const runs = readJournal(db);
    expect(runs.map((r) => r.outcome)).toEqual(['succeeded', 'succeeded']);
    expect(runs.every((r) => r.events.some((e) => e.kind === 'run.finished'))).toBe(true);
  });

  it('any other command says so in one line on stderr and exits 2, without a stack trace', async () => {
    const db = join(dir, 'full-stdout.db');
    for (const args of [['validate', hello], ['plan', hello], ['history', '--db', db], ['audit', 'verify', '--db', db], ['--help']]) {
      const result = await runWithFullOutput(args);
      expectPlain(result);
      expect(result.code, `${args.join(' ')}\n${both(result)}`).toBe(2);
      expect(result.stderr).toBe('golive: cannot write the output to stdout: no space left on the device it goes to (ENOSPC)\n');
    }
  });
});

describe('report -o that cannot be written', () => {
  it('into a missing directory, or onto a directory: exit 2 naming the file and the fix', async () => {
    const db = join(dir, 'report.db');
    const run = await runGolive(['run', hello, '--db', db], { cwd: dir });
    const runId = runIdFrom(run.stdout);
    const missing = await runGolive(['report', runId, '--db', db, '-o', '/nonexistent/dir/r.md'], { cwd: dir });
    expect(missing.code, both(missing)).toBe(2);
    expect(missing.stderr).toBe(
      'golive: cannot write the report to /nonexistent/dir/r.md: the directory /nonexistent/dir does not exist\n  hint: create it first (mkdir -p /nonexistent/dir), or pick another path with -o\n',
    );
    const ontoDir = await runGolive(['report', runId, '--db', db, '-o', dir], { cwd: dir });
    expect(ontoDir.code, both(ontoDir)).toBe(2);
    expect(ontoDir.stderr).toBe(`golive: cannot write the report to ${dir}: it is a directory\n  hint: name a file, e.g. -o ${join(dir, 'report.md')}\n`);
  });
});

describe('the process around golive', () => {
  it('a deleted working directory is exit 2 with a plain message, for every kind of command', async () => {
    const inDeletedDirectory = (args: string[]) =>
      new Promise<GoliveResult>((resolve) => {
        const gone = join(tempDir(), 'gone');
        mkdirSync(gone);
        // The shell enters the directory, removes it, then becomes golive: its working directory no longer exists.
        const child = spawn('/bin/sh', ['-c', `cd ${gone} && rmdir ${gone} && exec "$0" "$@"`, process.execPath, goliveBin, ...args], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
        child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    for (const result of await Promise.all(
      [['history'], ['run', hello], ['validate', 'x.yaml'], ['status'], ['report', 'x'], ['init']].map(inDeletedDirectory),
    )) {
      expect(result.code, both(result)).toBe(2);
      expect(result.stderr).toBe(
        'golive: the current working directory no longer exists (it was deleted or moved)\n  hint: cd to an existing directory and run golive again\n',
      );
    }
  });

  it("better-sqlite3's native module missing (an install with scripts disabled): exit 6 with npm rebuild", async () => {
    // A copy of golive whose node_modules has every package but better-sqlite3's compiled addon.
    const install = join(tempDir('golive-no-addon-'), 'golive');
    mkdirSync(join(install, 'node_modules', 'better-sqlite3'), { recursive: true });
    for (const part of ['bin', 'dist', 'package.json']) cpSync(join(repoRoot, part), join(install, part), { recursive: true });
    const modules = realpathSync(join(repoRoot, 'node_modules'));
    for (const name of readdirSync(modules)) if (name !== 'better-sqlite3') symlinkSync(join(modules, name), join(install, 'node_modules', name));
    for (const part of ['package.json', 'lib'])
      cpSync(join(modules, 'better-sqlite3', part), join(install, 'node_modules', 'better-sqlite3', part), { recursive: true });

    const result = spawnSync(process.execPath, [join(install, 'bin', 'golive.js'), 'run', hello, '--db', join(dir, 'no-addon.db')], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(result.status, result.stderr).toBe(6);
    expect(result.stderr).toContain(
      "golive: cannot open the audit journal: the SQLite driver's native module (better-sqlite3) is not built for this Node.js\n  hint: run `npm rebuild better-sqlite3`",
    );
    expect(result.stderr).not.toMatch(/Tried:|internal error/);
  });
});

/** A real, tiny file system; null when this machine does not allow mounting one (not root). */
function mountTinyDisk(kib: number): string | null {
  const mountPoint = join(tempDir('golive-tiny-disk-'), 'disk');
  mkdirSync(mountPoint);
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${kib}k`, 'tmpfs', mountPoint]);
  return mounted.status === 0 ? mountPoint : null;
}

function unmount(mountPoint: string): void {
  spawnSync('umount', ['-l', mountPoint]);
}

const canMount = (() => {
  if (process.getuid?.() !== 0) return false;
  const probe = mountTinyDisk(64);
  if (probe === null) return false;
  unmount(probe);
  return true;
})();

describe.skipIf(!canMount)('a full disk under the journal or the logs mid-run', () => {
  it('the journal disk fills up during a step: exit 3, the cause first, the exact resume and rollback commands, nothing more started', async () => {
    const disk = mountTinyDisk(400)!;
    try {
      const outside = tempDir();
      const runbook = join(outside, 'fill.yaml');
      writeFileSync(
        runbook,
        `golive: 1\nname: fill\nsteps:\n  - id: one\n    run: echo one\n    rollback: echo undo\n  - id: fill\n    run: dd if=/dev/zero of=${disk}/filler bs=1k count=2000 2>/dev/null || true\n    rollback: rm -f ${disk}/filler\n  - id: three\n    run: touch ${outside}/three-ran\n    rollback: rm -f ${outside}/three-ran\n`,
      );
      const db = join(disk, 'golive.db');
      const result = await runGolive(['run', runbook, '--db', db], { cwd: outside });
      expectPlain(result);
      expect(result.code, both(result)).toBe(3);
      const runId = /run (\w{26}) stopped/.exec(result.stderr)?.[1] ?? '';
      expect(result.stderr.split('\n')[0]).toBe(
        `golive: the disk holding the audit journal ${db} is full: run ${runId} stopped (nothing more is started; the running step's processes are killed)`,
      );
      expect(result.stderr).toContain(`\`golive resume ${runId} --db ${db}\``);
      expect(result.stderr).toContain(`\`golive rollback ${runId} --db ${db}\``);
      expect(result.stderr).not.toContain('release the lock');
      expect(existsSync(join(outside, 'three-ran'))).toBe(false);

      // Space freed: the journal still tells the story, and the printed command works.
      rmSync(join(disk, 'filler'));
      const show = await runGolive(['show', runId, '--db', db], { cwd: outside });
      expect(show.code, both(show)).toBe(0);
      expect(show.stdout).toMatch(/1\. one +succeeded/);
      const rollback = await runGolive(['rollback', runId, '--db', db], { cwd: outside });
      expectPlain(rollback);
      expect(rollback.stdout).toContain('undo');
    } finally {
      unmount(disk);
    }
  });

  it('the log disk fills up: the running step is killed at once, exit 3 naming the log directory', async () => {
    const disk = mountTinyDisk(600)!;
    try {
      const outside = tempDir();
      const runbook = join(outside, 'noisy.yaml');
      writeFileSync(
        runbook,
        `golive: 1\nname: noisy\nsteps:\n  - id: noisy\n    run: head -c 3000000 /dev/zero | tr '\\\\0' x | fold -w 100; sleep 30; touch ${outside}/noisy-ended\n    rollback: echo undo\n  - id: after\n    run: touch ${outside}/after-ran\n    rollback: echo undo\n`,
      );
      const db = join(disk, 'golive.db');
      const started = Date.now();
      const result = await runGolive(['run', runbook, '--db', db], { cwd: outside, timeoutMs: 20_000 });
      expectPlain(result);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(result.code, both(result)).toBe(3);
      expect(result.stderr.split('\n')[0]).toMatch(
        new RegExp(`^golive: the disk holding ${disk}/logs/\\w{26} is full \\(a step's log could not be written\\): run \\w{26} stopped`),
      );
      expect(result.stderr).toMatch(/golive resume \w{26} --db /);
      expect(existsSync(join(outside, 'after-ran'))).toBe(false);
      expect(existsSync(join(outside, 'noisy-ended'))).toBe(false);
    } finally {
      unmount(disk);
    }
  });
});
