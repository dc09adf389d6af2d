/**
 * Interruptions and resume. The first Ctrl-C (or SIGTERM) stops launching
 * anything new and terminates the running step (recorded as failed); a
 * second kills it (recorded as in doubt); the run ends `interrupted`, exit
 * 130 or 143. Resume folds the earlier run's events: finished steps are not
 * run again; a step whose end was never recorded is in doubt, trusted only
 * when its validation passes, re-run only when the operator says so.
 */
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/events.js';
import { foldRunChain } from '../../src/engine/run-state.js';
import { FakeJournalError } from './fakes.js';
import { type HarnessOptions, harness, priorFrom } from './harness.js';

const INTERRUPT_RUNBOOK = `
golive: 1
name: webshop-release
on_failure: rollback
checks:
  - id: disk
    run: ./check-disk.sh
steps:
  - id: backup
    run: ./backup.sh
    rollback: ./restore.sh
  - id: deploy
    run: ./deploy.sh
    retry: { attempts: 3, delay: 30s }
    rollback: ./deploy.sh --previous
  - id: migrate
    run: ./migrate.sh up
    rollback: ./migrate.sh down
verify:
  - id: login
    run: ./smoke-login.sh
`;

describe('interruption', () => {
  it('first SIGINT: terminates the running step, starts nothing more, records it failed; exit 130', async () => {
    const h = harness(INTERRUPT_RUNBOOK);
    h.runner.on('./deploy.sh', { hang: true });
    const done = h.run();
    const deploy = await h.runner.whenStarted('./deploy.sh');
    h.interruption.request('SIGINT');
    const result = await done;

    expect(result).toMatchObject({ outcome: 'interrupted', exitCode: 130 });
    expect(deploy).toMatchObject({ terminated: true, killed: false });
    expect(h.runner.commands).toEqual(['./check-disk.sh', './backup.sh', './deploy.sh']);
    expect(h.log.ofKind('step.finished').at(-1)).toMatchObject({
      stepId: 'deploy',
      status: 'stopped',
      signal: 'SIGTERM',
      message: 'stopped by the operator (interrupt)',
    });
    expect(h.log.statesOf('deploy')).toEqual(['failed']);
    expect(h.log.ofKind('step.state').at(-1)).toMatchObject({ stepId: 'deploy', reason: 'stopped by SIGINT' });
    expect(h.log.ofKind('step.retrying')).toEqual([]);
    expect(h.log.ofKind('rollback.started')).toEqual([]);
    expect(h.log.kinds().slice(-2)).toEqual(['run.interrupted', 'run.finished']);
    expect(h.log.only('run.interrupted')).toMatchObject({ signal: 'SIGINT', forced: false });
    expect(h.log.last()).toMatchObject({ outcome: 'interrupted', exitCode: 130 });
  });

  it('second SIGINT: kills the step that ignored SIGTERM and records it in doubt', async () => {
    const h = harness(INTERRUPT_RUNBOOK);
    h.runner.on('./deploy.sh', { hang: true, ignoreTerminate: true });
    const done = h.run();
    const deploy = await h.runner.whenStarted('./deploy.sh');
    h.interruption.request('SIGINT');
    await new Promise((resolve) => setImmediate(resolve));
    expect(deploy).toMatchObject({ terminated: true, killed: false, finished: false });

    h.interruption.request('SIGINT');
    const result = await done;

    expect(result).toMatchObject({ outcome: 'interrupted', exitCode: 130 });
    expect(deploy.killed).toBe(true);
    expect(h.timeline.filter((t) => t.endsWith('./deploy.sh'))).toEqual(['spawn ./deploy.sh', 'terminate ./deploy.sh', 'kill ./deploy.sh', 'exit ./deploy.sh']);
    expect(h.log.statesOf('deploy')).toEqual(['in-doubt']);
    expect(h.log.ofKind('step.state').at(-1)!.reason).toBe('killed by a second SIGINT: its effect is unknown');
    expect(h.log.only('run.interrupted')).toMatchObject({ signal: 'SIGINT', forced: true });
    expect(foldRunChain(h.log.events).inDoubt).toEqual(['deploy']);
  });

  it('SIGTERM: exit 143', async () => {
    const h = harness(INTERRUPT_RUNBOOK);
    h.runner.on('./deploy.sh', { hang: true });
    const done = h.run();
    await h.runner.whenStarted('./deploy.sh');
    h.interruption.request('SIGTERM');
    const result = await done;
    expect(result).toMatchObject({ outcome: 'interrupted', exitCode: 143 });
    expect(h.log.only('run.interrupted')).toMatchObject({ signal: 'SIGTERM', forced: false });
    expect(h.log.ofKind('step.state').at(-1)).toMatchObject({ stepId: 'deploy', state: 'failed', reason: 'stopped by SIGTERM' });
  });

  it('a signal during the retry wait: no further attempt, the step is recorded failed', async () => {
    const h = harness(INTERRUPT_RUNBOOK);
    h.runner.fails('./deploy.sh');
    h.clock.onSleep = () => h.interruption.request('SIGINT');
    const result = await h.run();

    expect(result).toMatchObject({ outcome: 'interrupted', exitCode: 130 });
    expect(h.runner.count('./deploy.sh')).toBe(1);
    expect(h.log.ofKind('step.retrying')).toHaveLength(1);
    expect(h.log.statesOf('deploy')).toEqual(['failed']);
  });

  it('a signal between the start event and the spawn still stops that command', async () => {
    const h = harness(INTERRUPT_RUNBOOK, {
      sink: {
        onEvent: (e) => {
          if (e.kind === 'step.started' && e.stepId === 'deploy') h.interruption.request('SIGINT');
        },
      },
    });
    h.runner.on('./deploy.sh', { hang: true });
    const result = await h.run();
    expect(result.exitCode).toBe(130);
    expect(h.runner.spawned.at(-1)).toMatchObject({ command: './deploy.sh', terminated: true, finished: true });
    expect(h.runner.count('./migrate.sh up')).toBe(0);
  });

  it('stops every member of a running parallel group', async () => {
    const h = harness(`
golive: 1
name: webshop-release
steps:
  - id: deploy-all
    parallel:
      - id: web
        run: ./deploy.sh web
      - id: api
        run: ./deploy.sh api
  - id: announce
    run: ./announce.sh
`);
    h.runner.on(/^\.\/deploy\.sh/, { hang: true });
    const done = h.run();
    const web = await h.runner.whenStarted('./deploy.sh web');
    const api = await h.runner.whenStarted('./deploy.sh api');
    h.interruption.request('SIGINT');
    const result = await done;

    expect(result.exitCode).toBe(130);
    expect([web.terminated, api.terminated]).toEqual([true, true]);
    expect(h.log.statesOf('web')).toEqual(['failed']);
    expect(h.log.statesOf('api')).toEqual(['failed']);
    expect(h.runner.count('./announce.sh')).toBe(0);
  });

  it('during the checklist: no step runs, exit 130', async () => {
    const h = harness(INTERRUPT_RUNBOOK);
    h.runner.on('./check-disk.sh', { hang: true });
    const done = h.run();
    await h.runner.whenStarted('./check-disk.sh');
    h.interruption.request('SIGINT');
    const result = await done;
    expect(result).toMatchObject({ outcome: 'interrupted', exitCode: 130 });
    expect(h.runner.commands).toEqual(['./check-disk.sh']);
    expect(h.log.ofKind('check.finished')).toEqual([]);
  });

  it('during smoke tests: exit 130, no rollback', async () => {
    const h = harness(INTERRUPT_RUNBOOK);
    h.runner.on('./smoke-login.sh', { hang: true });
    const done = h.run();
    await h.runner.whenStarted('./smoke-login.sh');
    h.interruption.request('SIGINT');
    const result = await done;
    expect(result).toMatchObject({ outcome: 'interrupted', exitCode: 130 });
    expect(h.log.ofKind('verify.finished')).toEqual([]);
    expect(h.log.ofKind('rollback.started')).toEqual([]);
  });

  it('during a rollback: stops it, launches no further rollback, exit 130', async () => {
    const h = harness(INTERRUPT_RUNBOOK);
    h.runner.fails('./migrate.sh up').on('./deploy.sh --previous', { hang: true });
    const done = h.run();
    const rollback = await h.runner.whenStarted('./deploy.sh --previous');
    h.interruption.request('SIGINT');
    const result = await done;

    expect(result).toMatchObject({ outcome: 'interrupted', exitCode: 130 });
    expect(rollback.terminated).toBe(true);
    expect(h.runner.count('./restore.sh')).toBe(0);
    expect(h.log.statesOf('deploy')).toEqual(['succeeded', 'rollback-failed']);
    expect(h.log.only('rollback.finished')).toMatchObject({ complete: false, failed: ['deploy'] });
  });
});

