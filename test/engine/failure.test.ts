/**
 * When a step fails: its retries (with a delay) and its validation (polled
 * until it passes, retrying the step when it fails); then the failure
 * policy: abort, continue, rollback or ask (guided failure), and which one
 * applies: the step's own, else `--on-failure`, else the runbook's, else ask
 * (abort without a terminal).
 */
import { describe, expect, it } from 'vitest';
import { harness } from './harness.js';

/** Three steps; `deploy` is the one the tests make fail. `policy` lines are spliced in. */
function runbook({ top = '', defaults = '', step = '' }: { top?: string; defaults?: string; step?: string } = {}): string {
  return `
golive: 1
name: webshop-release
${top}
${defaults}
steps:
  - id: backup
    run: ./backup.sh
    rollback: ./restore.sh
  - id: deploy
    run: ./deploy.sh
    rollback: ./deploy.sh --previous
${step}
  - id: migrate
    run: ./migrate.sh up
    rollback: ./migrate.sh down
`;
}

const ROLLBACK_COMMANDS = ['./deploy.sh --previous', './restore.sh'];

describe('failure policies', () => {
  it('abort: stops at the failed step, runs no rollback, exit 3 (aborted)', async () => {
    const h = harness(runbook({ top: 'on_failure: abort' }));
    h.runner.fails('./deploy.sh');
    const result = await h.run();

    expect(result).toMatchObject({ outcome: 'aborted', exitCode: 3 });
    expect(h.runner.commands).toEqual(['./backup.sh', './deploy.sh']);
    expect(h.log.ofKind('rollback.started')).toEqual([]);
    expect(h.log.decisions('guided-failure')).toMatchObject([
      { subjectId: 'deploy', choice: 'abort', via: 'policy', reason: 'step deploy failed: exited with status 1' },
    ]);
    expect(h.log.statesOf('deploy')).toEqual(['failed']);
  });

  it('continue: records the failure as an issue, runs later steps, succeeded-with-issues exit 0', async () => {
    const h = harness(runbook({ top: 'on_failure: continue' }));
    h.runner.fails('./deploy.sh');
    const result = await h.run();

    expect(result).toEqual({ outcome: 'succeeded-with-issues', exitCode: 0, issues: ['step deploy failed: exited with status 1 (on_failure: continue)'] });
    expect(h.runner.commands).toEqual(['./backup.sh', './deploy.sh', './migrate.sh up']);
    expect(h.log.decisions('guided-failure')).toMatchObject([{ choice: 'continue', via: 'policy' }]);
    expect(h.log.last()).toMatchObject({ kind: 'run.finished', outcome: 'succeeded-with-issues', issues: result.issues });
  });

  it('--on-failure overrides the runbook default', async () => {
    const h = harness(runbook({ top: 'on_failure: abort' }), { options: { onFailure: 'rollback' } });
    h.runner.fails('./deploy.sh');
    const result = await h.run();
    expect(result).toMatchObject({ outcome: 'rolled-back', exitCode: 1 });
    expect(h.runner.commands.slice(2)).toEqual(ROLLBACK_COMMANDS);
  });

  it("a step's own on_failure wins over --on-failure", async () => {
    const h = harness(runbook({ step: '    on_failure: continue' }), { options: { onFailure: 'rollback' } });
    h.runner.fails('./deploy.sh');
    const result = await h.run();
    expect(result).toMatchObject({ outcome: 'succeeded-with-issues', exitCode: 0 });
    expect(h.runner.commands).toEqual(['./backup.sh', './deploy.sh', './migrate.sh up']);
  });

  it("a step's own on_failure wins over the runbook default", async () => {
    const h = harness(runbook({ top: 'on_failure: continue', step: '    on_failure: abort' }));
    h.runner.fails('./deploy.sh');
    expect(await h.run()).toMatchObject({ outcome: 'aborted', exitCode: 3 });
  });

  it('defaults.on_failure applies to steps without their own policy', async () => {
    const h = harness(runbook({ defaults: 'defaults:\n  on_failure: rollback' }));
    h.runner.fails('./deploy.sh');
    expect(await h.run()).toMatchObject({ outcome: 'rolled-back', exitCode: 1 });
  });

  it('ask without a terminal aborts, and says why', async () => {
    const h = harness(runbook());
    h.runner.fails('./deploy.sh');
    const result = await h.run();

    expect(result).toMatchObject({ outcome: 'aborted', exitCode: 3 });
    expect(h.prompter.questions).toEqual([]);
    expect(h.runner.commands).toEqual(['./backup.sh', './deploy.sh']);
    const [decision] = h.log.decisions('guided-failure');
    expect(decision).toMatchObject({ choice: 'abort', via: 'policy' });
    expect(decision.reason).toContain('no terminal to ask');
  });
});

