/**
 * Interruptions end to end: SIGINT / SIGTERM sent to a real golive process
 * while a step runs background grandchildren (`sleep 60 &` twice, then
 * `wait`). golive must stop the step's whole process group, exit 130 / 143
 * within the grace period, leave no process behind, journal the interruption
 * and name the commands to roll back or resume. A step timeout must clean up
 * grandchildren the same way.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it, type TestContext } from 'vitest';
import { removeTempDirs, repoRoot, runGolive, tempDir } from './helpers.js';
import {
  isAlive,
  killAll,
  type LiveGolive,
  pidsIn,
  readJournal,
  removeListedFiles,
  runIdFrom,
  startGolive,
  verifyJournal,
  waitUntil,
} from './process-helpers.js';

/** golive's grace between SIGTERM and SIGKILL for a step (src/session/engine-options.ts KILL_GRACE_MS). */
const GRACE_MS = 5000;

const fixture = (name: string) => join(repoRoot, 'test', 'fixtures', 'runbooks', name);

afterAll(() => removeTempDirs());

/** Whatever a failed assertion left running (golive, the step's processes) must not outlive the test. */
function cleanUpAfter(context: TestContext, pidsFile: string, golive?: LiveGolive): void {
  context.onTestFinished(() => {
    killAll([...(golive ? [golive.pid] : []), ...pidsIn(pidsFile)]);
    removeListedFiles(join(dirname(pidsFile), 'output-files'));
  });
}

/** Start the signals fixture and wait until its `spawn` step has both grandchildren running. */
async function startSpawnStep(context: TestContext, extra: string[] = []) {
  const dir = tempDir();
  const db = join(dir, 'golive.db');
  const pidsFile = join(dir, 'pids');
  const golive = startGolive(['run', fixture('signals.yaml'), '--var', `dir=${dir}`, '--db', db, ...extra], { cwd: dir });
  cleanUpAfter(context, pidsFile, golive);
  const trace = () => (existsSync(join(dir, 'trace')) ? readFileSync(join(dir, 'trace'), 'utf8') : '');
  await waitUntil(() => trace().includes('spawned') || golive.child.exitCode !== null, 'the spawn step to start its grandchildren');
  // The trace file can be seen before this process has read golive's first line from its pipe: wait for the run id too.
  await golive.waitForOutput((stdout) => hasRunId(stdout));
  const pids = pidsIn(pidsFile);
  expect(pids, `${golive.stdout()}\n${golive.stderr()}`).toHaveLength(3);
  for (const pid of pids) expect(isAlive(pid)).toBe(true);
  return { dir, db, golive, pids, trace };
}

function hasRunId(stdout: string): boolean {
  try {
    runIdFrom(stdout);
    return true;
  } catch {
    return false;
  }
}

/** Send `signal` and wait for the exit; returns the exit and how long it took after the signal. */
async function interrupt(golive: LiveGolive, signal: NodeJS.Signals) {
  const sentAt = Date.now();
  golive.child.kill(signal);
  const exit = await golive.exited;
  return { ...exit, afterSignalMs: Date.now() - sentAt };
}

