/**
 * A deployment that goes to plan (checks, then steps, then smoke tests, each
 * recorded before it runs), and the step outputs (`$GOLIVE_OUTPUT`) that flow
 * into later steps, into a step's own validation and rollback, and through
 * the recorded events into a rollback run in a new process.
 */
import { describe, expect, it } from 'vitest';
import { foldRunChain } from '../../src/engine/run-state.js';
import { type HarnessOptions, harness, priorFrom } from './harness.js';

const RUNBOOK = `
golive: 1
name: webshop-release
version: 2.4.0
change: CHG-20481
vars:
  release: 2.4.0
checks:
  - id: disk
    run: ./check-disk.sh
steps:
  - id: backup
    run: ./backup.sh
    duration: 15m
    rollback: ./restore.sh
  - id: deploy
    run: ./deploy.sh {{ vars.release }}
    duration: 10m
    rollback: ./deploy.sh --previous
verify:
  - id: login
    run: ./smoke-login.sh
`;

describe('a successful run', () => {
  it('runs checks, then steps in order, then smoke tests, and exits 0', async () => {
    const h = harness(RUNBOOK);
    const result = await h.run();

    expect(result).toEqual({ outcome: 'succeeded', exitCode: 0, issues: [] });
    expect(h.runner.commands).toEqual(['./check-disk.sh', './backup.sh', './deploy.sh 2.4.0', './smoke-login.sh']);
    expect(h.log.kinds()).toEqual([
      'run.started',
      'step.started',
      'step.spawned',
      'step.finished',
      'check.finished',
      'decision',
      'step.started',
      'step.spawned',
      'step.finished',
      'step.state',
      'step.started',
      'step.spawned',
      'step.finished',
      'step.state',
      'step.started',
      'step.spawned',
      'step.finished',
      'verify.finished',
      'run.finished',
    ]);
    expect(h.log.ofKind('step.started').map((e) => `${e.phase}:${e.stepId}`)).toEqual(['check:disk', 'step:backup', 'step:deploy', 'verify:login']);
    expect(h.log.only('decision')).toMatchObject({ subject: 'go-no-go', choice: 'GO', via: 'policy', by: 'ana' });
    expect(h.log.only('verify.finished')).toMatchObject({ verifyId: 'login', severity: 'critical', passed: true });
    expect(h.log.statesOf('backup')).toEqual(['succeeded']);
    expect(h.log.statesOf('deploy')).toEqual(['succeeded']);
    expect(h.log.last()).toMatchObject({ kind: 'run.finished', outcome: 'succeeded', exitCode: 0, issues: [] });
  });

  it('describes the run in run.started', async () => {
    const h = harness(RUNBOOK);
    await h.run();
    expect(h.log.events[0]).toMatchObject({
      kind: 'run.started',
      mode: 'run',
      operator: 'ana',
      host: 'deploy-host',
      change: 'CHG-20481',
      runbook: { name: 'webshop-release', version: '2.4.0', path: '/srv/deploy/runbook.yaml', sha256: h.plan.source.sha256 },
      steps: ['backup', 'deploy'],
      expectedMs: 25 * 60_000,
      vars: { release: '2.4.0' },
    });
    expect(h.log.events[0]).not.toHaveProperty('parentRunId', expect.anything());
  });

  it('records the command as written, with its expected duration and attempt', async () => {
    const h = harness(RUNBOOK);
    h.runner.on('./deploy.sh 2.4.0', { output: 'deployed\n' });
    await h.run();
    const deploy = h.log.ofKind('step.started').find((e) => e.stepId === 'deploy');
    expect(deploy).toMatchObject({ phase: 'step', command: './deploy.sh 2.4.0', expectedMs: 10 * 60_000, attempt: 1, attempts: 1, title: 'deploy' });
    const finished = h.log.ofKind('step.finished').find((e) => e.stepId === 'deploy');
    expect(finished).toMatchObject({ status: 'passed', exitCode: 0, attempt: 1, logPath: '/srv/deploy/.golive/logs/run-2/deploy.log' });
    // A command that printed nothing has no log file to point at.
    expect(h.log.ofKind('step.finished').find((e) => e.stepId === 'backup')?.logPath).toBeUndefined();
  });

  it('hands the runner the rendered command, the runbook directory and the GOLIVE_* environment', async () => {
    const h = harness(RUNBOOK);
    await h.run();
    const deploy = h.runner.spawned.find((s) => s.command === './deploy.sh 2.4.0')!;
    expect(deploy.spec).toMatchObject({ shell: 'bash', cwd: '/srv/deploy', captureOutputs: true, killGraceMs: 5000 });
    expect(deploy.spec.env).toMatchObject({ release: '2.4.0', GOLIVE_RUN_ID: 'run-2', GOLIVE_STEP_ID: 'deploy' });
  });

  it('records step.started (and has it acknowledged) before the runner starts that step', async () => {
    // An asynchronous journal: the acknowledgement comes a macrotask later.
    const h = harness(RUNBOOK, { sink: { async: true } });
    await h.run();
    for (const [stepId, command] of [
      ['backup', './backup.sh'],
      ['deploy', './deploy.sh 2.4.0'],
    ]) {
      const recorded = h.timeline.indexOf(`recorded step.started ${stepId}`);
      const spawned = h.timeline.indexOf(`spawn ${command}`);
      const exited = h.timeline.indexOf(`exit ${command}`);
      const finished = h.timeline.indexOf(`event step.finished ${stepId}`);
      expect(recorded).toBeGreaterThanOrEqual(0);
      expect(recorded).toBeLessThan(spawned);
      expect(spawned).toBeLessThan(exited);
      expect(exited).toBeLessThan(finished);
    }
    // The next step starts only once the previous step's state is recorded.
    expect(h.timeline.indexOf('recorded step.state backup')).toBeLessThan(h.timeline.indexOf('spawn ./deploy.sh 2.4.0'));
  });

  it('stamps every event with the engine clock, in order', async () => {
    const h = harness(RUNBOOK);
    await h.run();
    const times = h.log.events.map((e) => Date.parse(e.at));
    expect(times.every((t, i) => i === 0 || t > times[i - 1])).toBe(true);
    expect(h.log.events[0].at).toBe('2026-12-01T09:00:01.000Z');
    const finished = h.log.only('run.finished');
    expect(finished.durationMs).toBeGreaterThan(0);
  });

  it("streams a step's output as step.output events before its step.finished", async () => {
    const h = harness(RUNBOOK);
    h.runner.on('./backup.sh', { output: 'dumping 3 tables\n', stderr: 'warning: slow disk\n' });
    await h.run();
    const kinds = h.log.events.filter((e) => 'stepId' in e && e.stepId === 'backup').map((e) => e.kind);
    expect(kinds).toEqual(['step.started', 'step.spawned', 'step.output', 'step.output', 'step.finished', 'step.state']);
    expect(h.log.ofKind('step.output').map((e) => [e.stream, e.text])).toEqual([
      ['stdout', 'dumping 3 tables\n'],
      ['stderr', 'warning: slow disk\n'],
    ]);
  });

  it('runs a runbook without checks or smoke tests, and records no go/no-go decision', async () => {
    const h = harness(`
golive: 1
name: tiny
steps:
  - id: only
    run: ./only.sh
`);
    const result = await h.run();
    expect(result.exitCode).toBe(0);
    expect(h.log.kinds()).toEqual(['run.started', 'step.started', 'step.spawned', 'step.finished', 'step.state', 'run.finished']);
  });
});

