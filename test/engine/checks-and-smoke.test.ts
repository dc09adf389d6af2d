/**
 * The gates around the steps: the pre-deployment checklist (GO, CONDITIONAL
 * GO, NO-GO; confirmations by flag, by prompt, or refused), manual steps, and
 * the post-deployment smoke tests by severity (critical rolls back, major
 * asks or rolls back without a terminal, minor is an issue).
 */
import { describe, expect, it } from 'vitest';
import { type HarnessOptions, harness } from './harness.js';

function runbook(checks: string): string {
  return `
golive: 1
name: webshop-release
change: CHG-20481
vars:
  change: CHG-20481
checks:
${checks}
steps:
  - id: backup
    run: ./backup.sh
    rollback: ./restore.sh
  - id: deploy
    run: ./deploy.sh
    rollback: ./deploy.sh --previous
`;
}

const COMMAND_CHECKS = `
  - id: disk
    run: ./check-disk.sh
  - id: backup-space
    run: ./check-backup-space.sh
    blocking: false
  - id: on-call
    run: ./check-on-call.sh
`;

const CONFIRM_CHECK = `
  - id: change-approved
    confirm: Is {{ vars.change }} approved in the change calendar?
`;

const stepCommands = (commands: string[]) => commands.filter((c) => !c.startsWith('./check-'));

describe('the checklist', () => {
  it('GO: every check passes, the decision is recorded, the steps run', async () => {
    const h = harness(runbook(COMMAND_CHECKS));
    const result = await h.run();

    expect(result).toEqual({ outcome: 'succeeded', exitCode: 0, issues: [] });
    expect(h.runner.commands).toEqual(['./check-disk.sh', './check-backup-space.sh', './check-on-call.sh', './backup.sh', './deploy.sh']);
    expect(h.log.ofKind('check.finished').map((e) => [e.checkId, e.passed, e.blocking])).toEqual([
      ['disk', true, true],
      ['backup-space', true, false],
      ['on-call', true, true],
    ]);
    expect(h.log.decisions('go-no-go')).toMatchObject([{ choice: 'GO', via: 'policy', by: 'ana' }]);
    expect(h.log.decisions('go-no-go')[0].reason).toBeUndefined();
    // The decision comes after every check and before the first step.
    const kinds = h.log.kinds();
    expect(kinds.indexOf('decision')).toBeGreaterThan(kinds.lastIndexOf('check.finished'));
    expect(h.log.events.findIndex((e) => e.kind === 'step.started' && e.phase === 'step')).toBeGreaterThan(kinds.indexOf('decision'));
  });

  it('CONDITIONAL GO: a non-blocking check fails; the steps run and the reason becomes an issue (exit 0)', async () => {
    const h = harness(runbook(COMMAND_CHECKS));
    h.runner.fails('./check-backup-space.sh');
    const result = await h.run();

    expect(result).toEqual({ outcome: 'succeeded-with-issues', exitCode: 0, issues: ['conditional go: backup-space: exited with status 1'] });
    expect(h.log.decisions('go-no-go')).toMatchObject([{ choice: 'CONDITIONAL GO', reason: 'backup-space: exited with status 1' }]);
    expect(h.log.ofKind('check.finished')[1]).toMatchObject({ checkId: 'backup-space', passed: false, blocking: false, reason: 'exited with status 1' });
    expect(stepCommands(h.runner.commands)).toEqual(['./backup.sh', './deploy.sh']);
  });

  it('NO-GO: a blocking check fails; every check still runs, no step is spawned, exit 4', async () => {
    const h = harness(runbook(COMMAND_CHECKS));
    h.runner.fails('./check-disk.sh').fails('./check-backup-space.sh');
    const result = await h.run();

    expect(result).toMatchObject({ outcome: 'no-go', exitCode: 4 });
    expect(h.runner.commands).toEqual(['./check-disk.sh', './check-backup-space.sh', './check-on-call.sh']);
    expect(h.log.ofKind('step.started').every((e) => e.phase === 'check')).toBe(true);
    expect(h.log.decisions('go-no-go')).toMatchObject([{ choice: 'NO-GO', reason: 'disk: exited with status 1; backup-space: exited with status 1' }]);
    expect(h.log.ofKind('step.state')).toEqual([]);
    expect(h.log.last()).toMatchObject({ kind: 'run.finished', outcome: 'no-go', exitCode: 4 });
  });

  it('NO-GO on a check that cannot even start', async () => {
    const h = harness(runbook(COMMAND_CHECKS));
    h.runner.on('./check-on-call.sh', { spawnError: 'spawn bash ENOENT' });
    const result = await h.run();
    expect(result.exitCode).toBe(4);
    expect(h.log.ofKind('check.finished')[2]).toMatchObject({ passed: false, reason: 'could not start: spawn bash ENOENT' });
  });
});

