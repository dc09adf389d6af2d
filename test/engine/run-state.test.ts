/**
 * The one fold of a run chain over fabricated event lists: where each step
 * stands (done, failed, in doubt, rolled back, no rollback), its attempts
 * and outputs, across a run and its resumes and rollbacks, and what "done"
 * and "in doubt" mean to everything that reads the fold.
 */
import { describe, expect, it } from 'vitest';
import type { EngineEvent, EngineEventBody, Phase, StepState } from '../../src/engine/events.js';
import { foldRunChain, inFlightCommands, isDone, isLeftApplied, type StepStanding } from '../../src/engine/run-state.js';

let clock = Date.parse('2026-12-01T09:00:00.000Z');
/** Events one second apart, in the order given. */
function chain(...bodies: EngineEventBody[]): EngineEvent[] {
  return bodies.map((body) => {
    clock += 1000;
    return { ...body, at: new Date(clock).toISOString() } as EngineEvent;
  });
}

const runStarted = (mode: 'run' | 'resume' | 'rollback' = 'run', vars: Record<string, string> = {}): EngineEventBody => ({
  kind: 'run.started',
  mode,
  runbook: { name: 'webshop-release', path: 'webshop.yaml', sha256: 'ab'.repeat(32) },
  operator: 'ana',
  host: 'bastion',
  steps: ['backup', 'deploy', 'migrate'],
  expectedMs: 0,
  vars,
});
const go: EngineEventBody = { kind: 'decision', subject: 'go-no-go', choice: 'GO', by: 'ana', via: 'policy' };
const started = (stepId: string, phase: Phase = 'step', attempt = 1, group?: string): EngineEventBody => ({
  kind: 'step.started',
  phase,
  stepId,
  title: stepId,
  group,
  attempt,
  attempts: 3,
  command: `./${stepId}.sh`,
});
const spawned = (stepId: string, pid: number, phase: Phase = 'step'): EngineEventBody => ({ kind: 'step.spawned', phase, stepId, attempt: 1, pid });
const finished = (stepId: string, status: 'passed' | 'failed', outputs: Record<string, string> = {}, phase: Phase = 'step', attempt = 1): EngineEventBody => ({
  kind: 'step.finished',
  phase,
  stepId,
  attempt,
  status,
  exitCode: status === 'passed' ? 0 : 1,
  signal: null,
  durationMs: 1000,
  head: '',
  tail: '',
  outputBytes: 0,
  outputs,
});
const state = (stepId: string, s: StepState, reason?: string): EngineEventBody => ({ kind: 'step.state', stepId, state: s, reason });
const ran = (stepId: string, outputs: Record<string, string> = {}) => [started(stepId), finished(stepId, 'passed', outputs), state(stepId, 'succeeded')];
const rollbackStarted = (order: string[], withoutRollback: string[] = []): EngineEventBody => ({
  kind: 'rollback.started',
  reason: 'step migrate failed',
  order,
  withoutRollback,
});
const rollbackFinished = (complete: boolean): EngineEventBody => ({
  kind: 'rollback.finished',
  complete,
  failed: [],
  withoutRollback: [],
  verified: undefined,
});

const states = (events: EngineEvent[], live = false) => Object.fromEntries([...foldRunChain(events, { live }).steps].map(([id, s]) => [id, s.state]));

