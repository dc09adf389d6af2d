/**
 * golive itself dies (`kill -9`) in the middle of a step: no handler runs,
 * nothing is cleaned up, the journal is left exactly as the last committed
 * event made it. Afterwards the run must show as interrupted (never
 * "running" forever), `golive resume` must take over the stale lock and
 * settle the in-doubt step (validate it, or re-run it when told to), and the
 * hash chain must still verify; a one-byte edit must then be caught.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it, type TestContext } from 'vitest';
import { both, removeTempDirs, repoRoot, runGolive, tempDir } from './helpers.js';
import { isAlive, killAll, readJournal, removeListedFiles, runIdFrom, startGolive, verifyJournal, waitUntil } from './process-helpers.js';

afterAll(() => removeTempDirs());

const fixture = (name: string) => join(repoRoot, 'test', 'fixtures', 'runbooks', name);

/**
 * Run the crash fixture with --json and SIGKILL golive once the journal says
 * the `slow` step started and its shell is running. Returns the run id and
 * the pid of the step's shell (the leader of its process group, which
 * golive's death leaves running).
 */
async function crashDuringSlowStep(context: TestContext) {
  const dir = tempDir();
  const db = join(dir, 'golive.db');
  const golive = startGolive(['run', fixture('crash.yaml'), '--var', `dir=${dir}`, '--db', db, '--json'], { cwd: dir });
  const stepPidFile = join(dir, 'slow.pid');
  context.onTestFinished(() => {
    killAll([golive.pid]);
    if (existsSync(stepPidFile)) killAll([-Number(readFileSync(stepPidFile, 'utf8'))]);
    removeListedFiles(join(dir, 'output-files'));
  });
  await golive.waitForOutput(/"kind":"step\.started","phase":"step","stepId":"slow"/);
  await waitUntil(() => existsSync(stepPidFile) && readFileSync(stepPidFile, 'utf8').endsWith('\n'), 'the slow step to write its pid');
  golive.child.kill('SIGKILL');
  const exit = await golive.exited;
  expect(exit.signal).toBe('SIGKILL');
  const runId = runIdFrom(exit.stdout);
  const stepPid = Number(readFileSync(stepPidFile, 'utf8'));
  const trace = () => (existsSync(join(dir, 'trace')) ? readFileSync(join(dir, 'trace'), 'utf8') : '');
  return { dir, db, runId, golivePid: golive.pid, stepPid, trace };
}

/** `golive history --json`: the runs, newest first. */
async function history(db: string, cwd: string): Promise<Array<Record<string, unknown>>> {
  const result = await runGolive(['history', '--json', '--db', db], { cwd });
  expect(result.code, both(result)).toBe(0);
  return JSON.parse(result.stdout) as Array<Record<string, unknown>>;
}