describe('confirmation checks', () => {
  it('are approved by --yes (approveAll), recorded as a flag decision', async () => {
    const h = harness(runbook(CONFIRM_CHECK), { options: { approveAll: true } });
    const result = await h.run();

    expect(result.exitCode).toBe(0);
    expect(h.log.decisions('confirm')).toMatchObject([
      {
        subjectId: 'change-approved',
        choice: 'approved',
        via: 'flag',
        by: 'ana',
        reason: 'Is CHG-20481 approved in the change calendar? (approved with --yes)',
      },
    ]);
    expect(h.log.decisions('go-no-go')).toMatchObject([{ choice: 'GO' }]);
    expect(h.prompter.questions).toEqual([]);
  });

  it('are approved by --approve <id>', async () => {
    const h = harness(runbook(CONFIRM_CHECK), { options: { approved: new Set(['change-approved']) } });
    const result = await h.run();
    expect(result.exitCode).toBe(0);
    expect(h.log.decisions('confirm')[0].reason).toContain('(approved with --approve change-approved)');
  });

  it('are refused without a terminal: NO-GO whose reason names --approve', async () => {
    const h = harness(runbook(CONFIRM_CHECK), { options: { approved: new Set(['other-check']) } });
    const result = await h.run();

    expect(result).toMatchObject({ outcome: 'no-go', exitCode: 4 });
    expect(h.runner.commands).toEqual([]);
    expect(h.prompter.questions).toEqual([]);
    const [confirm] = h.log.decisions('confirm');
    expect(confirm).toMatchObject({ choice: 'not-approved', via: 'policy' });
    expect(confirm.reason).toContain('pass --approve change-approved');
    expect(h.log.only('check.finished')).toMatchObject({ passed: false, blocking: true });
    expect(h.log.only('check.finished').reason).toContain('--approve change-approved');
    expect(h.log.decisions('go-no-go')[0].reason).toContain('--approve change-approved');
  });

  it('are asked at the prompt when there is a terminal', async () => {
    const h = harness(runbook(CONFIRM_CHECK), { interactive: true, answers: { confirm: [true] } });
    const result = await h.run();

    expect(result.exitCode).toBe(0);
    expect(h.prompter.questions).toEqual([{ kind: 'confirm', message: 'Is CHG-20481 approved in the change calendar?' }]);
    expect(h.log.decisions('confirm')).toMatchObject([{ choice: 'approved', via: 'prompt', reason: 'Is CHG-20481 approved in the change calendar?' }]);
    // The wait for the operator is journaled before the prompt, so status and the bridge know the run is blocked on a person.
    const kinds = h.log.events.map((e) => e.kind);
    expect(kinds.indexOf('question.asked')).toBeGreaterThan(-1);
    expect(kinds.indexOf('question.asked')).toBeLessThan(kinds.indexOf('decision'));
    expect(h.log.ofKind('question.asked')).toMatchObject([
      { subject: 'confirm', subjectId: 'change-approved', question: 'Is CHG-20481 approved in the change calendar?', to: 'ana' },
    ]);
  });

  it('declined at the prompt: NO-GO, saying who answered no', async () => {
    const h = harness(runbook(CONFIRM_CHECK), { interactive: true, answers: { confirm: [false] } });
    const result = await h.run();
    expect(result.exitCode).toBe(4);
    expect(h.log.decisions('confirm')).toMatchObject([{ choice: 'declined', via: 'prompt' }]);
    expect(h.log.only('check.finished').reason).toBe('ana answered no to "Is CHG-20481 approved in the change calendar?"');
  });

  it('a declined non-blocking confirmation gives CONDITIONAL GO', async () => {
    const h = harness(
      runbook(`
  - id: comms-ready
    confirm: Are the status-page messages drafted?
    blocking: false
`),
      { interactive: true, answers: { confirm: [false] } },
    );
    const result = await h.run();
    expect(result).toMatchObject({ outcome: 'succeeded-with-issues', exitCode: 0 });
    expect(result.issues).toEqual(['conditional go: comms-ready: ana answered no to "Are the status-page messages drafted?"']);
  });
});

