/**
 * The team on deployment day, on a real PostgreSQL server: two operators
 * (two processes with their own database roles and working directories)
 * start the same production deployment at once; exactly one proceeds, the
 * other exits 5. The run waits for the DBA: the runner's own approval is
 * refused (four eyes, exit 2, recorded), the DBA approves from another
 * process, and the run finishes. A third process sees Blocked, then On
 * Track, then the end; the journal verifies and the report names who
 * approved, as which database role.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestRole, usePostgresServer } from '../journal/postgres-server.js';
import { both, removeTempDirs, runGolive, tempDir } from './helpers.js';
import { startGolive, waitUntil } from './process-helpers.js';

afterAll(() => removeTempDirs());

const server = usePostgresServer();
const roles: Record<'ana' | 'sam' | 'liwei' | 'observer', TestRole> = {} as never;
let database: string;

beforeAll(async () => {
  for (const user of ['ana', 'sam', 'liwei', 'observer'] as const) roles[user] = await server.current.createRole(user);
  // The team's setup from the README: a group role owns the database, every person is a member.
  const admin = new pg.Client({ connectionString: server.current.url('postgres') });
  await admin.connect();
  try {
    await admin.query('CREATE ROLE deployers NOLOGIN');
    await admin.query('GRANT deployers TO ana, sam, liwei, observer');
  } finally {
    await admin.end();
  }
  database = await server.current.createDatabase({ user: 'deployers', password: '' });
});

const url = (who: keyof typeof roles) => server.current.url(database, roles[who]);

/** Production needs the DBA's (or another lead's) approval; the runner is never enough (four eyes). */
const RUNBOOK = `golive: 1
name: team-release
version: 3.1.0
team:
  lead: { name: Ana Ruiz, user: ana }
  devops: { name: Sam Okafor, user: sam }
  dba: { name: Li Wei, user: liwei }
environments:
  production:
    protected: true
    approvers: [dba, lead, devops]
vars:
  marks: /dev/null/pass--var-marks
  tag: none
steps:
  - id: deploy
    owner: devops
    run: |
      echo "deploy {{ vars.tag }}" >> "{{ vars.marks }}/ran"
      for i in $(seq 300); do [ -e "{{ vars.marks }}/release" ] && exit 0; sleep 0.05; done
      exit 1
    rollback: "true"
`;