describe.concurrent('kill -9 of golive mid-step', () => {
  it('the run shows as interrupted; resume validates the in-doubt step and completes; the chain verifies, and a one-byte edit is caught', async (context) => {
    const { dir, db, runId, golivePid, stepPid, trace } = await crashDuringSlowStep(context);

    // The journal says "running", but its process is gone: that reads as interrupted.
    const [crashed] = readJournal(db);
    expect(crashed).toMatchObject({ id: runId, outcome: 'running', exit_code: null, pid: golivePid });
    expect(isAlive(golivePid)).toBe(false);
    expect(crashed.events.at(-2)).toMatchObject({ kind: 'step.started', data: { stepId: 'slow', phase: 'step' } });
    expect(crashed.events.at(-1)).toMatchObject({ kind: 'step.spawned', data: { stepId: 'slow', phase: 'step', pid: stepPid } });
    expect(await history(db, dir)).toEqual([expect.objectContaining({ id: runId, mode: 'run', status: 'interrupted', exitCode: null, endedAt: null })]);
    expect(verifyJournal(db)).toEqual({ ok: true, checked: crashed.events.length });

    // While the orphaned step still runs, resume refuses to race it and names the way to stop it.
    const early = await runGolive(['resume', runId, '--db', db], { cwd: dir });
    expect(early.code, both(early)).toBe(5);
    expect(early.stderr).toContain(`step slow of run ${runId} is still running as process group ${stepPid}`);
    expect(early.stderr).toContain(`kill -TERM -${stepPid}`);

    // The orphaned step finishes its work on its own; resume must see that, not redo it.
    await waitUntil(() => existsSync(join(dir, 'marker')), 'the orphaned slow step to finish', 5000);
    const resume = await runGolive(['resume', runId, '--db', db], { cwd: dir });
    expect(resume.code, both(resume)).toBe(0);
    expect(resume.stdout).toContain(`took over a stale lock of run ${runId}`);
    expect(resume.stdout).toContain('in-doubt slow: done — its validation passed on resume');
    expect(trace()).toBe('before\nslow-start\nslow-done\nafter\n');

    const runs = readJournal(db);
    expect(runs.map((r) => [r.mode, r.outcome, r.parent_run_id, r.root_run_id])).toEqual([
      ['run', 'running', null, runId],
      ['resume', 'succeeded', runId, runId],
    ]);
    // Only the in-doubt step's validation and the remaining step ran.
    expect(runs[1].events.filter((e) => e.kind === 'step.started').map((e) => `${e.data.phase} ${e.data.stepId}`)).toEqual(['validate slow', 'step after']);

    expect(await history(db, dir)).toEqual([
      expect.objectContaining({ id: runs[1].id, mode: 'resume', status: 'succeeded', exitCode: 0, parentRunId: runId, rootRunId: runId }),
      expect.objectContaining({ id: runId, mode: 'run', status: 'interrupted' }),
    ]);

    const total = runs.reduce((n, r) => n + r.events.length, 0);
    expect(verifyJournal(db)).toEqual({ ok: true, checked: total });

    // Tamper: one byte of one event's data, through a raw connection, as someone with the file could.
    const victim = crashed.events.find((e) => e.kind === 'step.started' && e.data.stepId === 'slow')!;
    const raw = new BetterSqlite3(db);
    try {
      raw.exec('DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;');
      const { data } = raw.prepare('SELECT data FROM events WHERE seq = ?').get(victim.seq) as { data: string };
      const at = data.indexOf('"slow"') + 1;
      const edited = `${data.slice(0, at)}S${data.slice(at + 1)}`;
      expect(edited).not.toBe(data);
      expect(edited.length).toBe(data.length);
      raw.prepare('UPDATE events SET data = ? WHERE seq = ?').run(edited, victim.seq);
    } finally {
      raw.close();
    }
    const report = verifyJournal(db);
    expect(report.ok).toBe(false);
    expect(report.firstBad).toMatchObject({ seq: victim.seq, runId });
  });

  it('when the step died with golive, resume stops without --rerun-in-doubt and re-runs the step with it', async (context) => {
    const { dir, db, runId, stepPid, trace } = await crashDuringSlowStep(context);
    // The host-crash case: the step's process group dies too, before finishing.
    process.kill(-stepPid, 'SIGKILL');
    await waitUntil(() => !isAlive(stepPid), 'the step to die');
    expect(trace()).toBe('before\nslow-start\n');

    const stop = await runGolive(['resume', runId, '--db', db], { cwd: dir });
    expect(stop.code, both(stop)).toBe(3);
    expect(stop.stdout).toContain('in-doubt slow: stop — its validation failed; pass --rerun-in-doubt to run it again');
    expect(trace()).toBe('before\nslow-start\n');
    const stoppedRun = runIdFrom(stop.stdout);
    expect(stop.stdout).toContain(`golive resume ${stoppedRun} --db ${db}`);

    // The operator follows the advice.
    const rerun = await runGolive(['resume', stoppedRun, '--db', db, '--rerun-in-doubt'], { cwd: dir });
    expect(rerun.code, both(rerun)).toBe(0);
    expect(rerun.stdout).toContain('in-doubt slow: rerun');
    expect(trace()).toBe('before\nslow-start\nslow-start\nslow-done\nafter\n');

    const runs = readJournal(db);
    expect(runs.map((r) => [r.mode, r.outcome, r.root_run_id])).toEqual([
      ['run', 'running', runId],
      ['resume', 'aborted', runId],
      ['resume', 'succeeded', runId],
    ]);
    expect((await history(db, dir)).map((r) => [r.mode, r.status, r.parentRunId])).toEqual([
      ['resume', 'succeeded', stoppedRun],
      ['resume', 'aborted', runId],
      ['run', 'interrupted', null],
    ]);
    // `before` was done before the crash and is not run again.
    expect(runs[2].events.filter((e) => e.kind === 'step.started').map((e) => `${e.data.phase} ${e.data.stepId}`)).toEqual([
      'validate slow',
      'step slow',
      'validate slow',
      'step after',
    ]);
    expect(verifyJournal(db)).toEqual({ ok: true, checked: runs.reduce((n, r) => n + r.events.length, 0) });
  });

  it("status, show --json and resume's preview tell the same story of the interrupted run: before done, slow in doubt, after left", async (context) => {
    const { dir, db, runId, stepPid, trace } = await crashDuringSlowStep(context);
    process.kill(-stepPid, 'SIGKILL');
    await waitUntil(() => !isAlive(stepPid), 'the step to die');

    const status = await runGolive(['status', runId, '--json', '--db', db], { cwd: dir });
    expect(status.code, both(status)).toBe(0);
    const update = JSON.parse(status.stdout) as { runStatus: string; progress: { completed: number; total: number }; statusReason: string };
    expect(update.runStatus).toBe('interrupted');
    expect(update.progress).toMatchObject({ completed: 1, total: 3 });
    expect(update.statusReason).toBe('golive stopped without recording an end (its process is gone) during slow');

    const show = await runGolive(['show', runId, '--json', '--db', db], { cwd: dir });
    expect(show.code, both(show)).toBe(0);
    const steps = (JSON.parse(show.stdout) as { steps: Array<{ id: string; state: string }> }).steps;
    expect(steps.map((s) => [s.id, s.state])).toEqual([
      ['before', 'succeeded'],
      ['slow', 'in-doubt'],
      ['after', 'pending'],
    ]);

    // Resume previews where it picks up, then stops at the in-doubt step (its validation fails; no --rerun-in-doubt).
    const resume = await runGolive(['resume', runId, '--db', db], { cwd: dir });
    expect(resume.code, both(resume)).toBe(3);
    const inDoubt = /^ {2}in doubt \(validated first; run again only with --rerun-in-doubt or your yes\): (.*)$/m.exec(resume.stdout)?.[1];
    const left = /^ {2}will continue with: (.*)$/m.exec(resume.stdout)?.[1];
    expect(resume.stdout).not.toContain('the go/no-go checklist runs again first');

    // One meaning: what status counts as done, show lists as in doubt and left, resume skips, validates first and continues with.
    const idsIn = (state: string) => steps.filter((s) => s.state === state).map((s) => s.id);
    expect(idsIn('succeeded')).toHaveLength(update.progress.completed);
    expect(inDoubt?.split(', ')).toEqual(idsIn('in-doubt'));
    expect(update.statusReason.endsWith(`during ${idsIn('in-doubt').join(', ')}`)).toBe(true);
    expect(left?.split(' → ')).toEqual(idsIn('pending'));
    expect(trace()).toBe('before\nslow-start\n');
  });
});