describe('guided failure (ask, interactive)', () => {
  const ask = (answers: { select: string[]; input?: string[] }) => {
    const h = harness(runbook({ top: 'on_failure: ask' }), { interactive: true, answers });
    return h;
  };

  it('offers retry / skip / rollback / abort', async () => {
    const h = ask({ select: ['abort'] });
    h.runner.fails('./deploy.sh');
    await h.run();
    expect(h.prompter.questions).toEqual([
      { kind: 'select', message: 'step deploy failed: exited with status 1. What now?', choices: ['retry', 'skip', 'rollback', 'abort'] },
    ]);
  });

  it('retry: runs the step again and carries on when it passes', async () => {
    const h = ask({ select: ['retry'] });
    h.runner.on('./deploy.sh', [{ exitCode: 1 }, { exitCode: 0 }]);
    const result = await h.run();

    expect(result).toMatchObject({ outcome: 'succeeded', exitCode: 0 });
    expect(h.runner.commands).toEqual(['./backup.sh', './deploy.sh', './deploy.sh', './migrate.sh up']);
    expect(h.log.statesOf('deploy')).toEqual(['failed', 'succeeded']);
    expect(h.log.decisions('guided-failure')).toMatchObject([{ choice: 'retry', via: 'prompt', by: 'ana' }]);
  });

  it("retry: the operator's retry is the next attempt (2), with its own identity, not attempt 1 again", async () => {
    const h = ask({ select: ['retry'] });
    h.runner.on('./deploy.sh', [{ exitCode: 1 }, { exitCode: 0 }]);
    await h.run();
    const starts = h.log.ofKind('step.started').filter((e) => e.stepId === 'deploy' && e.phase === 'step');
    expect(starts.map((e) => `${e.attempt} of ${e.attempts}`)).toEqual(['1 of 1', '2 of 2']);
  });

  it('retry: asks again when the step fails again', async () => {
    const h = ask({ select: ['retry', 'abort'] });
    h.runner.fails('./deploy.sh');
    const result = await h.run();
    expect(result).toMatchObject({ outcome: 'aborted', exitCode: 3 });
    expect(h.runner.count('./deploy.sh')).toBe(2);
    expect(h.prompter.questions.map((q) => q.kind)).toEqual(['select', 'select']);
  });

  it('skip: asks why, records it, marks the step skipped and goes on (exit 0 with issues)', async () => {
    const h = ask({ select: ['skip'], input: ['  hotfix ships tomorrow  '] });
    h.runner.fails('./deploy.sh');
    const result = await h.run();

    expect(result).toEqual({ outcome: 'succeeded-with-issues', exitCode: 0, issues: ['step deploy skipped by ana: hotfix ships tomorrow'] });
    expect(h.prompter.questions.map((q) => `${q.kind}: ${q.message}`)).toEqual([
      'select: step deploy failed: exited with status 1. What now?',
      'input: Why is it safe to skip this step?',
    ]);
    expect(h.log.statesOf('deploy')).toEqual(['failed', 'skipped']);
    expect(h.log.ofKind('step.state').at(-2)).toMatchObject({ stepId: 'deploy', state: 'skipped', reason: 'hotfix ships tomorrow' });
    expect(h.log.decisions('guided-failure')).toMatchObject([{ choice: 'skip', reason: 'hotfix ships tomorrow', via: 'prompt' }]);
    expect(h.runner.commands).toEqual(['./backup.sh', './deploy.sh', './migrate.sh up']);
  });

  it('skip with an empty reason records "no reason given"', async () => {
    const h = ask({ select: ['skip'], input: ['   '] });
    h.runner.fails('./deploy.sh');
    const result = await h.run();
    expect(result.issues).toEqual(['step deploy skipped by ana: no reason given']);
  });

  it('rollback: rolls back at once (exit 1)', async () => {
    const h = ask({ select: ['rollback'] });
    h.runner.fails('./deploy.sh');
    const result = await h.run();
    expect(result).toMatchObject({ outcome: 'rolled-back', exitCode: 1 });
    expect(h.runner.commands.slice(2)).toEqual(ROLLBACK_COMMANDS);
    expect(h.log.decisions('guided-failure')).toMatchObject([{ choice: 'rollback', via: 'prompt' }]);
  });

  it('abort: stops without rolling back (exit 3)', async () => {
    const h = ask({ select: ['abort'] });
    h.runner.fails('./deploy.sh');
    const result = await h.run();
    expect(result).toMatchObject({ outcome: 'aborted', exitCode: 3 });
    expect(h.runner.commands).toEqual(['./backup.sh', './deploy.sh']);
  });

  it('asks when nothing sets a policy and there is a terminal', async () => {
    const h = harness(runbook(), { interactive: true, answers: { select: ['abort'] } });
    h.runner.fails('./deploy.sh');
    await h.run();
    expect(h.prompter.questions).toHaveLength(1);
  });
});