const OUTPUTS_RUNBOOK = `
golive: 1
name: webshop-release
on_failure: rollback
steps:
  - id: backup
    run: ./backup.sh
    validate: test -n "{{ steps.backup.outputs.backup_id }}"
    rollback: ./restore.sh {{ steps.backup.outputs.backup_id }}
  - id: migrate
    run: ./migrate.sh up --after {{ steps.backup.outputs.backup_id }}
    rollback: ./migrate.sh down --to {{ steps.migrate.outputs.schema_from }}
  - id: deploy
    run: ./deploy.sh
    env:
      BACKUP: "{{ steps.backup.outputs.backup_id }}"
    rollback: ./deploy.sh --previous
`;

function scripted(yaml = OUTPUTS_RUNBOOK, options: HarnessOptions = {}) {
  const h = harness(yaml, options);
  h.runner.on('./backup.sh', { outputs: { backup_id: 'bk-20261201-0900' } }).on(/^\.\/migrate\.sh up/, { outputs: { schema_from: '41' } });
  return h;
}

describe('step outputs', () => {
  it("renders a step's outputs into later commands, its own validation and step env", async () => {
    const h = scripted();
    const result = await h.run();

    expect(result.exitCode).toBe(0);
    expect(h.runner.commands).toEqual(['./backup.sh', 'test -n "bk-20261201-0900"', './migrate.sh up --after bk-20261201-0900', './deploy.sh']);
    expect(h.runner.spawned.find((s) => s.command === './deploy.sh')!.spec.env.BACKUP).toBe('bk-20261201-0900');
    expect(h.log.ofKind('step.finished').find((e) => e.stepId === 'backup' && e.phase === 'step')!.outputs).toEqual({ backup_id: 'bk-20261201-0900' });
    // The recorded command shows the value too (outputs are not secrets).
    expect(h.log.ofKind('step.started').find((e) => e.stepId === 'migrate')!.command).toBe('./migrate.sh up --after bk-20261201-0900');
  });

  it('asks the runner to capture outputs for steps only, not for validations', async () => {
    const h = scripted();
    await h.run();
    expect(h.runner.spawned.map((s) => [s.command, s.spec.captureOutputs === true])).toEqual([
      ['./backup.sh', true],
      ['test -n "bk-20261201-0900"', false],
      ['./migrate.sh up --after bk-20261201-0900', true],
      ['./deploy.sh', true],
    ]);
  });

  it("gives a failed step's rollback the outputs it wrote before failing", async () => {
    const h = scripted();
    h.runner.on(/^\.\/migrate\.sh up/, { exitCode: 1, outputs: { schema_from: '41' } });
    const result = await h.run();

    expect(result).toMatchObject({ outcome: 'rolled-back', exitCode: 1 });
    expect(h.runner.commands.slice(3)).toEqual(['./migrate.sh down --to 41', './restore.sh bk-20261201-0900']);
    expect(h.runner.count('./deploy.sh')).toBe(0);
  });

  it('renders an output the step never wrote as empty text, with a warning naming it', async () => {
    const h = harness(`
golive: 1
name: webshop-release
steps:
  - id: backup
    run: ./backup.sh
  - id: migrate
    run: ./migrate.sh up --after {{ steps.backup.outputs.backup_id }}
`);
    const result = await h.run();

    expect(result.exitCode).toBe(0);
    expect(h.runner.commands).toEqual(['./backup.sh', './migrate.sh up --after ']);
    expect(h.log.ofKind('warning')).toMatchObject([
      { stepId: 'migrate', message: '{{ steps.backup.outputs.backup_id }} has no value (the step did not write it); using an empty string' },
    ]);
    // The warning is recorded before the command starts.
    expect(h.log.kinds().indexOf('warning')).toBeLessThan(h.log.events.findIndex((e) => e.kind === 'step.started' && e.stepId === 'migrate'));
    expect(h.log.ofKind('step.started').find((e) => e.stepId === 'migrate')!.command).toBe('./migrate.sh up --after <steps.backup.outputs.backup_id>');
  });
});