describe('foldRunChain: where each step stands', () => {
  it('done: started, finished and validated; its outputs and attempt are kept', () => {
    const folded = foldRunChain(chain(runStarted('run', { release: '2.4.0' }), go, ...ran('backup', { backup_id: 'b-17' })));
    expect(folded.steps.get('backup')).toMatchObject({ state: 'succeeded', completedAt: 1 });
    expect(isDone(folded.steps.get('backup')!.state)).toBe(true);
    expect(folded.attempts.backup).toBe(1);
    expect(folded.outputs.backup).toEqual({ backup_id: 'b-17' });
    expect(folded).toMatchObject({ checklistDone: true, inDoubt: [], rollbackInDoubt: [], rolledBack: false, runs: 1, vars: { release: '2.4.0' } });
    expect(folded.lastRollback).toBeUndefined();
  });

  it("failed, then done by a resume: the last state counts, attempts add up, outputs are the resume's", () => {
    const events = chain(
      runStarted(),
      go,
      ...ran('backup'),
      started('deploy'),
      finished('deploy', 'failed', { version: 'broken' }),
      state('deploy', 'failed', 'exited with status 1'),
      runStarted('resume', { release: 'ignored' }),
      started('deploy'),
      finished('deploy', 'passed', { version: '2.4.0' }),
      state('deploy', 'succeeded'),
    );
    const failedOnly = foldRunChain(events.slice(0, 8));
    expect(failedOnly.steps.get('deploy')).toMatchObject({ state: 'failed', reason: 'exited with status 1', completedAt: 2 });
    expect(isDone('failed')).toBe(false);
    const folded = foldRunChain(events);
    expect(folded.steps.get('deploy')).toMatchObject({ state: 'succeeded', completedAt: 3 });
    expect(folded.steps.get('deploy')!.reason).toBeUndefined();
    expect(folded.attempts.deploy).toBe(2);
    expect(folded.outputs.deploy).toEqual({ version: '2.4.0' });
    // The variables are the first run's: a resume renders the same commands.
    expect(folded.vars).toEqual({});
    expect(folded.runs).toBe(2);
  });

  it('in doubt: started and no end recorded once its run is gone; running while its run lives', () => {
    const events = chain(runStarted(), go, ...ran('backup'), started('deploy'), spawned('deploy', 4242));
    const dead = foldRunChain(events);
    expect(dead.steps.get('deploy')!.state).toBe('in-doubt');
    expect(dead.inDoubt).toEqual(['deploy']);
    expect(inFlightCommands(dead)).toEqual([{ what: 'step deploy', stepId: 'deploy', pid: 4242 }]);
    expect(isDone('in-doubt')).toBe(false);
    expect(isLeftApplied('in-doubt')).toBe(true);

    const live = foldRunChain(events, { live: true });
    expect(live.steps.get('deploy')!.state).toBe('running');
    expect(live.inDoubt).toEqual([]);
    expect(inFlightCommands(live)).toEqual([]);
  });

  it("in doubt: an earlier run's open step stays in doubt while a later run of the chain is live", () => {
    const events = chain(runStarted(), go, started('deploy'), runStarted('resume'), started('migrate'));
    expect(states(events, true)).toEqual({ deploy: 'in-doubt', migrate: 'running' });
    expect(states(events)).toEqual({ deploy: 'in-doubt', migrate: 'in-doubt' });
  });

  it('in doubt: recorded as such when a second signal killed the step', () => {
    const folded = foldRunChain(
      chain(runStarted(), go, started('deploy'), finished('deploy', 'failed'), state('deploy', 'in-doubt', 'killed by a second SIGINT')),
    );
    expect(folded.steps.get('deploy')).toMatchObject({ state: 'in-doubt', reason: 'killed by a second SIGINT' });
    expect(folded.inDoubt).toEqual(['deploy']);
  });

  it('rolled back: undone, neither done nor left applied; a complete rollback marks the chain rolled back', () => {
    const events = chain(
      runStarted(),
      go,
      ...ran('backup'),
      started('migrate'),
      finished('migrate', 'failed'),
      state('migrate', 'failed'),
      rollbackStarted(['migrate', 'backup']),
      started('migrate', 'rollback'),
      finished('migrate', 'passed', {}, 'rollback'),
      state('migrate', 'rolled-back'),
      started('backup', 'rollback'),
      finished('backup', 'passed', {}, 'rollback'),
      state('backup', 'rolled-back'),
      rollbackFinished(true),
    );
    const folded = foldRunChain(events);
    expect(states(events)).toEqual({ backup: 'rolled-back', migrate: 'rolled-back' });
    expect(isDone('rolled-back') || isLeftApplied('rolled-back')).toBe(false);
    expect(folded).toMatchObject({ rolledBack: true, rollbackInDoubt: [], lastRollback: { finished: true, complete: true } });
    // The forward command's outputs stay (a rollback writes none).
    expect(folded.attempts).toEqual({ backup: 1, migrate: 1 });
  });

  it('rollback in doubt: the undo started and never recorded a result; the step keeps its state', () => {
    const events = chain(
      runStarted(),
      go,
      ...ran('backup'),
      ...ran('deploy'),
      runStarted('rollback'),
      rollbackStarted(['deploy', 'backup']),
      started('deploy', 'rollback'),
      finished('deploy', 'passed', {}, 'rollback'),
      state('deploy', 'rolled-back'),
      started('backup', 'rollback'),
      spawned('backup', 5151, 'rollback'),
    );
    const folded = foldRunChain(events);
    expect(folded.steps.get('backup')).toMatchObject({ state: 'succeeded', rollbackInDoubt: true });
    expect(folded.steps.get('deploy')!.rollbackInDoubt).toBeUndefined();
    expect(folded).toMatchObject({ rollbackInDoubt: ['backup'], inDoubt: [], rolledBack: false, lastRollback: { finished: false, complete: false } });
    expect(inFlightCommands(folded)).toEqual([{ what: 'the rollback of step backup', stepId: 'backup', pid: 5151 }]);
    // While the rollback's run lives, the undo is running, not in doubt.
    expect(foldRunChain(events, { live: true }).rollbackInDoubt).toEqual([]);

    // The next rollback settles it: its recorded result ends the doubt.
    const settled = foldRunChain([...events, ...chain(runStarted('rollback'), state('backup', 'rolled-back'))]);
    expect(settled.rollbackInDoubt).toEqual([]);
    expect(settled.steps.get('backup')!.state).toBe('rolled-back');
  });

  it('no rollback: a rollback passed over a done step that defines none; it stays done and applied', () => {
    const events = chain(
      runStarted(),
      go,
      ...ran('backup'),
      started('migrate'),
      finished('migrate', 'failed'),
      state('migrate', 'failed'),
      rollbackStarted(['migrate'], ['backup']),
      state('backup', 'no-rollback', 'no rollback defined'),
      started('migrate', 'rollback'),
      finished('migrate', 'passed', {}, 'rollback'),
      state('migrate', 'rolled-back'),
      rollbackFinished(true),
    );
    const backup = foldRunChain(events).steps.get('backup')!;
    expect(backup).toMatchObject({ state: 'no-rollback', reason: 'no rollback defined', completedAt: 1 });
    expect(isDone(backup.state)).toBe(true);
    expect(isLeftApplied(backup.state)).toBe(true);
  });

  it('parallel members: each stands on its own; completion order follows their ends', () => {
    const events = chain(
      runStarted(),
      go,
      started('web', 'step', 1, 'deploy'),
      started('api', 'step', 1, 'deploy'),
      finished('api', 'passed'),
      state('api', 'succeeded'),
      finished('web', 'passed'),
      state('web', 'succeeded'),
      started('cdn', 'step', 1, 'edge'),
      started('dns', 'step', 1, 'edge'),
      finished('dns', 'failed'),
      state('dns', 'failed'),
    );
    const folded = foldRunChain(events);
    expect(states(events)).toEqual({ web: 'succeeded', api: 'succeeded', cdn: 'in-doubt', dns: 'failed' });
    expect([...folded.steps].map(([id, s]) => [id, s.completedAt])).toEqual([
      ['web', 2],
      ['api', 1],
      ['cdn', undefined],
      ['dns', 3],
    ]);
    expect(folded.inDoubt).toEqual(['cdn']);
  });

  it("a resume's skip of done steps: they keep the state the first run left and who left it", () => {
    const events = chain(
      runStarted(),
      go,
      ...ran('backup'),
      started('deploy'),
      finished('deploy', 'failed'),
      state('deploy', 'failed'),
      { kind: 'decision', subject: 'guided-failure', subjectId: 'deploy', choice: 'skip', by: 'ana', via: 'prompt' },
      state('deploy', 'skipped', 'hotfix ships tomorrow'),
      started('migrate'),
      // The resume skips backup and deploy (done), settles migrate (in doubt) and records only that.
      runStarted('resume'),
      state('migrate', 'succeeded', 'in doubt; validation passed on resume'),
    );
    const folded = foldRunChain(events);
    const done = [...folded.steps].filter(([, s]) => isDone(s.state)).map(([id]) => id);
    expect(done).toEqual(['backup', 'deploy', 'migrate']);
    expect(folded.lastRunOf).toEqual({ backup: 1, deploy: 1, migrate: 2 });
    expect(folded.attempts).toEqual({ backup: 1, deploy: 1, migrate: 1 });
    expect(isLeftApplied('skipped')).toBe(false);
  });

  it('a failure the run went on past is marked continued until the step runs again', () => {
    const events = chain(runStarted(), go, started('deploy'), finished('deploy', 'failed'), state('deploy', 'failed'), {
      kind: 'decision',
      subject: 'guided-failure',
      subjectId: 'deploy',
      choice: 'continue',
      by: 'ana',
      via: 'prompt',
    });
    expect(foldRunChain(events).steps.get('deploy')).toMatchObject({ state: 'failed', continued: true });
    expect(foldRunChain([...events, ...chain(runStarted('resume'), started('deploy'))]).steps.get('deploy')!.continued).toBeUndefined();
  });

  it('the checklist: a NO-GO is not done; a GO or a started step is', () => {
    const noGo: EngineEventBody = { kind: 'decision', subject: 'go-no-go', choice: 'NO-GO', by: 'ana', via: 'policy' };
    expect(foldRunChain(chain(runStarted(), noGo)).checklistDone).toBe(false);
    expect(foldRunChain(chain(runStarted(), go)).checklistDone).toBe(true);
    expect(foldRunChain(chain(runStarted(), started('backup'))).checklistDone).toBe(true);
  });

  it('a command started again forgets the process group of the one before it', () => {
    const folded = foldRunChain(chain(runStarted(), go, started('deploy'), spawned('deploy', 111), runStarted('resume'), started('deploy')));
    expect(folded.pids.deploy).toBeUndefined();
    expect(inFlightCommands(folded)).toEqual([{ what: 'step deploy', stepId: 'deploy', pid: undefined }]);
  });

  it('events that say nothing about steps leave the state as it was', () => {
    const base = chain(runStarted(), go, ...ran('backup'));
    const noise = chain(
      { kind: 'check.finished', checkId: 'disk', passed: true, blocking: true },
      { kind: 'question.asked', subject: 'confirm', subjectId: 'announce', question: 'Post it?', to: 'ana' },
      { kind: 'step.output', phase: 'step', stepId: 'backup', stream: 'stdout', text: 'done\n' },
      { kind: 'step.retrying', phase: 'step', stepId: 'backup', nextAttempt: 2, delayMs: 1000 },
      { kind: 'verify.finished', verifyId: 'login', severity: 'critical', passed: true },
      { kind: 'warning', message: 'output x has no value' },
      { kind: 'run.interrupted', signal: 'SIGINT', forced: false },
      { kind: 'run.finished', outcome: 'interrupted', exitCode: 130, durationMs: 10, issues: [] },
    );
    expect(foldRunChain([...base, ...noise])).toEqual(foldRunChain(base));
  });
});

describe('isDone and isLeftApplied', () => {
  it('partition the standings as resume and rollback read them', () => {
    const all: StepStanding[] = ['running', 'succeeded', 'skipped', 'failed', 'in-doubt', 'rolled-back', 'rollback-failed', 'no-rollback'];
    expect(all.filter(isDone)).toEqual(['succeeded', 'skipped', 'no-rollback']);
    expect(all.filter(isLeftApplied)).toEqual(['succeeded', 'failed', 'in-doubt', 'rollback-failed', 'no-rollback']);
    expect(isDone(undefined)).toBe(false);
  });
});