describe('retries', () => {
  const RUNBOOK = `
golive: 1
name: webshop-release
on_failure: abort
steps:
  - id: deploy
    run: ./deploy.sh
    retry: { attempts: 3, delay: 20s }
  - id: migrate
    run: ./migrate.sh up
`;

  it('retries a failing command after the delay, and succeeds on a later attempt', async () => {
    const h = harness(RUNBOOK);
    // Each attempt prints something: a command that prints nothing has no log file.
    h.runner.on('./deploy.sh', [
      { exitCode: 1, output: 'no\n' },
      { exitCode: 7, output: 'no\n' },
      { exitCode: 0, output: 'ok\n' },
    ]);
    const result = await h.run();

    expect(result).toMatchObject({ outcome: 'succeeded', exitCode: 0 });
    expect(h.runner.commands).toEqual(['./deploy.sh', './deploy.sh', './deploy.sh', './migrate.sh up']);
    expect(h.clock.sleeps).toEqual([20_000, 20_000]);
    expect(h.log.ofKind('step.retrying')).toMatchObject([
      { stepId: 'deploy', nextAttempt: 2, delayMs: 20_000 },
      { stepId: 'deploy', nextAttempt: 3, delayMs: 20_000 },
    ]);
    expect(
      h.log
        .ofKind('step.started')
        .filter((e) => e.stepId === 'deploy')
        .map((e) => [e.attempt, e.attempts]),
    ).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    expect(
      h.log
        .ofKind('step.finished')
        .filter((e) => e.stepId === 'deploy')
        .map((e) => [e.status, e.exitCode, e.logPath]),
    ).toEqual([
      ['failed', 1, '/srv/deploy/.golive/logs/run-2/deploy.log'],
      ['failed', 7, '/srv/deploy/.golive/logs/run-2/deploy.attempt-2.log'],
      ['passed', 0, '/srv/deploy/.golive/logs/run-2/deploy.attempt-3.log'],
    ]);
    // One logical state per step, however many attempts.
    expect(h.log.statesOf('deploy')).toEqual(['succeeded']);
  });

  it('fails the step after its last attempt, saying how many it had (no wait after the last)', async () => {
    const h = harness(RUNBOOK);
    h.runner.fails('./deploy.sh');
    const result = await h.run();

    expect(result).toMatchObject({ outcome: 'aborted', exitCode: 3 });
    expect(h.runner.count('./deploy.sh')).toBe(3);
    expect(h.clock.sleeps).toEqual([20_000, 20_000]);
    expect(h.log.ofKind('step.state')).toMatchObject([{ stepId: 'deploy', state: 'failed', reason: 'exited with status 1 (after 3 attempts)' }]);
  });

  it('retries a timed-out attempt and records exit status 124', async () => {
    const h = harness(RUNBOOK);
    h.runner.on('./deploy.sh', [{ timedOut: true }, { exitCode: 0 }]);
    const result = await h.run();
    expect(result.exitCode).toBe(0);
    expect(h.log.ofKind('step.finished')[0]).toMatchObject({ status: 'timed-out', exitCode: 124 });
  });

  it('takes the retry from defaults when the step sets none', async () => {
    const h = harness(`
golive: 1
name: webshop-release
on_failure: abort
defaults:
  retry: { attempts: 2, delay: 1m }
steps:
  - id: deploy
    run: ./deploy.sh
`);
    h.runner.fails('./deploy.sh');
    await h.run();
    expect(h.runner.count('./deploy.sh')).toBe(2);
    expect(h.clock.sleeps).toEqual([60_000]);
  });
});