const RESUME_RUNBOOK = `
golive: 1
name: webshop-release
checks:
  - id: disk
    run: ./check-disk.sh
steps:
  - id: backup
    run: ./backup.sh
    rollback: ./restore.sh
  - id: deploy
    run: ./deploy.sh
    validate: ./health.sh
    rollback: ./deploy.sh --previous
  - id: migrate
    run: ./migrate.sh up
    rollback: ./migrate.sh down
verify:
  - id: login
    run: ./smoke-login.sh
`;

const NO_VALIDATION = RESUME_RUNBOOK.replace('    validate: ./health.sh\n', '');

/** A first run during which golive dies (its journal write fails) right after `deploy` started. */
async function diedDuringDeploy(yaml = RESUME_RUNBOOK): Promise<EngineEvent[]> {
  const first = harness(yaml, { options: { runId: 'run-1' }, sink: { failOn: (e) => e.kind === 'step.finished' && e.stepId === 'deploy' } });
  await expect(first.run()).rejects.toBeInstanceOf(FakeJournalError);
  return first.log.events;
}

function resumed(yaml = RESUME_RUNBOOK, setup: HarnessOptions = {}) {
  return harness(yaml, { ...setup, options: { mode: 'resume', runId: 'run-2', ...setup.options } });
}

describe('foldRunChain', () => {
  it('turns a step that started but never ended into an in-doubt step', async () => {
    const events = await diedDuringDeploy();
    const folded = foldRunChain(events);

    expect(folded.inDoubt).toEqual(['deploy']);
    expect(folded.steps.get('deploy')?.state).toBe('in-doubt');
    expect(folded.steps.get('backup')).toEqual({ state: 'succeeded', completedAt: 1 });
    expect(folded.steps.has('migrate')).toBe(false);
    expect(folded.checklistDone).toBe(true);
    expect(folded.rolledBack).toBe(false);
  });

  it('keeps the variables of the first run and the order of completion', async () => {
    const h = harness(`
golive: 1
name: webshop-release
vars:
  release: 2.4.0
steps:
  - id: one
    run: ./one.sh
  - id: two
    run: ./two.sh
`);
    await h.run();
    const folded = foldRunChain(h.log.events);
    expect(folded.vars).toEqual({ release: '2.4.0' });
    expect([...folded.steps]).toEqual([
      ['one', { state: 'succeeded', completedAt: 1 }],
      ['two', { state: 'succeeded', completedAt: 2 }],
    ]);
    expect(folded.inDoubt).toEqual([]);
  });

  it('does not count a NO-GO checklist as done', async () => {
    const h = harness(RESUME_RUNBOOK);
    h.runner.fails('./check-disk.sh');
    await h.run();
    expect(foldRunChain(h.log.events).checklistDone).toBe(false);
  });
});

