/**
 * Rollouts over real OpenSSH servers: five local sshd "hosts", waves
 * [1, 2, 100%]. Every host is 127.0.0.1 and remote commands run as the test's
 * own user, so what a remote command wrote under the test's state directory
 * (one directory per host) is read here directly: it shows what ran where.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { both, removeTempDirs, runGolive, tempDir } from './helpers.js';
import { isAlive, jsonEvents, killAll, startGolive, waitUntil } from './process-helpers.js';
import { type SshFleet, startSshFleet } from './sshd-server.js';

let fleet: SshFleet;

beforeAll(async () => {
  fleet = await startSshFleet(5, { namePrefix: 'web' });
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
  removeTempDirs();
});

interface Scenario {
  maxFailures?: number;
  onFailure?: string;
  /** Extra shell run by the health step before it checks (e.g. a wait). */
  beforeHealth?: string;
  hosts?: number;
  waves?: string;
  timeout?: string;
  steps?: string;
}

/** A runbook rolling out to the fleet, writing what ran on each host under `state/<host>/`. */
function rolloutRunbook(state: string, scenario: Scenario = {}): string {
  const hosts = fleet.hosts
    .slice(0, scenario.hosts ?? 5)
    .map((h) => `    - { name: ${h.name}, host: ${h.host}, port: ${h.port}, user: ${h.user} }`)
    .join('\n');
  const steps =
    scenario.steps ??
    `        - id: deploy
          run: |
            mkdir -p {{ vars.state }}/{{ target.name }}
            echo "wave {{ wave.number }} on $(hostname) as $GOLIVE_TARGET" > {{ vars.state }}/{{ target.name }}/deployed
            echo previous=v1-{{ target.name }} >> "$GOLIVE_OUTPUT"
          rollback: |
            echo {{ steps.deploy.outputs.previous }} > {{ vars.state }}/{{ target.name }}/deploy-undone
            echo "{{ target.name }} deploy" >> {{ vars.state }}/undo-order
        - id: health
          run: |
            ${scenario.beforeHealth ?? 'true'}
            test ! -e {{ vars.state }}/fail-{{ target.name }}
          rollback: |
            touch {{ vars.state }}/{{ target.name }}/health-undone
            echo "{{ target.name }} health" >> {{ vars.state }}/undo-order`;
  return `golive: 1
name: web-rollout-e2e
on_failure: ${scenario.onFailure ?? 'rollback'}
vars:
  state: ${state}
targets:
  web:
${hosts}
steps:
  - id: web-rollout
    rollout:
      on: web
      waves: ${scenario.waves ?? '[1, 2, 100%]'}
      max_failures: ${scenario.maxFailures ?? 0}
      steps:
${steps}
`;
}

/** A fresh state directory and runbook file; returns their paths and the golive arguments after the command. */
function setUp(scenario: Scenario = {}) {
  const dir = tempDir('golive-rollout-');
  const state = join(dir, 'state');
  mkdirSync(state);
  const file = join(dir, 'rollout.yaml');
  writeFileSync(file, rolloutRunbook(state, scenario));
  const db = join(dir, 'golive.db');
  const ran = (host: string, what: string) => existsSync(join(state, host, what));
  const undoOrder = () => (existsSync(join(state, 'undo-order')) ? readFileSync(join(state, 'undo-order'), 'utf8').trim().split('\n') : []);
  return { dir, state, file, db, ran, undoOrder };
}

const golive = (args: string[], cwd: string, timeoutMs = 60_000) => runGolive(args, { cwd, env: fleet.env, timeoutMs });

