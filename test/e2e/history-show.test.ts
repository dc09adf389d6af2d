/**
 * `golive history` and `golive show` on a real journal: runs made by the
 * built binary (one that succeeds, one that fails and rolls back, one killed
 * with SIGKILL mid-step, and a resume of it), then read back.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goliveBin, goliveEnv, removeTempDirs, repoRoot, runGolive, tempDir } from './helpers.js';

const HISTORY_KEYS = [
  'id',
  'runbook',
  'version',
  'environment',
  'mode',
  'status',
  'outcome',
  'exitCode',
  'operator',
  'host',
  'startedAt',
  'endedAt',
  'durationMs',
  'parentRunId',
  'rootRunId',
  'changeId',
  'identity',
];

/** A step that records its shell's pid (so the test can end it) and then outlives golive. */
const SLOW = `golive: 1
name: slow
version: 0.3.0
steps:
  - id: quick
    run: echo quick
    duration: 1s
  - id: wait
    run: echo $$ > sleeper.pid; exec sleep 60
    duration: 1m
    rollback: echo undone
`;

interface Summary {
  id: string;
  runbook: string;
  mode: string;
  status: string;
  outcome: string;
  exitCode: number | null;
  durationMs: number | null;
  parentRunId: string | null;
}

let dir: string;
const ids: Record<'hello' | 'rollback' | 'killed' | 'resume', string> = { hello: '', rollback: '', killed: '', resume: '' };
const golive = (args: string[], cwd = dir) => runGolive(args, { cwd, env: { CI: 'true' } });