describe('resume', () => {
  it('skips the checklist and the steps that succeeded, and re-runs the failed one', async () => {
    const first = harness(RESUME_RUNBOOK, { options: { runId: 'run-1', onFailure: 'abort' } });
    first.runner.fails('./deploy.sh');
    expect((await first.run()).exitCode).toBe(3);

    const h = resumed();
    const result = await h.run(priorFrom(first.log.events));

    expect(result).toEqual({ outcome: 'succeeded', exitCode: 0, issues: [] });
    expect(h.runner.commands).toEqual(['./deploy.sh', './health.sh', './migrate.sh up', './smoke-login.sh']);
    expect(h.log.events[0]).toMatchObject({ kind: 'run.started', mode: 'resume', parentRunId: 'run-1' });
    expect(h.log.ofKind('check.finished')).toEqual([]);
    expect(h.log.decisions('go-no-go')).toEqual([]);
  });

  it('runs the checklist again when the first run ended NO-GO', async () => {
    const first = harness(RESUME_RUNBOOK, { options: { runId: 'run-1' } });
    first.runner.fails('./check-disk.sh');
    await first.run();

    const h = resumed();
    await h.run(priorFrom(first.log.events));
    expect(h.runner.commands[0]).toBe('./check-disk.sh');
    expect(h.runner.count('./backup.sh')).toBe(1);
  });

  it('in doubt, validation passes: the step counts as done and is not run again', async () => {
    const h = resumed();
    const result = await h.run(priorFrom(await diedDuringDeploy()));

    expect(result).toMatchObject({ outcome: 'succeeded', exitCode: 0 });
    expect(h.runner.commands).toEqual(['./health.sh', './migrate.sh up', './smoke-login.sh']);
    expect(h.log.decisions('in-doubt')).toMatchObject([{ subjectId: 'deploy', choice: 'done', via: 'policy' }]);
    expect(h.log.ofKind('step.state')[0]).toMatchObject({ stepId: 'deploy', state: 'succeeded', reason: 'in doubt; validation passed on resume' });
  });

  it('in doubt, validation fails: stops without re-running it (exit 3), naming --rerun-in-doubt', async () => {
    const h = resumed();
    h.runner.fails('./health.sh');
    const result = await h.run(priorFrom(await diedDuringDeploy()));

    expect(result).toMatchObject({ outcome: 'aborted', exitCode: 3 });
    expect(h.runner.commands).toEqual(['./health.sh']);
    const [decision] = h.log.decisions('in-doubt');
    expect(decision).toMatchObject({ subjectId: 'deploy', choice: 'stop', via: 'policy' });
    expect(decision.reason).toBe('its validation failed; pass --rerun-in-doubt to run it again');
  });

  it('in doubt, validation fails, --rerun-in-doubt: re-runs the step and carries on', async () => {
    const h = resumed(RESUME_RUNBOOK, { options: { rerunInDoubt: true } });
    h.runner.on('./health.sh', [{ exitCode: 1 }, { exitCode: 0 }]);
    const result = await h.run(priorFrom(await diedDuringDeploy()));

    expect(result).toMatchObject({ outcome: 'succeeded', exitCode: 0 });
    expect(h.runner.commands).toEqual(['./health.sh', './deploy.sh', './health.sh', './migrate.sh up', './smoke-login.sh']);
    expect(h.log.decisions('in-doubt')).toMatchObject([{ choice: 'rerun', via: 'flag' }]);
  });

  it('in doubt without a validation: stops without a terminal', async () => {
    const h = resumed(NO_VALIDATION);
    const result = await h.run(priorFrom(await diedDuringDeploy(NO_VALIDATION)));
    expect(result).toMatchObject({ outcome: 'aborted', exitCode: 3 });
    expect(h.runner.commands).toEqual([]);
    expect(h.log.decisions('in-doubt')[0].reason).toBe('it has no validation to prove it finished; pass --rerun-in-doubt to run it again');
  });

  it('in doubt without a validation: asks the operator, and re-runs on yes', async () => {
    const h = resumed(NO_VALIDATION, { interactive: true, answers: { confirm: [true] } });
    const result = await h.run(priorFrom(await diedDuringDeploy(NO_VALIDATION)));
    expect(result.exitCode).toBe(0);
    expect(h.prompter.questions).toEqual([
      { kind: 'confirm', message: 'Step deploy was interrupted and it has no validation to prove it finished. Run it again?' },
    ]);
    expect(h.runner.commands).toEqual(['./deploy.sh', './migrate.sh up', './smoke-login.sh']);
    expect(h.log.decisions('in-doubt')).toMatchObject([{ choice: 'rerun', via: 'prompt' }]);
  });

  it('in doubt without a validation: stops when the operator says no', async () => {
    const h = resumed(NO_VALIDATION, { interactive: true, answers: { confirm: [false] } });
    const result = await h.run(priorFrom(await diedDuringDeploy(NO_VALIDATION)));
    expect(result).toMatchObject({ outcome: 'aborted', exitCode: 3 });
    expect(h.runner.commands).toEqual([]);
  });

  it('resumes a step killed by a second Ctrl-C (recorded in doubt) through its validation', async () => {
    const first = harness(RESUME_RUNBOOK, { options: { runId: 'run-1' } });
    first.runner.on('./deploy.sh', { hang: true, ignoreTerminate: true });
    const done = first.run();
    await first.runner.whenStarted('./deploy.sh');
    first.interruption.request('SIGINT');
    first.interruption.request('SIGINT');
    expect((await done).exitCode).toBe(130);

    const h = resumed();
    const result = await h.run(priorFrom(first.log.events));
    expect(result.exitCode).toBe(0);
    expect(h.runner.commands).toEqual(['./health.sh', './migrate.sh up', './smoke-login.sh']);
  });

  // Regression (fixed): steps.ts records a step as `failed` when Ctrl-C stops its validation, although its command
  // ran to completion (exit 0). Resume then re-runs the command blindly (e.g. `migrate up` twice)
  // instead of treating the step as in doubt and checking its validation first.
  it('a step whose validation was interrupted is validated on resume, not re-run', async () => {
    const first = harness(RESUME_RUNBOOK, { options: { runId: 'run-1' } });
    first.runner.on('./health.sh', { hang: true });
    const done = first.run();
    await first.runner.whenStarted('./health.sh');
    first.interruption.request('SIGINT');
    expect((await done).exitCode).toBe(130);
    expect(first.log.ofKind('step.finished').find((e) => e.stepId === 'deploy' && e.phase === 'step')?.status).toBe('passed');

    const h = resumed();
    const result = await h.run(priorFrom(first.log.events));
    expect(result.exitCode).toBe(0);
    expect(h.runner.commands).toEqual(['./health.sh', './migrate.sh up', './smoke-login.sh']);
  });

  // Regression (fixed): RunContext.completionCounter restarts at 0 in a resumed run, while the steps carried over
  // from the earlier run keep their completedAt (1, 2, …). A step completed during the resume gets
  // completedAt 1 again, so "reverse order of completion" puts it after steps completed before it:
  // here `backup` is rolled back before `deploy`, although `deploy` completed later.
  it('rolls back in reverse completion order across the earlier run and the resume', async () => {
    const first = harness(RESUME_RUNBOOK, { options: { runId: 'run-1', onFailure: 'abort' } });
    first.runner.fails('./deploy.sh');
    await first.run();

    const h = resumed(RESUME_RUNBOOK, { options: { onFailure: 'rollback' } });
    h.runner.fails('./migrate.sh up');
    const result = await h.run(priorFrom(first.log.events));

    expect(result.exitCode).toBe(1);
    expect(h.log.only('rollback.started').order).toEqual(['migrate', 'deploy', 'backup']);
    expect(h.runner.commands.slice(-3)).toEqual(['./migrate.sh down', './deploy.sh --previous', './restore.sh']);
  });
});

