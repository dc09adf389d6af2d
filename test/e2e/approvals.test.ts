/**
 * Approvals through the built binary on a SQLite journal: a run waits at a
 * step named people must approve; `golive approve` / `reject` from another
 * process (same machine, OS user identity) decide it; every refused attempt
 * (a point the run does not wait at, a second approval, a finished run, a
 * forbidden self-approval, someone who is not an approver) is exit 2 and is
 * recorded; status, history, show and report say who is asked and who
 * answered; the journal verifies.
 */
import { writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { both, removeTempDirs, runGolive, tempDir } from './helpers.js';
import { readJournal, startGolive } from './process-helpers.js';

afterAll(() => removeTempDirs());

const osUser = userInfo().username;

/** A runbook whose DBA is this OS user, and whose lead is someone who is not on this machine. */
function runbookIn(dir: string, migrate: string): string {
  const path = join(dir, 'approvals.yaml');
  writeFileSync(
    path,
    `golive: 1
name: approvals
version: 2.4.0
team:
  dba: { name: Li Wei, user: ${osUser} }
  lead: { name: Ana Ruiz, user: not-${osUser} }
environments:
  uat: {}
  production: { protected: true }
steps:
  - id: backup
    run: echo backup
  - id: migrate
    title: Migrate the database
${migrate}
    run: echo migrated > migrated.txt
`,
  );
  return path;
}

const idOf = (stdout: string): string => {
  const match = /run ([0-9A-Z]{26})/.exec(stdout);
  if (!match) throw new Error(`no run id in ${stdout}`);
  return match[1];
};

describe('approvals on the SQLite journal', () => {
  it('waits for the approver, who approves from another process; refusals are exit 2 and recorded', async () => {
    const dir = tempDir('golive-e2e-approve-');
    const runbook = runbookIn(dir, '    approvers: [dba]');
    const live = startGolive(['run', runbook, '--env', 'uat'], { cwd: dir, timeoutMs: 60_000 });
    await live.waitForOutput(/waiting for Li Wei \(dba\) to approve Migrate the database/);
    const runId = idOf(live.stdout());
    expect(live.stdout()).toContain(`golive approve ${runId} migrate`);

    const status = await runGolive(['status'], { cwd: dir });
    expect(status.code, both(status)).toBe(0);
    expect(status.stdout).toMatch(/Status: Blocked — waiting for Li Wei \(dba\) to approve Migrate the database \(migrate\) since \d\d:\d\d/);
    const history = await runGolive(['history'], { cwd: dir });
    expect(history.stdout).toContain(`${runId}: Blocked, waiting for Li Wei (dba) to approve Migrate the database (migrate) since`);
    const showLive = await runGolive(['show', runId], { cwd: dir });
    expect(showLive.stdout).toContain('Blocked: waiting for Li Wei (dba) to approve Migrate the database (migrate)');

    const elsewhere = tempDir('golive-e2e-approver-');
    const db = join(dir, '.golive', 'golive.db');
    const wrongPoint = await runGolive(['approve', runId, 'backup', '--db', db], { cwd: elsewhere });
    expect(wrongPoint.code, both(wrongPoint)).toBe(2);
    expect(wrongPoint.stderr).toContain(`approval refused: run ${runId} is not waiting at backup: it waits at migrate`);

    const approved = await runGolive(['approve', runId.slice(0, 12), 'migrate', '--db', db, '--comment', 'backup checked', '--operator', 'Li'], {
      cwd: elsewhere,
    });
    expect(approved.code, both(approved)).toBe(0);
    expect(approved.stdout).toBe(`approved migrate of run ${runId} as Li Wei (dba, user ${osUser}): the run proceeds\n`);
    const again = await runGolive(['approve', runId, 'migrate', '--db', db], { cwd: elsewhere });
    expect(again.code, both(again)).toBe(2);
    // Refused whichever way the race with the run went: counted already, decided, or the run ended.
    expect(again.stderr).toMatch(
      new RegExp(
        `approval refused: (${osUser} already approved migrate|run ${runId} is not waiting at migrate|run ${runId} is not waiting for anyone: it ended succeeded|migrate is already approved)`,
      ),
    );

    const ended = await live.exited;
    expect(ended.code, ended.stdout + ended.stderr).toBe(0);
    expect(ended.stdout).toContain(`confirm migrate: approved — Migrate the database (Li Wei (dba, ${osUser}, as "Li"), approval)`);
    const late = await runGolive(['approve', runId, 'migrate'], { cwd: dir });
    expect(late.code, both(late)).toBe(2);
    expect(late.stderr).toContain(`run ${runId} is not waiting for anyone: it ended succeeded`);

    const [run] = readJournal(db);
    const answers = run.events.filter((e) => e.kind === 'approval').map((e) => e.data);
    expect(answers.map((a) => a.verdict)).toEqual(['refused', 'accepted', 'refused', 'refused']);
    expect(answers[1]).toMatchObject({
      identity: { user: osUser, kind: 'os-user' },
      by: 'Li',
      person: { role: 'dba', name: 'Li Wei' },
      comment: 'backup checked',
    });
    // The step ran only after the approval was recorded.
    const kinds = run.events.map((e) => `${e.kind}${e.data.stepId ? ` ${e.data.stepId}` : ''}`);
    expect(kinds.indexOf('step.started migrate')).toBeGreaterThan(run.events.findIndex((e) => e.kind === 'approval' && e.data.verdict === 'accepted'));

    const show = await runGolive(['show', runId], { cwd: dir });
    expect(show.stdout).toMatch(
      new RegExp(`migrate: approved by Li Wei \\(dba, OS user ${osUser}, as "Li"\\) \\(golive approve on \\S+\\)\\n\\s+backup checked`),
    );
    expect(show.stdout).toContain('backup: refused approval by');
    const md = await runGolive(['report', runId], { cwd: dir });
    expect(md.stdout).toContain('## Approvals');
    expect(md.stdout).toMatch(new RegExp(`\\| \`migrate\` \\| approved \\| Li Wei \\(dba, OS user ${osUser}, as "Li"\\) \\|`));
    const html = await runGolive(['report', runId, '--format', 'html'], { cwd: dir });
    expect(html.stdout).toContain('<h2>Approvals</h2>');
    expect(html.stdout).toContain(`Li Wei (dba, OS user ${osUser}, as &quot;Li&quot;)`);
    const json = JSON.parse((await runGolive(['report', runId, '--format', 'json'], { cwd: dir })).stdout);
    expect(json.approvals[1]).toMatchObject({ pointId: 'migrate', verdict: 'accepted', identity: { user: osUser }, by: 'Li', comment: 'backup checked' });
    const junit = await runGolive(['report', runId, '--format', 'junit'], { cwd: dir });
    expect(junit.stdout).toContain(`name="golive.approval.2" value="`);
    expect(junit.stdout).toContain(`migrate · approved · Li Wei (dba, OS user ${osUser}, as &quot;Li&quot;)`);
    const verify = await runGolive(['audit', 'verify'], { cwd: dir });
    expect(verify.code, both(verify)).toBe(0);
  }, 60_000);

  it('takes the failure policy on a rejection, showing who rejected and why', async () => {
    const dir = tempDir('golive-e2e-reject-');
    const runbook = runbookIn(dir, '    approvers: [dba]');
    const live = startGolive(['run', runbook, '--env', 'uat'], { cwd: dir, timeoutMs: 60_000 });
    await live.waitForOutput(/waiting for Li Wei \(dba\) to approve/);
    const runId = idOf(live.stdout());
    const noReason = await runGolive(['reject', runId, 'migrate'], { cwd: dir });
    expect(noReason.code, both(noReason)).toBe(2);
    expect(noReason.stderr).toContain('golive reject needs --reason');
    const rejected = await runGolive(['reject', runId, 'migrate', '--reason', 'the backup is from yesterday'], { cwd: dir });
    expect(rejected.code, both(rejected)).toBe(0);
    expect(rejected.stdout).toContain('rejected migrate of run');
    const ended = await live.exited;
    // Without a terminal the failure policy is abort: exit 3, resumable.
    expect(ended.code, ended.stdout + ended.stderr).toBe(3);
    expect(ended.stdout + ended.stderr).toContain(`rejected by Li Wei (dba, ${osUser}): the backup is from yesterday`);
    const report = await runGolive(['report', runId], { cwd: dir });
    expect(report.stdout).toMatch(/\| `migrate` \| rejected \| Li Wei .*\| the backup is from yesterday \|/);
  }, 60_000);

  it('refuses a self-approval where four eyes apply, and someone who is not an approver; the timeout then applies the failure policy', async () => {
    const dir = tempDir('golive-e2e-four-eyes-');
    const runbook = runbookIn(dir, '    approvers: [dba, lead]\n    approval_timeout: 4s');
    const flagged = await runGolive(['run', runbook, '--env', 'production', '--yes', '--approve', 'migrate'], { cwd: dir });
    expect(flagged.code, both(flagged)).toBe(2);
    expect(flagged.stderr).toContain('--approve migrate: migrate must be approved by Li Wei (dba) or Ana Ruiz (lead), not on the command line');

    const live = startGolive(['run', runbook, '--env', 'production', '--yes'], { cwd: dir, timeoutMs: 60_000 });
    await live.waitForOutput(/waiting for Li Wei \(dba\) or Ana Ruiz \(lead\) to approve/);
    const runId = idOf(live.stdout());
    const status = await runGolive(['status', runId], { cwd: dir });
    // The runner is not asked: only Ana Ruiz can approve their run.
    expect(status.stdout).toContain('Status: Blocked — waiting for Ana Ruiz (lead) to approve Migrate the database (migrate)');
    const self = await runGolive(['approve', runId, 'migrate'], { cwd: dir });
    expect(self.code, both(self)).toBe(2);
    expect(self.stderr).toContain(
      `approval refused: ${osUser} started this run and migrate needs four eyes (self_approval is false): Ana Ruiz (lead) must approve it`,
    );

    const ended = await live.exited;
    expect(ended.code, ended.stdout + ended.stderr).toBe(3);
    expect(ended.stdout).toContain('no approval of migrate by Li Wei (dba) or Ana Ruiz (lead) within 4.0s (approval_timeout)');
    // The run refused for --approve recorded nothing: the journal holds the one that waited.
    const runs = readJournal(join(dir, '.golive', 'golive.db'));
    expect(runs).toHaveLength(1);
    const [run] = runs;
    expect(run.events.filter((e) => e.kind === 'approval').map((e) => [e.data.verdict, e.data.identity.user])).toEqual([['refused', osUser]]);
    expect(run.events.some((e) => e.kind === 'step.started' && e.data.stepId === 'migrate')).toBe(false);
  }, 60_000);

  it('refuses an approval by someone who is not an approver', async () => {
    const dir = tempDir('golive-e2e-not-approver-');
    const runbook = runbookIn(dir, '    approvers: [lead]\n    approval_timeout: 3s');
    const live = startGolive(['run', runbook, '--env', 'uat'], { cwd: dir, timeoutMs: 60_000 });
    await live.waitForOutput(/waiting for Ana Ruiz \(lead\) to approve/);
    const runId = idOf(live.stdout());
    const stranger = await runGolive(['approve', runId, 'migrate'], { cwd: dir });
    expect(stranger.code, both(stranger)).toBe(2);
    expect(stranger.stderr).toContain(`approval refused: ${osUser} is not an approver of migrate: it must be approved by Ana Ruiz (lead)`);
    expect((await live.exited).code).toBe(3);
  }, 60_000);
  it('Ctrl-C while waiting is an interruption: exit 130, recorded, resumable', async () => {
    const dir = tempDir('golive-e2e-approval-sigint-');
    const runbook = runbookIn(dir, '    approvers: [lead]');
    const live = startGolive(['run', runbook, '--env', 'uat'], { cwd: dir, timeoutMs: 60_000 });
    await live.waitForOutput(/waiting for Ana Ruiz \(lead\) to approve/);
    live.child.kill('SIGINT');
    const ended = await live.exited;
    expect(ended.code, ended.stdout + ended.stderr).toBe(130);
    expect(ended.stderr).toContain('golive resume');
    const [run] = readJournal(join(dir, '.golive', 'golive.db'));
    expect(run).toMatchObject({ outcome: 'interrupted', exit_code: 130 });
    expect(run.events.some((e) => e.kind === 'step.started' && e.data.stepId === 'migrate')).toBe(false);
  }, 60_000);
});