/** Start `golive run slow.yaml`, wait until its long step is running, and SIGKILL golive itself. */
async function killMidStep(): Promise<void> {
  const child = spawn(process.execPath, [goliveBin, 'run', 'slow.yaml'], { cwd: dir, stdio: 'ignore', env: goliveEnv({ CI: 'true' }, dir) });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const pidFile = join(dir, 'sleeper.pid');
  for (let waited = 0; !existsSync(pidFile) || readFileSync(pidFile, 'utf8').trim() === ''; waited += 50) {
    if (waited > 15_000) throw new Error('the slow step never started');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  // Wait for the exit to be reaped: a zombie still answers kill(pid, 0) and would look alive.
  await exited;
  try {
    process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL');
  } catch {
    /* already gone */
  }
}

beforeAll(async () => {
  dir = tempDir();
  for (const name of ['hello.yaml', 'rollback.yaml']) copyFileSync(join(repoRoot, 'examples', name), join(dir, name));
  writeFileSync(join(dir, 'slow.yaml'), SLOW);
  expect((await golive(['run', 'hello.yaml'])).code).toBe(0);
  expect((await golive(['run', 'rollback.yaml'])).code).toBe(1);
  await killMidStep();
  const runs = JSON.parse((await golive(['history', '--json'])).stdout) as Summary[];
  ids.hello = runs.find((r) => r.runbook === 'hello')!.id;
  ids.rollback = runs.find((r) => r.runbook === 'rollback')!.id;
  ids.killed = runs.find((r) => r.runbook === 'slow')!.id;
  // The killed step has no validation: resume refuses to trust it and stops (exit 3), leaving a child run.
  expect((await golive(['resume', ids.killed])).code).toBe(3);
  ids.resume = (JSON.parse((await golive(['history', '--json', '--limit', '1'])).stdout) as Summary[])[0].id;
});

afterAll(() => {
  removeTempDirs();
});

describe('golive history', () => {
  it('lists every run newest first, with status, mode and the parent of a resume', async () => {
    const result = await golive(['history']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^RUN\s+STARTED\s+RUNBOOK\s+ENV\s+MODE\s+STATUS\s+DURATION\s+OPERATOR\s+PARENT$/);
    expect(lines).toHaveLength(5);
    expect(lines[1]).toMatch(
      new RegExp(`^${ids.resume}\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\\s+slow 0\\.3\\.0\\s+-\\s+resume\\s+aborted\\s+\\S+\\s+\\S+\\s+${ids.killed}$`),
    );
    expect(lines[2]).toMatch(new RegExp(`^${ids.killed}\\s.*\\brun\\s+interrupted\\s+—\\s`));
    expect(lines[3]).toMatch(new RegExp(`^${ids.rollback}\\s.*\\brollback\\s+-\\s+run\\s+rolled-back\\s`));
    expect(lines[4]).toMatch(new RegExp(`^${ids.hello}\\s.*\\bhello 1\\.0\\.0\\s+-\\s+run\\s+succeeded\\s`));
  });

  it('--json gives exactly the documented keys, and tells a dead run from its stored outcome', async () => {
    const result = await golive(['history', '--json']);
    expect(result.code).toBe(0);
    const runs = JSON.parse(result.stdout) as Summary[];
    expect(runs.map((r) => r.id)).toEqual([ids.resume, ids.killed, ids.rollback, ids.hello]);
    for (const run of runs) expect(Object.keys(run)).toEqual(HISTORY_KEYS);
    expect(runs[1]).toMatchObject({ status: 'interrupted', outcome: 'running', exitCode: null, durationMs: null });
    expect(runs[2]).toMatchObject({ status: 'rolled-back', outcome: 'rolled-back', exitCode: 1, mode: 'run' });
    expect(runs[0]).toMatchObject({ mode: 'resume', status: 'aborted', exitCode: 3, parentRunId: ids.killed });
    expect(runs[3].durationMs).toBeGreaterThanOrEqual(0);
  });

  it('filters by runbook and limits the count, newest first', async () => {
    const hello = JSON.parse((await golive(['history', '--json', '--runbook', 'hello'])).stdout) as Summary[];
    expect(hello.map((r) => r.id)).toEqual([ids.hello]);
    const two = JSON.parse((await golive(['history', '--json', '--limit', '2'])).stdout) as Summary[];
    expect(two.map((r) => r.id)).toEqual([ids.resume, ids.killed]);
    const text = await golive(['history', '--runbook', 'slow', '--limit', '1']);
    expect(text.stdout.trimEnd().split('\n')).toHaveLength(2);
    expect(text.stdout).toContain(ids.resume);
  });

  it('reads another directory journal with --db', async () => {
    const elsewhere = tempDir();
    const runs = JSON.parse((await golive(['history', '--json', '--db', join(dir, '.golive', 'golive.db')], elsewhere)).stdout) as Summary[];
    expect(runs).toHaveLength(4);
    expect(existsSync(join(elsewhere, '.golive'))).toBe(false);
  });

  it('says so, with exit 0, when nothing was recorded yet, and creates no journal', async () => {
    const empty = tempDir();
    const text = await golive(['history'], empty);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('No runs recorded yet');
    const json = await golive(['history', '--json', '--runbook', 'nope'], empty);
    expect(json.stdout.trim()).toBe('[]');
    expect(existsSync(join(empty, '.golive'))).toBe(false);
    const filtered = await golive(['history', '--runbook', 'nope']);
    expect(filtered.stdout).toContain('No runs in');
  });

  it('refuses a bad --limit with exit 2', async () => {
    const result = await golive(['history', '--limit', 'ten']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--limit ten');
  });
});

describe('golive show', () => {
  it('shows the rolled-back run: the failing step output and the rollback actions newest first', async () => {
    const result = await golive(['show', ids.rollback.slice(0, 16)]);
    expect(result.code).toBe(0);
    const out = result.stdout;
    expect(out).toContain(`Run ${ids.rollback}  rolled-back (exit 1)`);
    expect(out).toMatch(/mode\s+run/);
    const failing = out.slice(out.indexOf('3. switch-traffic'), out.indexOf('\nRollback'));
    expect(failing).toMatch(/attempt 1\s+failed \(exit 1\)/);
    expect(failing).toContain('exited with status 1');
    expect(failing).toMatch(/│ failing on purpose/);
    expect(failing).toContain(`logs/${ids.rollback}/switch-traffic.log`);
    const rollback = out.slice(out.indexOf('\nRollback'));
    expect(rollback).toMatch(/1\. switch-traffic\s+passed[^\n]*\n\s+2\. deploy-code\s+passed[^\n]*\n\s+3\. stop-jobs\s+passed/);
    expect(rollback).toContain('complete, restore verified');
    expect(out).toMatch(/guided-failure switch-traffic: rollback by \S+ \(policy\)/);
  });

  it('--json has the run with the history keys, steps in plan order, attempts with their tails', async () => {
    const result = await golive(['show', ids.rollback, '--json']);
    expect(result.code).toBe(0);
    const view = JSON.parse(result.stdout) as {
      run: Summary;
      steps: Array<{ id: string; state: string; attempts: Array<{ status: string; exitCode: number; tail: string }>; rollback: { result: string } | null }>;
      rollback: { order: string[]; complete: boolean };
      chain: string[];
    };
    expect(Object.keys(view.run)).toEqual(HISTORY_KEYS);
    expect(view.steps.map((s) => [s.id, s.state, s.rollback?.result])).toEqual([
      ['stop-jobs', 'rolled-back', 'rolled-back'],
      ['deploy-code', 'rolled-back', 'rolled-back'],
      ['switch-traffic', 'rolled-back', 'rolled-back'],
    ]);
    expect(view.steps[2].attempts).toMatchObject([{ status: 'failed', exitCode: 1, tail: 'failing on purpose' }]);
    expect(view.rollback).toMatchObject({ order: ['switch-traffic', 'deploy-code', 'stop-jobs'], complete: true });
    expect(view.chain).toEqual([ids.rollback]);
  });

  it('shows the killed run as interrupted, its step in doubt, and the resume that followed', async () => {
    const out = (await golive(['show', ids.killed])).stdout;
    expect(out).toContain(`Run ${ids.killed}  interrupted`);
    expect(out).toMatch(/2\. wait\s+in-doubt/);
    expect(out).toMatch(new RegExp(`followed by\\s+${ids.resume}\\s+resume, aborted`));
    expect(out).not.toContain('Next');
  });

  it('tells what to run next for the aborted resume, naming a non-default journal', async () => {
    const db = join(dir, '.golive', 'golive.db');
    const out = (await golive(['show', ids.resume, '--db', db], tempDir())).stdout;
    expect(out).toMatch(new RegExp(`parent\\s+${ids.killed}\\s+run, interrupted`));
    expect(out).toMatch(/1\. quick\s+succeeded \(from an earlier run\)/);
    expect(out).toContain(`golive rollback ${ids.resume} --db ${db}`);
    expect(out).toContain(`golive resume ${ids.resume} --db ${db}`);
  });

  it('exits 2 for an unknown run, pointing at golive history', async () => {
    const result = await golive(['show', '01ZZZZZZZZZZZZZZZZZZZZZZZZ']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no run 01ZZZZZZZZZZZZZZZZZZZZZZZZ');
    expect(result.stderr).toContain('golive history');
    expect(result.stdout).toBe('');
  });

  it('every command that takes a run id says the same of a prefix too short to look up', async () => {
    const db = join(dir, '.golive', 'golive.db');
    const commands = [
      ['show', 'AB'],
      ['report', 'AB'],
      ['status', 'AB'],
      ['rollback', 'AB'],
      ['resume', 'AB'],
      ['audit', 'export', '--run', 'AB'],
    ];
    const results = await Promise.all(commands.map((args) => golive(args)));
    for (const [i, result] of results.entries()) {
      expect(result.code, `${commands[i].join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toContain(`golive: no run AB in ${db}`);
      expect(result.stderr).toContain('list runs with `golive history`');
      expect(result.stderr).toContain('(a prefix needs at least 6 characters)');
      expect(result.stdout).toBe('');
    }
  });
});