describe('approvals by named people on a shared PostgreSQL journal', () => {
  it('two operators start at once; one waits for the DBA, whose approval from another process lets it finish', async () => {
    const marks = tempDir('golive-e2e-pg-approve-marks-');
    const runbook = join(tempDir('golive-e2e-pg-approve-runbook-'), 'release.yaml');
    writeFileSync(runbook, RUNBOOK);
    // Own working and machine-lock directories, as on two machines: only the journal's lock keeps them apart.
    const start = (who: 'ana' | 'sam') => {
      const cwd = tempDir(`golive-e2e-pg-${who}-`);
      mkdirSync(join(cwd, 'locks'));
      const args = ['run', runbook, '--env', 'production', '--yes', '--db', url(who), '--var', `marks=${marks}`, '--var', `tag=${who}`];
      return startGolive(args, { cwd, env: { GOLIVE_LOCK_DIR: join(cwd, 'locks') }, timeoutMs: 90_000 });
    };
    const runners = { ana: start('ana'), sam: start('sam') };
    // Whichever exits first, or whichever other one starts waiting, tells who lost (a waiter that exits never settles its race).
    const never = new Promise<never>(() => undefined);
    const loserName = await Promise.race([
      runners.ana.exited.then(() => 'ana' as const),
      runners.sam.exited.then(() => 'sam' as const),
      runners.ana
        .waitForOutput(/waiting for/, 30_000)
        .then(() => 'sam' as const)
        .catch(() => never),
      runners.sam
        .waitForOutput(/waiting for/, 30_000)
        .then(() => 'ana' as const)
        .catch(() => never),
    ]);
    const winnerName = loserName === 'ana' ? 'sam' : 'ana';
    const lost = await runners[loserName].exited;
    expect(lost.code, `${lost.stdout}\n${lost.stderr}`).toBe(5);
    expect(lost.stderr).toContain('runbook team-release in production is locked by run');
    const winner = runners[winnerName];
    await winner.waitForOutput(/waiting for .* to approve run of team-release 3\.1\.0 to production/);
    const runId = /run ([0-9A-Z]{26})/.exec(winner.stdout())![1];

    // A third process, elsewhere, as another role: Blocked, naming who is asked and since when.
    const observe = () => runGolive(['status', runId], { cwd: tempDir(), env: { GOLIVE_DB: url('observer') } });
    const blocked = await observe();
    expect(blocked.code, both(blocked)).toBe(0);
    expect(blocked.stdout).toMatch(
      /Status: Blocked — waiting for Li Wei \(dba\) or (Ana Ruiz \(lead\)|Sam Okafor \(devops\)) to approve run of team-release 3\.1\.0 to production \(production\) since \d\d:\d\d/,
    );
    const runnerPerson = winnerName === 'ana' ? 'Ana Ruiz (lead)' : 'Sam Okafor (devops)';
    // The runner is not asked: their own approval would not count.
    expect(blocked.stdout.split('\n').find((line) => line.startsWith('Status:'))).not.toContain(runnerPerson);

    // The runner's own approval: refused, recorded.
    const self = await runGolive(['approve', runId, 'production'], { cwd: tempDir(), env: { GOLIVE_DB: url(winnerName) } });
    expect(self.code, both(self)).toBe(2);
    expect(self.stderr).toContain(`approval refused: ${winnerName} started this run and production needs four eyes (self_approval is false)`);
    expect(existsSync(join(marks, 'ran'))).toBe(false);

    // The DBA approves from another process and directory, with a display name beside the role.
    const approved = await runGolive(['approve', runId, 'production', '--comment', 'backups verified', '--operator', 'Li (DBA on call)'], {
      cwd: tempDir(),
      env: { GOLIVE_DB: url('liwei') },
    });
    expect(approved.code, both(approved)).toBe(0);
    expect(approved.stdout).toBe(`approved production of run ${runId} as Li Wei (dba, role liwei): the run proceeds\n`);
    await waitUntil(() => existsSync(join(marks, 'ran')), 'the deployment to start after the approval', 5_000);
    const onTrack = await observe();
    expect(onTrack.stdout).toContain('Status: On Track');
    expect(onTrack.stdout).toContain('Current Activity: deploy (devops)');
    writeFileSync(join(marks, 'release'), '');
    const won = await winner.exited;
    expect(won.code, `${won.stdout}\n${won.stderr}`).toBe(0);
    expect(readFileSync(join(marks, 'ran'), 'utf8')).toBe(`deploy ${winnerName}\n`);
    const finished = await observe();
    expect(finished.stdout).toContain('Status: Succeeded');

    const verify = await runGolive(['audit', 'verify'], { cwd: tempDir(), env: { GOLIVE_DB: url('observer') } });
    expect(verify.code, both(verify)).toBe(0);
    const report = await runGolive(['report', runId], { cwd: tempDir(), env: { GOLIVE_DB: url('observer') } });
    expect(report.code, both(report)).toBe(0);
    expect(report.stdout).toContain('## Approvals');
    expect(report.stdout).toMatch(
      /\| `production` \| approved \| Li Wei \(dba, database role liwei, as "Li \(DBA on call\)"\) \| golive approve on \S+ \| backups verified \|/,
    );
    expect(report.stdout).toMatch(new RegExp(`\\| \`production\` \\| refused approval \\| \\S+ \\S+ \\((lead|devops), database role ${winnerName}\\) \\|`));
    const json = JSON.parse((await runGolive(['show', runId, '--json'], { cwd: tempDir(), env: { GOLIVE_DB: url('observer') } })).stdout);
    expect(json.approvals.map((a: { verdict: string; identity: { user: string } }) => [a.verdict, a.identity.user])).toEqual([
      ['refused', winnerName],
      ['accepted', 'liwei'],
    ]);
  }, 120_000);
});

/** Production needs one approver; the deployment fails until `fixed` is there, so the run is resumed. */
const HOTFIX = `golive: 1
name: team-hotfix
team:
  lead: { name: Ana Ruiz, user: ana }
  dba: { name: Li Wei, user: liwei }
environments:
  production:
    protected: true
    approvers: [dba, lead]
vars:
  marks: /dev/null/pass--var-marks
steps:
  - id: deploy
    run: test -f "{{ vars.marks }}/fixed"
    rollback: "true"
`;