describe('a rollout over five sshd hosts, waves [1, 2, 100%]', () => {
  it('all succeed: every host deployed in its wave, through ssh, with per-host outputs in the journal', async () => {
    const t = setUp();
    const result = await golive(['run', t.file, '--db', t.db, '--json'], t.dir);
    expect(result.code, both(result)).toBe(0);
    for (const [i, host] of ['web1', 'web2', 'web3', 'web4', 'web5'].entries()) {
      const wave = i === 0 ? 1 : i < 3 ? 2 : 3;
      expect(readFileSync(join(t.state, host, 'deployed'), 'utf8')).toMatch(new RegExp(`^wave ${wave} on .* as ${host}\\n$`));
    }
    const events = jsonEvents(result.stdout);
    expect(events.filter((e) => e.kind === 'wave.started').map((e) => e.targets)).toEqual([['web1'], ['web2', 'web3'], ['web4', 'web5']]);
    expect(events.filter((e) => e.kind === 'target.finished').every((e) => e.outcome === 'succeeded')).toBe(true);
    const finished = events.filter((e) => e.kind === 'step.finished' && e.stepId === 'deploy');
    expect(finished.map((e) => [e.target, e.outputs.previous]).sort()).toEqual([1, 2, 3, 4, 5].map((n) => [`web${n}`, `v1-web${n}`]));

    const status = await golive(['status', '--db', t.db], t.dir);
    expect(status.stdout, both(status)).toContain('web-rollout: wave 3 of 3, 5 of 5 hosts done');
    const runId = jsonEvents(result.stdout)[0].runId as string;
    const show = await golive(['show', runId, '--db', t.db], t.dir);
    expect(show.stdout, both(show)).toContain('deploy@web4');
    for (const format of ['md', 'html', 'json', 'junit']) {
      const report = await golive(['report', runId, '--format', format, '--db', t.db], t.dir);
      expect(report.code, both(report)).toBe(0);
      expect(report.stdout, format).toContain('health@web5');
    }
    const html = await golive(['report', runId, '--format', 'html', '--db', t.db], t.dir);
    expect(html.stdout).toContain('web-rollout wave 2');

    // golive rollback in a new process undoes every host, host by host in reverse wave order, each host's steps in reverse.
    const back = await golive(['rollback', '--db', t.db, '--yes'], t.dir);
    expect(back.code, both(back)).toBe(0);
    const order = t.undoOrder();
    expect(order).toHaveLength(10);
    const hostsInOrder = order.filter((_, i) => i % 2 === 0).map((line) => line.split(' ')[0]);
    for (let i = 0; i < order.length; i += 2) expect([order[i].split(' ')[1], order[i + 1]]).toEqual(['health', `${order[i].split(' ')[0]} deploy`]);
    expect(new Set(hostsInOrder.slice(0, 2))).toEqual(new Set(['web4', 'web5']));
    expect(new Set(hostsInOrder.slice(2, 4))).toEqual(new Set(['web2', 'web3']));
    expect(hostsInOrder[4]).toBe('web1');
    expect(readFileSync(join(t.state, 'web4', 'deploy-undone'), 'utf8')).toBe('v1-web4\n');
  }, 120_000);

  it('host 3 fails with max_failures 0: the rollout stops after its wave; the failed and completed hosts are rolled back; later waves never touched', async () => {
    const t = setUp();
    writeFileSync(join(t.state, 'fail-web3'), '');
    const result = await golive(['run', t.file, '--db', t.db], t.dir);
    expect(result.code, both(result)).toBe(1);
    expect(result.stdout + result.stderr).toContain('web3: health');
    for (const host of ['web1', 'web2', 'web3']) expect(t.ran(host, 'deploy-undone'), host).toBe(true);
    expect(t.ran('web3', 'health-undone')).toBe(true);
    for (const host of ['web4', 'web5']) expect(existsSync(join(t.state, host)), host).toBe(false);
    // The failed host first (its failed step first), then host by host.
    expect(t.undoOrder()[0]).toBe('web3 health');
    expect(t.undoOrder().at(-1)).toBe('web1 deploy');
  }, 120_000);

  it('with max_failures 1 the rollout completes, the failed host rolled back on its own and recorded', async () => {
    const t = setUp({ maxFailures: 1 });
    writeFileSync(join(t.state, 'fail-web3'), '');
    const result = await golive(['run', t.file, '--db', t.db, '--json'], t.dir);
    expect(result.code, both(result)).toBe(0);
    expect(t.undoOrder()).toEqual(['web3 health', 'web3 deploy']);
    for (const host of ['web1', 'web2', 'web4', 'web5']) expect(t.ran(host, 'deployed') && !t.ran(host, 'deploy-undone'), host).toBe(true);
    const finished = jsonEvents(result.stdout).find((e) => e.kind === 'run.finished');
    expect(finished?.outcome).toBe('succeeded-with-issues');
    const outcomes = Object.fromEntries(
      jsonEvents(result.stdout)
        .filter((e) => e.kind === 'target.finished')
        .map((e) => [e.target, e.outcome]),
    );
    expect(outcomes).toEqual({ web1: 'succeeded', web2: 'succeeded', web3: 'rolled-back', web4: 'succeeded', web5: 'succeeded' });
    const status = await golive(['status', '--db', t.db], t.dir);
    expect(status.stdout, both(status)).toContain('4 of 5 hosts done, 1 failed (web3: health)');
  }, 120_000);

  it('a timeout on a remote `sleep 300` leaves no process on the remote side', async () => {
    const t = setUp({
      hosts: 1,
      waves: '[100%]',
      steps: `        - id: hang
          timeout: 2s
          run: |
            mkdir -p {{ vars.state }}/{{ target.name }}
            echo $$ > {{ vars.state }}/{{ target.name }}/shell.pid
            sleep 300 &
            echo $! > {{ vars.state }}/{{ target.name }}/sleep.pid
            wait`,
    });
    const started = Date.now();
    const result = await golive(['run', t.file, '--db', t.db], t.dir);
    expect(result.code, both(result)).toBe(1);
    expect(result.stdout + result.stderr).toMatch(/timed out after 2s/);
    expect(Date.now() - started).toBeLessThan(60_000);
    const pids = ['shell.pid', 'sleep.pid'].map((f) => Number(readFileSync(join(t.state, 'web1', f), 'utf8')));
    await waitUntil(() => pids.every((pid) => !isAlive(pid)), 'the remote shell and its sleep to be gone', 10_000);
  }, 120_000);

  it('kill -9 of golive mid-wave, then resume finishes only what is left', async () => {
    const t = setUp({ beforeHealth: 'if [ {{ wave.number }} -ge 2 ]; then while [ ! -e {{ vars.state }}/go ]; do sleep 0.1; done; fi' });
    const live = startGolive(['run', t.file, '--db', t.db, '--json'], { cwd: t.dir, env: fleet.env, timeoutMs: 60_000 });
    try {
      await waitUntil(() => t.ran('web2', 'deployed') && t.ran('web3', 'deployed'), 'wave 2 to deploy on web2 and web3', 30_000);
      await live.waitForOutput((out) => (out.match(/"kind":"step\.spawned","phase":"step","stepId":"health"/g) ?? []).length >= 3, 30_000);
      // While it runs, status (another process) reads the rollout's progress from the journal.
      const status = await golive(['status', '--db', t.db], t.dir);
      expect(status.stdout, both(status)).toContain('web-rollout: wave 2 of 3, 1 of 5 hosts done');
      live.child.kill('SIGKILL');
      await live.exited;
    } finally {
      killAll([live.pid]);
    }
    // What golive left running (the ssh clients of wave 2's health): the operator's to stop; here the test does.
    const spawned = jsonEvents(live.stdout()).filter((e) => e.kind === 'step.spawned' && e.stepId === 'health' && e.target !== 'web1');
    killAll(spawned.map((e) => -e.pid));
    await waitUntil(() => spawned.every((e) => !isAlive(e.pid)), 'the ssh clients golive left behind to end', 10_000);
    writeFileSync(join(t.state, 'go'), '');
    for (const host of ['web1', 'web2', 'web3']) writeFileSync(join(t.state, host, 'deployed-before-resume'), '');

    const resumed = await golive(['resume', '--db', t.db, '--rerun-in-doubt', '--json'], t.dir);
    expect(resumed.code, both(resumed)).toBe(0);
    const events = jsonEvents(resumed.stdout);
    const started = events.filter((e) => e.kind === 'step.started' && e.phase === 'step').map((e) => `${e.stepId}@${e.target}`);
    // web1 is done and not touched; web2 and web3 only re-run their in-doubt health; wave 3 runs in full.
    expect(started.sort()).toEqual(['deploy@web4', 'deploy@web5', 'health@web2', 'health@web3', 'health@web4', 'health@web5']);
    expect(events.filter((e) => e.kind === 'wave.started').map((e) => e.targets)).toEqual([
      ['web2', 'web3'],
      ['web4', 'web5'],
    ]);
  }, 120_000);

  it('--dry-run --check-targets connects to every host and executes nothing; a host that refuses is named', async () => {
    const t = setUp();
    const ok = await golive(['run', t.file, '--db', t.db, '--dry-run', '--check-targets'], t.dir);
    expect(ok.code, both(ok)).toBe(0);
    expect(ok.stdout).toContain('wave 2: web2, web3');
    expect(existsSync(join(t.state, 'web1'))).toBe(false);
    const broken = rolloutRunbook(t.state).replace(`port: ${fleet.hosts[1].port}`, 'port: 1');
    writeFileSync(t.file, broken);
    const refused = await golive(['run', t.file, '--db', t.db, '--dry-run', '--check-targets'], t.dir);
    expect(refused.code, both(refused)).toBe(2);
    expect(refused.stdout + refused.stderr).toMatch(/could not connect to web2/);
  }, 120_000);
});

describe('misuse', () => {
  it('a relative GOLIVE_SSH_CONFIG and --check-targets without --dry-run are usage errors: nothing runs', async () => {
    const t = setUp();
    const relative = await runGolive(['run', t.file, '--db', t.db], { cwd: t.dir, env: { GOLIVE_SSH_CONFIG: 'ssh_config' } });
    expect(relative.code, both(relative)).toBe(2);
    expect(relative.stderr).toContain('GOLIVE_SSH_CONFIG must be an absolute path');
    const flag = await golive(['run', t.file, '--db', t.db, '--check-targets'], t.dir);
    expect(flag.code, both(flag)).toBe(2);
    expect(flag.stderr).toContain('add --dry-run');
    expect(existsSync(join(t.state, 'web1'))).toBe(false);
  });
});