describe.concurrent('signals', () => {
  it('SIGINT mid-step: exit 130 within the grace period, no grandchild survives, journaled, rollback/resume named', async (context) => {
    const { dir, db, golive, pids, trace } = await startSpawnStep(context);
    const runId = runIdFrom(golive.stdout());
    const exit = await interrupt(golive, 'SIGINT');
    const output = `${exit.stdout}\n${exit.stderr}`;
    expect(exit.code, output).toBe(130);
    expect(exit.afterSignalMs).toBeLessThan(GRACE_MS);
    expect(pids.filter(isAlive)).toEqual([]);

    expect(exit.stderr).toContain('SIGINT received: stopping');
    expect(exit.stdout).toContain(`golive rollback ${runId} --db ${db}`);
    expect(exit.stdout).toContain(`golive resume ${runId} --db ${db}`);
    // Nothing new was launched after the signal.
    expect(trace()).toBe('before\nspawned\n');

    const [run] = readJournal(db);
    expect(run).toMatchObject({ id: runId, outcome: 'interrupted', exit_code: 130 });
    expect(run.events.find((e) => e.kind === 'run.interrupted')!.data).toMatchObject({ signal: 'SIGINT', forced: false });
    expect(run.events.find((e) => e.kind === 'step.state' && e.data.stepId === 'spawn')!.data).toMatchObject({ state: 'failed', reason: 'stopped by SIGINT' });
    expect(run.events.at(-1)!.kind).toBe('run.finished');
    expect(verifyJournal(db).ok).toBe(true);

    // The printed advice works: a new process rolls the interrupted run back.
    const rollback = await runGolive(['rollback', runId, '--db', db], { cwd: dir });
    expect(rollback.code, `${rollback.stdout}\n${rollback.stderr}`).toBe(0);
    expect(trace()).toBe('before\nspawned\nundo-spawn\nundo-before\n');
  });

  it('SIGTERM mid-step: exit 143, no grandchild survives, journaled as interrupted by SIGTERM', async (context) => {
    const { db, golive, pids } = await startSpawnStep(context);
    const exit = await interrupt(golive, 'SIGTERM');
    expect(exit.code, `${exit.stdout}\n${exit.stderr}`).toBe(143);
    expect(exit.afterSignalMs).toBeLessThan(GRACE_MS);
    expect(pids.filter(isAlive)).toEqual([]);
    const [run] = readJournal(db);
    expect(run).toMatchObject({ outcome: 'interrupted', exit_code: 143 });
    expect(run.events.find((e) => e.kind === 'run.interrupted')!.data).toMatchObject({ signal: 'SIGTERM', forced: false });
  });

  it('a second SIGINT kills a step that ignores SIGTERM at once, and records it in doubt', async (context) => {
    const { dir, db, golive, pids } = await startSpawnStep(context, ['--var', 'stubborn=yes']);
    const runId = runIdFrom(golive.stdout());
    golive.child.kill('SIGINT');
    await golive.waitForOutput(/SIGINT received: stopping/);
    // The step ignores SIGTERM: it is still there, in its grace period.
    await new Promise((r) => setTimeout(r, 300));
    expect(pids.filter(isAlive)).toEqual(pids);

    const exit = await interrupt(golive, 'SIGINT');
    expect(exit.code, `${exit.stdout}\n${exit.stderr}`).toBe(130);
    expect(exit.afterSignalMs).toBeLessThan(2000);
    expect(exit.stderr).toContain('SIGINT again: killing running steps now');
    expect(pids.filter(isAlive)).toEqual([]);

    const [run] = readJournal(db);
    expect(run).toMatchObject({ outcome: 'interrupted', exit_code: 130 });
    expect(run.events.find((e) => e.kind === 'step.state' && e.data.stepId === 'spawn')!.data).toMatchObject({ state: 'in-doubt' });
    expect(run.events.find((e) => e.kind === 'step.finished' && e.data.stepId === 'spawn')!.data).toMatchObject({ status: 'stopped', signal: 'SIGKILL' });
    expect(run.events.find((e) => e.kind === 'run.interrupted')!.data).toMatchObject({ signal: 'SIGINT', forced: true });

    // Resuming an in-doubt step without validation stops and says how to re-run it.
    const resume = await runGolive(['resume', runId, '--db', db], { cwd: dir });
    expect(resume.code, `${resume.stdout}\n${resume.stderr}`).toBe(3);
    expect(resume.stdout).toContain('in-doubt spawn: stop — it has no validation to prove it finished; pass --rerun-in-doubt to run it again');
  });

  it('SIGINT during a rollback stops it (exit 130); a later `golive rollback` re-runs the interrupted rollback, then the rest', async (context) => {
    const dir = tempDir();
    const db = join(dir, 'golive.db');
    const trace = () => (existsSync(join(dir, 'trace')) ? readFileSync(join(dir, 'trace'), 'utf8') : '');
    const golive = startGolive(['run', fixture('slow-rollback.yaml'), '--var', `dir=${dir}`, '--db', db], { cwd: dir });
    context.onTestFinished(() => killAll([golive.pid]));
    await waitUntil(() => trace().includes('undo-b-start'), 'the rollback of b to start');
    const exit = await interrupt(golive, 'SIGINT');
    expect(exit.code, `${exit.stdout}\n${exit.stderr}`).toBe(130);
    expect(trace()).toBe('a\nb\nundo-b-start\n');
    const runId = runIdFrom(exit.stdout);
    expect(exit.stdout).toContain(`golive rollback ${runId} --db ${db}`);
    const [run] = readJournal(db);
    expect(run).toMatchObject({ outcome: 'interrupted', exit_code: 130 });
    expect(run.events.find((e) => e.kind === 'rollback.finished')!.data).toMatchObject({ complete: false, failed: ['b'] });

    const rollback = await runGolive(['rollback', runId, '--db', db], { cwd: dir });
    expect(rollback.code, `${rollback.stdout}\n${rollback.stderr}`).toBe(0);
    expect(trace()).toBe('a\nb\nundo-b-start\nundo-b-start\nundo-b-done\nundo-a\n');
  });

  // Regression (fixed): SIGHUP (the terminal or the SSH session of the operator going away)
  // is not handled (src/session/session.ts listens to SIGINT and SIGTERM only):
  // node's default action kills golive at once, the 'exit' hook that kills
  // the step process groups never runs, and the step's processes (detached,
  // in their own session, so the hangup never reaches them) keep running as
  // orphans while the journal says the run is still running.
  // LIBRARY-NOTES: "every exit path (success, error, signal) must kill the group".
  it('SIGHUP mid-step leaves no step process behind', async (context) => {
    const { golive, pids } = await startSpawnStep(context);
    const exit = await interrupt(golive, 'SIGHUP');
    expect(exit.afterSignalMs).toBeLessThan(GRACE_MS);
    await new Promise((r) => setTimeout(r, 200));
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it("a step's timeout kills its background grandchildren too", async (context) => {
    const dir = tempDir();
    const db = join(dir, 'golive.db');
    cleanUpAfter(context, join(dir, 'pids'));
    const startedAt = Date.now();
    const result = await runGolive(['run', fixture('grandchildren-timeout.yaml'), '--var', `dir=${dir}`, '--db', db, '--json'], { cwd: dir });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(3);
    expect(Date.now() - startedAt).toBeLessThan(1000 + GRACE_MS);
    const pids = pidsIn(join(dir, 'pids'));
    expect(pids).toHaveLength(3);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(result.stdout).toMatch(/"kind":"step\.finished".*"status":"timed-out","exitCode":124/);
  });
});
