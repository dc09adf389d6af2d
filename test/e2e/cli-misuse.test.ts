/**
 * The command-line misuse sweep: every command with its most likely bad
 * arguments (unknown flags, missing arguments, bad run ids, --db naming a
 * directory, a FIFO, a device, a text file or a missing file, bad --format,
 * --interval and --limit values, -o into a missing directory, files that are
 * directories, …), each started as a real process. Whatever the exit code,
 * none may print a stack trace, exit 70 (a bug) or hang.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { both, type GoliveResult, removeTempDirs, repoRoot, runGolive, tempDir } from './helpers.js';
import { runIdFrom } from './process-helpers.js';

const HANG_MS = 10_000;
/** Processes started at once: enough to finish fast, few enough for a small shared machine. */
const CONCURRENCY = 6;

let dir: string;
let paths: Record<'runbook' | 'envRunbook' | 'db' | 'dir' | 'fifo' | 'text' | 'missing' | 'underFile', string>;
let runId: string;

beforeAll(async () => {
  dir = tempDir('golive-misuse-');
  paths = {
    runbook: join(repoRoot, 'examples', 'hello.yaml'),
    envRunbook: join(repoRoot, 'examples', 'environments.yaml'),
    db: join(dir, 'golive.db'),
    dir: join(dir, 'a-directory'),
    fifo: join(dir, 'a-fifo'),
    text: join(dir, 'notes.txt'),
    missing: join(dir, 'missing', 'nothing.yaml'),
    underFile: join(dir, 'notes.txt', 'golive.db'),
  };
  mkdirSync(paths.dir);
  expect(spawnSync('mkfifo', [paths.fifo]).status).toBe(0);
  writeFileSync(paths.text, 'just some notes\n');
  const seeded = await runGolive(['run', paths.runbook, '--db', paths.db], { cwd: dir });
  expect(seeded.code, both(seeded)).toBe(0);
  runId = runIdFrom(seeded.stdout);
});

afterAll(removeTempDirs);