describe('rollback of a finished run, from its recorded events', () => {
  it("rebuilds outputs from the first run's events, so the rollback renders the same values", async () => {
    const first = scripted();
    const firstResult = await first.run();
    expect(firstResult.exitCode).toBe(0);

    const folded = foldRunChain(first.log.events);
    expect(folded.outputs).toEqual({ backup: { backup_id: 'bk-20261201-0900' }, migrate: { schema_from: '41' } });

    // A new process: fresh fakes, nothing in memory from the first run.
    const later = harness(OUTPUTS_RUNBOOK, { options: { mode: 'rollback', runId: 'run-3' } });
    const result = await later.rollback('rollback of run run-2 requested by ana', priorFrom(first.log.events, { parentRunId: 'run-2' }));

    expect(result).toMatchObject({ outcome: 'rolled-back', exitCode: 0 });
    expect(later.runner.commands).toEqual(['./deploy.sh --previous', './migrate.sh down --to 41', './restore.sh bk-20261201-0900']);
    expect(later.log.only('rollback.started')).toMatchObject({ order: ['deploy', 'migrate', 'backup'], withoutRollback: [] });
    expect(later.log.events[0]).toMatchObject({ kind: 'run.started', mode: 'rollback', parentRunId: 'run-2' });
  });
});