describe('Ctrl-C at a prompt', () => {
  // The terminal prompter turns Ctrl-C at a question into an interrupt plus the question's safe
  // answer (no; "abort"; empty text), and relies on the engine to see the interrupt right after.
  const PROMPT_RUNBOOK = `
golive: 1
name: webshop-release
on_failure: ask
checks:
  - id: disk
    run: ./check-disk.sh
  - id: change-approved
    confirm: Is the change approved?
steps:
  - id: backup
    run: ./backup.sh
    rollback: ./restore.sh
  - id: deploy
    run: ./deploy.sh
    rollback: ./deploy.sh --previous
  - id: announce
    confirm: Post the go-live announcement
  - id: migrate
    run: ./migrate.sh up
    rollback: ./migrate.sh down
verify:
  - id: checkout
    run: ./smoke-checkout.sh
    severity: major
`;

  function atPrompt(kind: 'confirm' | 'select' | 'input', setup: HarnessOptions = {}) {
    const h = harness(PROMPT_RUNBOOK, { interactive: true, ...setup, options: { approved: new Set(['change-approved', 'announce']), ...setup.options } });
    h.prompter.ctrlC(kind, () => h.interruption.request('SIGINT'));
    return h;
  }

  it('at a manual step: the run ends interrupted (130)', async () => {
    const h = atPrompt('confirm', { options: { approved: new Set(['change-approved']) } });
    const result = await h.run();
    expect(result).toMatchObject({ outcome: 'interrupted', exitCode: 130 });
    expect(h.prompter.questions).toEqual([{ kind: 'confirm', message: 'Post the go-live announcement' }]);
    expect(h.runner.count('./migrate.sh up')).toBe(0);
  });

  it('at the in-doubt question on resume: the step is not re-run, the run ends interrupted (130)', async () => {
    const events = await diedDuringDeploy(NO_VALIDATION);
    const h = harness(NO_VALIDATION, { interactive: true, options: { mode: 'resume' } });
    h.prompter.ctrlC('confirm', () => h.interruption.request('SIGINT'));
    const result = await h.run(priorFrom(events));
    expect(result).toMatchObject({ outcome: 'interrupted', exitCode: 130 });
    expect(h.runner.commands).toEqual([]);
  });

  // Regression (fixed): run.ts treats the safe answer "abort" of an interrupted guided-failure question as the
  // operator's choice: the run ends "aborted" (exit 3) with no run.interrupted event, instead of
  // "interrupted" (130) as every other Ctrl-C.
  it('at the guided-failure question: the run ends interrupted (130), not aborted', async () => {
    const h = atPrompt('select');
    h.runner.fails('./deploy.sh');
    const result = await h.run();
    expect(result).toMatchObject({ outcome: 'interrupted', exitCode: 130 });
    expect(h.log.ofKind('run.interrupted')).toHaveLength(1);
  });

  // Regression (fixed): same in verify.ts: Ctrl-C at the major smoke-test question ends the run "aborted" (exit 3).
  it('at a major smoke-test question: the run ends interrupted (130), not aborted', async () => {
    const h = atPrompt('select');
    h.runner.fails('./smoke-checkout.sh');
    const result = await h.run();
    expect(result).toMatchObject({ outcome: 'interrupted', exitCode: 130 });
  });

  // Regression (fixed): checks.ts only looks for an interrupt before the next check. Ctrl-C at the last confirm
  // check is recorded as the operator declining ("ana answered no"), and the run ends NO-GO (exit 4)
  // instead of interrupted (130).
  it('at the last confirmation check: the run ends interrupted (130), not NO-GO', async () => {
    const h = atPrompt('confirm', { options: { approved: new Set(['announce']) } });
    const result = await h.run();
    expect(result).toMatchObject({ outcome: 'interrupted', exitCode: 130 });
    expect(h.log.decisions('go-no-go')).toEqual([]);
  });

  // Regression (fixed): run.ts onStepFailure records the skip with "no reason given" when Ctrl-C meets the
  // "Why is it safe to skip this step?" question. The failed step is then `skipped`, so a resume
  // never runs it again: pressing Ctrl-C to back out of a skip commits the skip.
  it('at the skip reason: the step is not recorded as skipped', async () => {
    const h = atPrompt('input', { answers: { select: ['skip'] } });
    h.runner.fails('./deploy.sh');
    const result = await h.run();
    expect(result).toMatchObject({ outcome: 'interrupted', exitCode: 130 });
    expect(h.log.statesOf('deploy')).not.toContain('skipped');
  });
});