describe('manual steps', () => {
  const MANUAL = `
golive: 1
name: webshop-release
on_failure: abort
steps:
  - id: backup
    run: ./backup.sh
  - id: announce
    confirm: Post the go-live announcement
  - id: deploy
    run: ./deploy.sh
`;

  it('wait for the operator and record the answer', async () => {
    const h = harness(MANUAL, { interactive: true, answers: { confirm: [true] } });
    const result = await h.run();
    expect(result.exitCode).toBe(0);
    expect(h.runner.commands).toEqual(['./backup.sh', './deploy.sh']);
    expect(h.log.statesOf('announce')).toEqual(['succeeded']);
    expect(h.log.decisions('confirm')).toMatchObject([{ subjectId: 'announce', choice: 'approved', via: 'prompt' }]);
  });

  it('fail without a terminal unless approved, naming the flag', async () => {
    const h = harness(MANUAL);
    const result = await h.run();
    expect(result).toMatchObject({ outcome: 'aborted', exitCode: 3 });
    expect(h.runner.commands).toEqual(['./backup.sh']);
    expect(h.log.ofKind('step.state').find((e) => e.stepId === 'announce')).toMatchObject({ state: 'failed' });
    expect(h.log.ofKind('step.state').find((e) => e.stepId === 'announce')!.reason).toContain('--approve announce');
  });
});

const SMOKE_RUNBOOK = `
golive: 1
name: webshop-release
steps:
  - id: backup
    run: ./backup.sh
    rollback: ./restore.sh
  - id: deploy
    run: ./deploy.sh
    rollback: ./deploy.sh --previous
verify:
  - id: login
    run: ./smoke-login.sh
    severity: critical
  - id: checkout
    run: ./smoke-checkout.sh
    severity: major
  - id: banner
    run: ./smoke-banner.sh
    severity: minor
  - id: search
    run: ./smoke-search.sh
    severity: minor
rollback:
  verify:
    - run: ./health.sh
`;

const SMOKE_ROLLBACK = ['./deploy.sh --previous', './restore.sh', './health.sh'];

function failing(command: string, setup: HarnessOptions = {}) {
  const h = harness(SMOKE_RUNBOOK, setup);
  h.runner.fails(command);
  return h;
}