/** Every misuse, as the arguments after `golive`. Built after setup, so paths and the run id are known. */
function misuses(): string[][] {
  const { runbook, envRunbook, db, dir: directory, fifo, text, missing, underFile } = paths;
  const badDbs = [directory, fifo, '/dev/null', text, underFile];
  const withBadDbs = (args: string[]) => badDbs.map((bad) => [...args, '--db', bad]);
  return [
    // the program itself
    [],
    ['--bogus'],
    ['nosuchcommand'],
    ['-x'],
    // validate / plan / init
    ['validate'],
    ['validate', missing],
    ['validate', directory],
    ['validate', '/dev/null'],
    ['validate', text],
    ['validate', fifo],
    ['validate', runbook, '--bogus'],
    ['validate', runbook, '--env'],
    ['validate', envRunbook, '--env', 'nope'],
    ['plan'],
    ['plan', missing],
    ['plan', directory],
    ['plan', runbook, '--var'],
    ['plan', runbook, '--var', 'novalue'],
    ['plan', runbook, '--var', '=x'],
    ['plan', envRunbook, '--env', 'nope'],
    ['plan', envRunbook, '--env', ''],
    ['init', directory],
    ['init', fifo],
    ['init', join(dir, 'missing-dir', 'rb.yaml')],
    ['init', runbook],
    ['init', '--name'],
    // executing commands
    ['run'],
    ['run', missing],
    ['run', directory],
    ['run', fifo],
    ['run', text],
    ['run', runbook, '--on-failure', 'bogus'],
    ['run', runbook, '--approve'],
    ['run', runbook, '--var', 'novalue'],
    ['run', envRunbook, '--env', 'nope', '--db', db],
    ['run', envRunbook, '--env', '', '--db', db],
    ...withBadDbs(['run', runbook]),
    ['run', runbook, '--db'],
    ['check'],
    ['check', missing],
    ['check', runbook, '--on-failure', 'x'],
    ...withBadDbs(['check', runbook]),
    ['rehearse'],
    ['rehearse', missing],
    ['rehearse', envRunbook, '--env', 'nope', '--db', db],
    ...withBadDbs(['rehearse', runbook]),
    ['rollback', 'NOSUCHRUN0000', '--db', db],
    ['rollback', '01', '--db', db],
    ['rollback', '--db', join(dir, 'none.db')],
    ['rollback', '--bogus'],
    ...withBadDbs(['rollback']),
    ['resume', 'NOSUCHRUN0000', '--db', db],
    ['resume', '--db', join(dir, 'none.db')],
    ['resume', '--on-failure', 'x'],
    ...withBadDbs(['resume']),
    // read commands
    ['history', '--limit', 'abc', '--db', db],
    ['history', '--limit', '0', '--db', db],
    ['history', '--limit', '-1', '--db', db],
    ['history', '--runbook'],
    ...withBadDbs(['history']),
    ['show'],
    ['show', 'NOSUCHRUN0000', '--db', db],
    ['show', 'a', '--db', db],
    ['show', runId, '--db', join(dir, 'none.db')],
    ...withBadDbs(['show', runId]),
    ['status', '--interval', 'abc', '--db', db],
    ['status', '--interval', '0', '--db', db],
    ['status', '--interval', '-5s', '--db', db],
    ['status', 'NOSUCHRUN0000', '--db', db],
    ['status', runId, '--watch', '--interval', '600h', '--db', db],
    ...withBadDbs(['status']),
    ['report'],
    ['report', runId, '--format', 'pdf', '--db', db],
    ['report', runId, '--format'],
    ['report', 'NOSUCHRUN0000', '--db', db],
    ['report', runId, '-o', join(dir, 'no-such-dir', 'r.md'), '--db', db],
    ['report', runId, '-o', directory, '--db', db],
    ['report', runId, '-o', '/dev/full', '--db', db],
    ['report', runId, '-o'],
    ...withBadDbs(['report', runId]),
    ['estimate'],
    ['estimate', missing],
    ['estimate', directory],
    ...withBadDbs(['estimate', runbook]),
    ['audit'],
    ['audit', 'nosuch'],
    ['audit', 'verify', '--bogus'],
    ['audit', 'export', '--format', 'csv', '--db', db],
    ['audit', 'export', '--run', 'NOSUCHRUN0000', '--db', db],
    ['audit', 'verify', '--db', join(dir, 'none.db')],
    ...withBadDbs(['audit', 'verify']),
    ...withBadDbs(['audit', 'export']),
    // a server journal nobody answers for (nothing listens on the discard port)
    ...[['run', runbook], ['history'], ['show', runId], ['status'], ['audit', 'verify']].map((args) => [
      ...args,
      '--db',
      'postgresql://golive:secret@127.0.0.1:9/golive',
    ]),
  ];
}

/** Run every case, `CONCURRENCY` at a time. */
async function sweep(cases: string[][]): Promise<Array<{ args: string[]; result: GoliveResult & { elapsedMs: number } }>> {
  const results: Array<{ args: string[]; result: GoliveResult & { elapsedMs: number } }> = [];
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const args = cases[next++];
      const started = Date.now();
      const result = await runGolive(args, { cwd: dir, timeoutMs: HANG_MS });
      results.push({ args, result: { ...result, elapsedMs: Date.now() - started } });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return results;
}

describe('the CLI misuse sweep', () => {
  it('no misuse prints a stack trace, exits 70 or hangs', async () => {
    const cases = misuses();
    expect(cases.length).toBeGreaterThan(120);
    const results = await sweep(cases);
    const problems = results.flatMap(({ args, result }) => {
      const found: string[] = [];
      if (result.code === null) found.push(`hung for over ${HANG_MS / 1000} s (killed)`);
      if (result.code === 70) found.push('exit 70');
      if (/golive: internal error|^\s+at .+:\d+:\d+\)?$/m.test(result.stderr)) found.push('a stack trace or internal error');
      if (result.elapsedMs > 5000) found.push(`took ${result.elapsedMs} ms`);
      return found.length === 0 ? [] : [`golive ${args.join(' ')}: ${found.join(', ')}\n${both(result)}`];
    });
    expect(problems, problems.join('\n\n')).toEqual([]);
  }, 90_000);
});