describe('approvals across resume on a shared PostgreSQL journal', () => {
  /** Ana runs the hotfix, Li Wei approves production from another process, and the deployment fails (exit 3). */
  async function approvedThenFailed(marks: string, runbook: string): Promise<string> {
    const run = startGolive(['run', runbook, '--env', 'production', '--yes', '--db', url('ana'), '--var', `marks=${marks}`], {
      cwd: tempDir(),
      timeoutMs: 60_000,
    });
    await run.waitForOutput(/golive approve \S+ production/);
    const runId = /golive approve (\S+) production/.exec(run.stdout())![1];
    const approved = await runGolive(['approve', runId, 'production'], { cwd: tempDir(), env: { GOLIVE_DB: url('liwei') } });
    expect(approved.code, both(approved)).toBe(0);
    const failed = await run.exited;
    expect(failed.code, `${failed.stdout}\n${failed.stderr}`).toBe(3);
    return runId;
  }

  it('a resume by someone else relies on the approval given in the failed run', async () => {
    const marks = tempDir('golive-e2e-pg-carry-marks-');
    const runbook = join(tempDir('golive-e2e-pg-carry-'), 'hotfix.yaml');
    writeFileSync(runbook, HOTFIX);
    const runId = await approvedThenFailed(marks, runbook);
    writeFileSync(join(marks, 'fixed'), '');
    const resumed = await runGolive(['resume', runId, '--yes', '--db', url('sam')], { cwd: tempDir(), timeoutMs: 30_000 });
    expect(resumed.code, both(resumed)).toBe(0);
    expect(resumed.stdout).toContain(`production approved by Li Wei (dba, liwei) in run ${runId} (carried over: not asked again)`);
    expect(resumed.stdout).not.toContain('waiting for');
    const show = await runGolive(['show', '--json', /▶ resume ([0-9A-Z]{26}):/.exec(resumed.stdout)![1]], {
      cwd: tempDir(),
      env: { GOLIVE_DB: url('observer') },
    });
    expect(JSON.parse(show.stdout).approvals).toMatchObject([
      { pointId: 'production', identity: { user: 'liwei', kind: 'database-role' }, carriedFrom: runId },
    ]);
  }, 90_000);

  it('four eyes hold against whoever resumes: the approver who resumes does not count, and another approver is asked', async () => {
    const marks = tempDir('golive-e2e-pg-carry-self-marks-');
    const runbook = join(tempDir('golive-e2e-pg-carry-self-'), 'hotfix.yaml');
    writeFileSync(runbook, HOTFIX);
    const runId = await approvedThenFailed(marks, runbook);
    writeFileSync(join(marks, 'fixed'), '');
    const resume = startGolive(['resume', runId, '--yes', '--db', url('liwei')], { cwd: tempDir(), timeoutMs: 60_000 });
    await resume.waitForOutput(/waiting for Li Wei \(dba\) or Ana Ruiz \(lead\) to approve resume of team-hotfix/);
    expect(resume.stdout()).toContain(
      `the approval of production in run ${runId} does not count for this resume (liwei started this run and production needs four eyes (self_approval is false): Ana Ruiz (lead) must approve it): asked again`,
    );
    const resumeId = /golive approve (\S+) production/.exec(resume.stdout())![1];
    // Only Ana can approve Li Wei's resume: status names her alone.
    const status = await runGolive(['status', resumeId], { cwd: tempDir(), env: { GOLIVE_DB: url('observer') } });
    expect(status.stdout).toContain('Status: Blocked — waiting for Ana Ruiz (lead) to approve resume of team-hotfix to production (production)');
    const byAna = await runGolive(['approve', resumeId, 'production'], { cwd: tempDir(), env: { GOLIVE_DB: url('ana') } });
    expect(byAna.code, both(byAna)).toBe(0);
    const done = await resume.exited;
    expect(done.code, `${done.stdout}\n${done.stderr}`).toBe(0);
    const verify = await runGolive(['audit', 'verify'], { cwd: tempDir(), env: { GOLIVE_DB: url('observer') } });
    expect(verify.code, both(verify)).toBe(0);
  }, 90_000);
});
