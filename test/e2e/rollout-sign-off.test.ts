/**
 * A rollout's sign-off by a named approver, over two real sshd hosts with
 * waves [1, 100%]: the built binary waits after wave 1 at the point
 * `<rollout>.wave-1` (`--yes` does not answer it), `golive approve` from
 * another process lets wave 2 start, and `show` names who signed off.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { both, removeTempDirs, runGolive, tempDir } from './helpers.js';
import { readJournal, startGolive } from './process-helpers.js';
import { type SshFleet, startSshFleet } from './sshd-server.js';

let fleet: SshFleet;

beforeAll(async () => {
  fleet = await startSshFleet(2, { namePrefix: 'web' });
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
  removeTempDirs();
});

const osUser = userInfo().username;

function runbookIn(dir: string, state: string): string {
  const hosts = fleet.hosts.map((h) => `    - { name: ${h.name}, host: ${h.host}, port: ${h.port}, user: ${h.user} }`).join('\n');
  const file = join(dir, 'rollout.yaml');
  writeFileSync(
    file,
    `golive: 1
name: signed-rollout
on_failure: abort
vars:
  state: ${state}
team:
  site-owner: { name: Kim Lee, user: ${osUser} }
targets:
  web:
${hosts}
steps:
  - id: web-rollout
    rollout:
      on: web
      waves: [1, 100%]
      sign_off:
        owner: site-owner
        confirm: "Wave {{ wave.number }} healthy?"
        approvers: [site-owner]
      steps:
        - id: deploy
          run: touch {{ vars.state }}/deployed-{{ target.name }}
`,
  );
  return file;
}

describe('a rollout signed off by a named approver, two sshd hosts, waves [1, 100%]', () => {
  it('waits after wave 1 until `golive approve <run> web-rollout.wave-1` from another process; show names the approver', async () => {
    const dir = tempDir('golive-e2e-sign-off-');
    const state = join(dir, 'state');
    mkdirSync(state);
    const file = runbookIn(dir, state);
    const db = join(dir, 'golive.db');
    const plan = await runGolive(['plan', file], { cwd: dir });
    expect(plan.code, both(plan)).toBe(0);
    expect(plan.stdout).toContain(`then web-rollout.wave-1: 1 of Kim Lee (site-owner, user ${osUser}) (\`golive approve <run-id> web-rollout.wave-1\`)`);
    expect(plan.stdout).not.toContain('web-rollout.wave-2');
    const live = startGolive(['run', file, '--db', db, '--yes'], { cwd: dir, env: fleet.env, timeoutMs: 90_000 });
    await live.waitForOutput(/waiting for Kim Lee \(site-owner\) to approve web-rollout: Wave 1 healthy\?/, 60_000);
    await live.waitForOutput((out, err) => (out + err).includes('--yes and --approve answer only confirmations without approvers'));
    const runId = /run ([0-9A-Z]{26})/.exec(live.stdout())?.[1] ?? '';
    expect(live.stdout()).toContain(`golive approve ${runId} web-rollout.wave-1`);
    expect(existsSync(join(state, 'deployed-web1'))).toBe(true);
    expect(existsSync(join(state, 'deployed-web2'))).toBe(false);

    const status = await runGolive(['status', '--db', db], { cwd: dir });
    expect(status.stdout, both(status)).toMatch(
      /Status: Blocked — waiting for Kim Lee \(site-owner\) to approve web-rollout: Wave 1 healthy\? \(web-rollout\.wave-1\)/,
    );

    const elsewhere = tempDir('golive-e2e-sign-off-approver-');
    const approved = await runGolive(['approve', runId, 'web-rollout.wave-1', '--db', db, '--comment', 'canary clean'], { cwd: elsewhere });
    expect(approved.code, both(approved)).toBe(0);
    expect(approved.stdout).toBe(`approved web-rollout.wave-1 of run ${runId} as Kim Lee (site-owner, user ${osUser}): the run proceeds\n`);

    const ended = await live.exited;
    expect(ended.code, ended.stdout + ended.stderr).toBe(0);
    expect(existsSync(join(state, 'deployed-web2'))).toBe(true);

    // Wave 2 started only after the sign-off was decided.
    const [run] = readJournal(db);
    const kinds = run.events.map((e) => `${e.kind}${e.data.wave ? ` ${e.data.wave}` : ''}${e.data.subject ? ` ${e.data.subject}` : ''}`);
    expect(kinds.indexOf('wave.started 2')).toBeGreaterThan(kinds.indexOf('decision sign-off'));
    expect(run.events.find((e) => e.kind === 'decision' && e.data.subject === 'sign-off')?.data).toMatchObject({
      subjectId: 'web-rollout.wave-1',
      choice: 'approved',
      via: 'approval',
    });

    const show = await runGolive(['show', runId, '--db', db], { cwd: dir });
    expect(show.stdout, both(show)).toMatch(new RegExp(`web-rollout\\.wave-1: approved by Kim Lee \\(site-owner, OS user ${osUser}\\)`));
    const verify = await runGolive(['audit', 'verify', '--db', db], { cwd: dir });
    expect(verify.code, both(verify)).toBe(0);
  }, 120_000);
});