const UNDO_RUNBOOK = `
golive: 1
name: undo
steps:
  - id: a
    run: ./a.sh
    rollback: { run: ./undo-a.sh, validate: ./a-undone.sh }
  - id: b
    run: ./b.sh
    rollback: ./undo-b.sh
`;

/** A deployment that succeeded, then a rollback during which golive dies right after `undo-<step>` started. */
async function rollbackDiedDuring(step: 'a' | 'b'): Promise<EngineEvent[]> {
  const deployed = harness(UNDO_RUNBOOK, { options: { runId: 'run-1' } });
  await deployed.run();
  const rollback = harness(UNDO_RUNBOOK, {
    options: { runId: 'run-2', mode: 'rollback' },
    sink: { failOn: (e) => e.kind === 'step.finished' && e.phase === 'rollback' && e.stepId === step },
  });
  await expect(rollback.rollback('requested', priorFrom(deployed.log.events))).rejects.toBeInstanceOf(FakeJournalError);
  return [...deployed.log.events, ...rollback.log.events];
}

describe('a rollback killed during an undo', () => {
  it('folds the undo as in doubt, separate from the step itself', async () => {
    const state = foldRunChain(await rollbackDiedDuring('b'));
    expect(state.rollbackInDoubt).toEqual(['b']);
    expect(state.steps.get('b')).toMatchObject({ state: 'succeeded', rollbackInDoubt: true });
    expect(state.inDoubt).toEqual([]);
    expect(state.lastRollback).toEqual({ finished: false, complete: false });
  });

  it('an undo with no validation is not run again, and nothing after it is undone, until --rerun-in-doubt', async () => {
    const h = harness(UNDO_RUNBOOK, { options: { runId: 'run-3', mode: 'rollback' } });
    const events = await rollbackDiedDuring('b');
    // b has no rollback validation: in doubt, not proven, stopped.
    const stopped = await h.rollback('again', priorFrom(events));
    expect(stopped).toMatchObject({ outcome: 'aborted', exitCode: 3 });
    expect(h.runner.commands).toEqual([]);
    expect(h.log.decisions('in-doubt')).toMatchObject([{ subjectId: 'b', choice: 'stop', via: 'policy' }]);

    const again = harness(UNDO_RUNBOOK, { options: { runId: 'run-4', mode: 'rollback', rerunInDoubt: true } });
    const done = await again.rollback('again', priorFrom(events));
    expect(done).toMatchObject({ outcome: 'rolled-back', exitCode: 0 });
    expect(again.runner.commands).toEqual(['./undo-b.sh', './undo-a.sh', './a-undone.sh']);
  });

  it('a validated undo left in doubt counts as done once its validation passes', async () => {
    const events = await rollbackDiedDuring('a');
    const h = harness(UNDO_RUNBOOK, { options: { runId: 'run-3', mode: 'rollback' } });
    const result = await h.rollback('again', priorFrom(events));
    expect(result).toMatchObject({ outcome: 'rolled-back', exitCode: 0 });
    expect(h.runner.commands).toEqual(['./a-undone.sh']);
    expect(h.log.decisions('in-doubt')).toMatchObject([{ subjectId: 'a', choice: 'done' }]);
  });
});