describe('validation', () => {
  it('polls the validation until it passes, waiting the interval between polls', async () => {
    const h = harness(`
golive: 1
name: webshop-release
steps:
  - id: deploy
    run: ./deploy.sh
    validate:
      run: ./health.sh
      attempts: 5
      interval: 3s
`);
    h.runner.on('./health.sh', [{ exitCode: 1 }, { exitCode: 1 }, { exitCode: 0 }]);
    const result = await h.run();

    expect(result).toMatchObject({ outcome: 'succeeded', exitCode: 0 });
    expect(h.runner.commands).toEqual(['./deploy.sh', './health.sh', './health.sh', './health.sh']);
    expect(h.clock.sleeps).toEqual([3000, 3000]);
    expect(
      h.log
        .ofKind('step.started')
        .filter((e) => e.phase === 'validate')
        .map((e) => [e.stepId, e.attempt, e.attempts, e.title]),
    ).toEqual([
      ['deploy', 1, 5, 'deploy (validation)'],
      ['deploy', 2, 5, 'deploy (validation)'],
      ['deploy', 3, 5, 'deploy (validation)'],
    ]);
    expect(h.log.statesOf('deploy')).toEqual(['succeeded']);
  });

  it('fails the step when every poll fails, saying how many polls it made', async () => {
    const h = harness(`
golive: 1
name: webshop-release
on_failure: abort
steps:
  - id: deploy
    run: ./deploy.sh
    validate:
      run: ./health.sh
      attempts: 3
      interval: 2s
`);
    h.runner.fails('./health.sh');
    const result = await h.run();

    expect(result).toMatchObject({ outcome: 'aborted', exitCode: 3 });
    expect(h.runner.count('./health.sh')).toBe(3);
    expect(h.clock.sleeps).toEqual([2000, 2000]);
    expect(h.log.ofKind('step.state')).toMatchObject([{ stepId: 'deploy', state: 'failed', reason: 'validation failed: exited with status 1 (3 polls)' }]);
  });

  it('retries the step (command and validation) when its validation fails', async () => {
    const h = harness(`
golive: 1
name: webshop-release
steps:
  - id: deploy
    run: ./deploy.sh
    retry: { attempts: 2, delay: 10s }
    validate: ./health.sh
`);
    h.runner.on('./health.sh', [{ exitCode: 1 }, { exitCode: 0 }]);
    const result = await h.run();

    expect(result).toMatchObject({ outcome: 'succeeded', exitCode: 0 });
    expect(h.runner.commands).toEqual(['./deploy.sh', './health.sh', './deploy.sh', './health.sh']);
    expect(h.log.ofKind('step.retrying')).toMatchObject([{ stepId: 'deploy', nextAttempt: 2, delayMs: 10_000 }]);
    expect(h.clock.sleeps).toEqual([10_000]);
  });

  it('does not validate an attempt whose command failed', async () => {
    const h = harness(`
golive: 1
name: webshop-release
on_failure: abort
steps:
  - id: deploy
    run: ./deploy.sh
    validate: ./health.sh
`);
    h.runner.fails('./deploy.sh');
    await h.run();
    expect(h.runner.commands).toEqual(['./deploy.sh']);
  });
});
