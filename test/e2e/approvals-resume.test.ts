/**
 * Approvals across `golive resume`, through the built binary on a SQLite
 * journal: a point approved and decided in the run being resumed (an
 * environment's, a step's) is not asked again and the resume records whose
 * approval in which run it relies on; a rejected point, and one requested
 * but never decided, are asked again; show and report of the resume name
 * who approved.
 */
import { writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { both, removeTempDirs, runGolive, tempDir } from './helpers.js';
import { readJournal, startGolive } from './process-helpers.js';

afterAll(() => removeTempDirs());

const osUser = userInfo().username;

/** The environment and the migration need the DBA (this OS user); the migration fails until ok.txt exists. */
function runbookIn(dir: string): string {
  const path = join(dir, 'carry.yaml');
  writeFileSync(
    path,
    `golive: 1
name: carry
team:
  dba: { name: Li Wei, user: ${osUser} }
environments:
  uat: { approvers: [dba] }
steps:
  - id: backup
    run: echo backup
  - id: migrate
    title: Migrate the database
    approvers: [dba]
    run: test -f ok.txt && echo migrated
`,
  );
  return path;
}

const idOf = (stdout: string): string => {
  const match = /run ([0-9A-Z]{26})/.exec(stdout);
  if (!match) throw new Error(`no run id in ${stdout}`);
  return match[1];
};

/** Start a run or resume and answer its two approval points as the test says. */
async function answered(dir: string, args: string[], answers: Array<[point: string, verb: 'approve' | 'reject']>) {
  const live = startGolive(args, { cwd: dir, timeoutMs: 60_000 });
  for (const [point, verb] of answers) {
    const hint = new RegExp(`golive approve (\\S+) ${point}`);
    await live.waitForOutput(hint);
    // The waiting run's own id (a resume first names the run it continues).
    const runId = hint.exec(live.stdout())![1];
    const answer = await runGolive([verb, runId, point, ...(verb === 'reject' ? ['--reason', 'not now'] : [])], { cwd: dir });
    expect(answer.code, both(answer)).toBe(0);
  }
  return live;
}

describe('approvals across resume', () => {
  it('a resume relies on the approvals the earlier run gave and does not ask again', async () => {
    const dir = tempDir('golive-e2e-carry-');
    const runbook = runbookIn(dir);
    const first = await answered(
      dir,
      ['run', runbook, '--env', 'uat'],
      [
        ['uat', 'approve'],
        ['migrate', 'approve'],
      ],
    );
    const failed = await first.exited;
    expect(failed.code, failed.stdout + failed.stderr).toBe(3);
    const firstId = idOf(failed.stdout);

    writeFileSync(join(dir, 'ok.txt'), 'ok\n');
    const resumed = await runGolive(['resume'], { cwd: dir, timeoutMs: 30_000 });
    expect(resumed.code, both(resumed)).toBe(0);
    expect(resumed.stdout).toContain(`approved earlier, not asked again unless four eyes rule out who resumes: uat (run ${firstId}), migrate (run ${firstId})`);
    expect(resumed.stdout).toContain(`uat approved by Li Wei (dba, ${osUser}) in run ${firstId} (carried over: not asked again)`);
    expect(resumed.stdout).toContain(`migrate approved by Li Wei (dba, ${osUser}) in run ${firstId} (carried over: not asked again)`);
    expect(resumed.stdout).not.toContain('waiting for');

    const db = join(dir, '.golive', 'golive.db');
    const [, resume] = readJournal(db);
    expect(resume.mode).toBe('resume');
    expect(resume.events.some((e) => e.kind === 'approval.requested')).toBe(false);
    const carried = resume.events.filter((e) => e.kind === 'approval.carried').map((e) => e.data);
    expect(carried.map((c) => [c.pointId, c.fromRunId])).toEqual([
      ['uat', firstId],
      ['migrate', firstId],
    ]);
    expect(carried[1].approvedBy).toMatchObject([{ identity: { user: osUser, kind: 'os-user' }, person: { role: 'dba', name: 'Li Wei' }, via: 'command' }]);
    expect(resume.events.find((e) => e.kind === 'decision' && e.data.subjectId === 'migrate')?.data).toMatchObject({
      choice: 'approved',
      via: 'approval',
      reason: `Migrate the database: approved in run ${firstId}, carried over to this resume`,
    });
    // The step ran only after the resume recorded whose approval it relies on.
    const index = (pred: (e: (typeof resume.events)[number]) => boolean) => resume.events.findIndex(pred);
    expect(index((e) => e.kind === 'step.started' && e.data.stepId === 'migrate')).toBeGreaterThan(
      index((e) => e.kind === 'approval.carried' && e.data.pointId === 'migrate'),
    );

    const show = await runGolive(['show', resume.id], { cwd: dir });
    expect(show.stdout).toMatch(
      new RegExp(`migrate: approved by Li Wei \\(dba, OS user ${osUser}\\) \\(carried over from run ${firstId}: golive approve on \\S+\\)`),
    );
    const md = await runGolive(['report', resume.id], { cwd: dir });
    expect(md.stdout).toMatch(
      new RegExp(`\\| \`migrate\` \\| approved \\| Li Wei \\(dba, OS user ${osUser}\\) \\| carried over from run ${firstId}: golive approve on`),
    );
    const json = JSON.parse((await runGolive(['report', resume.id, '--format', 'json'], { cwd: dir })).stdout);
    expect(json.approvals.map((a: { pointId: string; carriedFrom: string }) => [a.pointId, a.carriedFrom])).toEqual([
      ['uat', firstId],
      ['migrate', firstId],
    ]);
    const verify = await runGolive(['audit', 'verify'], { cwd: dir });
    expect(verify.code, both(verify)).toBe(0);
  }, 90_000);

  it('asks again for a rejected point and for one requested but never decided; the approval carries over from the run that gave it', async () => {
    const dir = tempDir('golive-e2e-carry-again-');
    const runbook = runbookIn(dir);
    writeFileSync(join(dir, 'ok.txt'), 'ok\n');
    const first = await answered(
      dir,
      ['run', runbook, '--env', 'uat'],
      [
        ['uat', 'approve'],
        ['migrate', 'reject'],
      ],
    );
    const rejected = await first.exited;
    expect(rejected.code, rejected.stdout + rejected.stderr).toBe(3);
    const firstId = idOf(rejected.stdout);

    // The rejection ended that run: resuming is a new decision, so the DBA is asked again. Ctrl-C while waiting.
    const second = startGolive(['resume'], { cwd: dir, timeoutMs: 60_000 });
    await second.waitForOutput(/waiting for Li Wei \(dba\) to approve Migrate the database/);
    expect(second.stdout()).toContain(`uat approved by Li Wei (dba, ${osUser}) in run ${firstId} (carried over: not asked again)`);
    second.child.kill('SIGINT');
    expect((await second.exited).code).toBe(130);

    // Requested and never decided: asked again; the environment's approval still comes from the first run.
    const third = await answered(dir, ['resume'], [['migrate', 'approve']]);
    const done = await third.exited;
    expect(done.code, done.stdout + done.stderr).toBe(0);
    expect(done.stdout).toContain(`uat approved by Li Wei (dba, ${osUser}) in run ${firstId} (carried over: not asked again)`);

    const [, interrupted, last] = readJournal(join(dir, '.golive', 'golive.db'));
    expect(interrupted.events.filter((e) => e.kind === 'approval.requested').map((e) => e.data.pointId)).toEqual(['migrate']);
    expect(last.events.filter((e) => e.kind === 'approval.requested').map((e) => e.data.pointId)).toEqual(['migrate']);
    expect(last.events.filter((e) => e.kind === 'approval.carried').map((e) => [e.data.pointId, e.data.fromRunId])).toEqual([['uat', firstId]]);
  }, 120_000);
});