describe('smoke tests', () => {
  it('all pass: exit 0, one verify.finished each, in order', async () => {
    const h = harness(SMOKE_RUNBOOK);
    expect(await h.run()).toEqual({ outcome: 'succeeded', exitCode: 0, issues: [] });
    expect(h.log.ofKind('verify.finished').map((e) => [e.verifyId, e.severity, e.passed])).toEqual([
      ['login', 'critical', true],
      ['checkout', 'major', true],
      ['banner', 'minor', true],
      ['search', 'minor', true],
    ]);
  });

  it('critical failure: rolls back every step at once (exit 1), later smoke tests do not run', async () => {
    const h = failing('./smoke-login.sh');
    const result = await h.run();

    expect(result).toMatchObject({ outcome: 'rolled-back', exitCode: 1 });
    expect(h.runner.commands).toEqual(['./backup.sh', './deploy.sh', './smoke-login.sh', ...SMOKE_ROLLBACK]);
    expect(h.log.only('verify.finished')).toMatchObject({ verifyId: 'login', passed: false, reason: 'exited with status 1' });
    expect(h.log.only('rollback.started')).toMatchObject({ order: ['deploy', 'backup'], reason: 'smoke test login (critical) failed: exited with status 1' });
    expect(h.log.decisions('smoke-test')).toEqual([]);
  });

  it('major failure without a terminal: treated as critical, with the decision recorded', async () => {
    const h = failing('./smoke-checkout.sh');
    const result = await h.run();

    expect(result).toMatchObject({ outcome: 'rolled-back', exitCode: 1 });
    expect(h.runner.commands.slice(-3)).toEqual(SMOKE_ROLLBACK);
    const [decision] = h.log.decisions('smoke-test');
    expect(decision).toMatchObject({ subjectId: 'checkout', choice: 'rollback', via: 'policy' });
    expect(decision.reason).toContain('no terminal to ask, so treated as critical');
  });

  it('major failure, operator accepts: an issue, the remaining tests run, exit 0', async () => {
    const h = failing('./smoke-checkout.sh', { interactive: true, answers: { select: ['accept'] } });
    const result = await h.run();

    expect(result).toEqual({
      outcome: 'succeeded-with-issues',
      exitCode: 0,
      issues: ['smoke test checkout (major) failed: exited with status 1 (accepted by ana)'],
    });
    expect(h.prompter.questions).toEqual([
      {
        kind: 'select',
        message: 'smoke test checkout (major) failed: exited with status 1. What now?',
        choices: ['rollback', 'accept', 'abort'],
      },
    ]);
    expect(h.runner.count('./smoke-search.sh')).toBe(1);
    expect(h.log.decisions('smoke-test')).toMatchObject([{ choice: 'accept', via: 'prompt' }]);
    expect(h.log.ofKind('rollback.started')).toEqual([]);
  });

  it('major failure, operator rolls back: exit 1', async () => {
    const h = failing('./smoke-checkout.sh', { interactive: true, answers: { select: ['rollback'] } });
    const result = await h.run();
    expect(result).toMatchObject({ outcome: 'rolled-back', exitCode: 1 });
    expect(h.runner.commands.slice(-3)).toEqual(SMOKE_ROLLBACK);
    expect(h.runner.count('./smoke-banner.sh')).toBe(0);
  });

  it('major failure, operator aborts: nothing rolled back, exit 3', async () => {
    const h = failing('./smoke-checkout.sh', { interactive: true, answers: { select: ['abort'] } });
    const result = await h.run();
    expect(result).toMatchObject({ outcome: 'aborted', exitCode: 3 });
    expect(h.runner.commands.at(-1)).toBe('./smoke-checkout.sh');
    expect(h.log.ofKind('rollback.started')).toEqual([]);
  });

  it('minor failures: each recorded as an issue, every test runs, exit 0', async () => {
    const h = failing('./smoke-banner.sh');
    h.runner.fails('./smoke-search.sh', 22);
    const result = await h.run();

    expect(result).toEqual({
      outcome: 'succeeded-with-issues',
      exitCode: 0,
      issues: ['smoke test banner (minor) failed: exited with status 1', 'smoke test search (minor) failed: exited with status 22'],
    });
    expect(
      h.log
        .ofKind('verify.finished')
        .filter((e) => !e.passed)
        .map((e) => e.verifyId),
    ).toEqual(['banner', 'search']);
    expect(h.log.ofKind('rollback.started')).toEqual([]);
    expect(h.log.decisions('smoke-test')).toEqual([]);
  });

  it('retries a smoke test before judging it', async () => {
    const h = harness(SMOKE_RUNBOOK.replace('    severity: critical', '    severity: critical\n    retry: { attempts: 3, delay: 5s }'));
    h.runner.on('./smoke-login.sh', [{ exitCode: 1 }, { exitCode: 1 }, { exitCode: 0 }]);
    const result = await h.run();
    expect(result.exitCode).toBe(0);
    expect(h.runner.count('./smoke-login.sh')).toBe(3);
    expect(h.clock.sleeps).toEqual([5000, 5000]);
    expect(h.log.ofKind('verify.finished')[0]).toMatchObject({ verifyId: 'login', passed: true });
  });
});
