/**
 * The read-side fold and formatters over fabricated records: what `golive
 * history` and `golive show` say about a run, without a journal or a process.
 */
process.env.TZ = 'UTC'; // local-time columns must not depend on where the tests run

import { describe, expect, it } from 'vitest';
import type { EngineEvent, EngineEventBody } from '../../src/engine/events.js';
import type { RunRecord, RunStatus } from '../../src/journal/types.js';
import { historyAsText, noRunsText } from '../../src/output/history-text.js';
import type { Paint } from '../../src/output/paint.js';
import { plainPaint } from '../../src/output/paint.js';
import { nextForRun, showAsJson, showAsText } from '../../src/output/show-text.js';
import { localDateTime } from '../../src/output/time-text.js';
import { runSummary } from '../../src/views/run-summary.js';
import { buildRunView, type ChainLink, outputTail } from '../../src/views/run-view.js';

const T0 = Date.parse('2026-12-01T09:00:00.000Z');

/** Events one second apart, in the order given. */
function timeline(...bodies: EngineEventBody[]): EngineEvent[] {
  return bodies.map((body, i) => ({ ...body, at: new Date(T0 + i * 1000).toISOString() }) as EngineEvent);
}

function record(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    id: '01KRUNAAAAAAAAAAAAAAAAAAAA',
    parentRunId: null,
    rootRunId: '01KRUNAAAAAAAAAAAAAAAAAAAA',
    mode: 'run',
    runbookName: 'webshop-release',
    runbookVersion: '2.4.0',
    runbookPath: '/srv/runbooks/webshop.yaml',
    runbookText: 'golive: 1',
    runbookSha256: 'ab'.repeat(32),
    environment: 'production',
    operator: 'ana',
    identity: null,
    host: 'bastion',
    pid: 4242,
    gitCommit: '0123456789abcdef',
    changeId: 'CHG-20481',
    startedAt: '2026-12-01T09:00:00.000Z',
    heartbeatAt: '2026-12-01T09:00:05.000Z',
    endedAt: '2026-12-01T09:02:05.500Z',
    outcome: 'rolled-back',
    exitCode: 1,
    ...overrides,
  };
}

const started = (steps: string[], mode: 'run' | 'resume' | 'rollback' = 'run'): EngineEventBody => ({
  kind: 'run.started',
  mode,
  runbook: { name: 'webshop-release', version: '2.4.0', path: 'webshop.yaml', sha256: 'ab'.repeat(32) },
  environment: 'production',
  operator: 'ana',
  host: 'bastion',
  steps,
  expectedMs: 600_000,
  vars: {},
});
const stepStart = (
  stepId: string,
  phase: 'step' | 'rollback' | 'validate' | 'check' | 'verify' | 'rollback-verify' = 'step',
  attempt = 1,
): EngineEventBody => ({
  kind: 'step.started',
  phase,
  stepId,
  title: phase === 'rollback' ? `Roll back: ${stepId} title` : `${stepId} title`,
  owner: 'devops',
  attempt,
  attempts: 2,
  expectedMs: phase === 'step' ? 60_000 : undefined,
  command: `./${stepId}.sh`,
});
const stepEnd = (
  stepId: string,
  status: 'passed' | 'failed',
  phase: 'step' | 'rollback' | 'validate' | 'check' | 'verify' | 'rollback-verify' = 'step',
  attempt = 1,
  output = '',
): EngineEventBody => ({
  kind: 'step.finished',
  phase,
  stepId,
  attempt,
  status,
  exitCode: status === 'passed' ? 0 : 2,
  signal: null,
  durationMs: 1234.56,
  expectedMs: phase === 'step' ? 60_000 : undefined,
  head: output,
  tail: '',
  outputBytes: Buffer.byteLength(output),
  outputs: {},
  logPath: `/logs/${stepId}.${phase}.log`,
  message: status === 'failed' ? 'exited with status 2' : undefined,
});
const state = (stepId: string, s: 'succeeded' | 'failed' | 'rolled-back' | 'rollback-failed' | 'in-doubt', reason?: string): EngineEventBody => ({
  kind: 'step.state',
  stepId,
  state: s,
  reason,
});

/** backup and deploy succeed, migrate fails (with 12 lines of output) and everything is rolled back, newest first. */
const rolledBack = timeline(
  started(['backup', 'deploy', 'migrate', 'announce']),
  stepStart('backup'),
  stepEnd('backup', 'passed', 'step', 1, 'backup_id=42\n'),
  state('backup', 'succeeded'),
  stepStart('deploy'),
  stepEnd('deploy', 'failed'),
  { kind: 'step.retrying', phase: 'step', stepId: 'deploy', nextAttempt: 2, delayMs: 1000 },
  stepStart('deploy', 'step', 2),
  stepEnd('deploy', 'passed', 'step', 2),
  state('deploy', 'succeeded'),
  stepStart('migrate'),
  stepEnd('migrate', 'failed', 'step', 1, `${Array.from({ length: 12 }, (_, i) => `line ${i + 1}`).join('\n')}\n`),
  state('migrate', 'failed', 'exited with status 2'),
  { kind: 'decision', subject: 'guided-failure', subjectId: 'migrate', choice: 'rollback', reason: 'step migrate failed', by: 'ana', via: 'prompt' },
  { kind: 'rollback.started', reason: 'step migrate failed', order: ['migrate', 'deploy', 'backup'], withoutRollback: [] },
  stepStart('migrate', 'rollback'),
  stepEnd('migrate', 'passed', 'rollback'),
  state('migrate', 'rolled-back'),
  stepStart('deploy', 'rollback'),
  stepEnd('deploy', 'passed', 'rollback'),
  state('deploy', 'rolled-back'),
  stepStart('backup', 'rollback'),
  stepEnd('backup', 'passed', 'rollback'),
  state('backup', 'rolled-back'),
  stepStart('health', 'rollback-verify'),
  stepEnd('health', 'passed', 'rollback-verify'),
  { kind: 'rollback.finished', complete: true, failed: [], withoutRollback: [], verified: true },
  { kind: 'run.finished', outcome: 'rolled-back', exitCode: 1, durationMs: 125_500, issues: ['step migrate failed'] },
);

const HISTORY_KEYS = [
  'id',
  'runbook',
  'version',
  'environment',
  'mode',
  'status',
  'outcome',
  'exitCode',
  'operator',
  'host',
  'startedAt',
  'endedAt',
  'durationMs',
  'parentRunId',
  'rootRunId',
  'changeId',
  'identity',
];

describe('runSummary', () => {
  it('has exactly the history --json keys, in order, with the duration from start to end', () => {
    const summary = runSummary(record(), 'rolled-back');
    expect(Object.keys(summary)).toEqual(HISTORY_KEYS);
    expect(summary).toMatchObject({
      runbook: 'webshop-release',
      version: '2.4.0',
      status: 'rolled-back',
      exitCode: 1,
      durationMs: 125_500,
      changeId: 'CHG-20481',
    });
  });

  it('keeps the stored outcome apart from the status of a dead run', () => {
    const summary = runSummary(record({ outcome: 'running', endedAt: null, exitCode: null }), 'interrupted');
    expect(summary).toMatchObject({ status: 'interrupted', outcome: 'running', durationMs: null, endedAt: null });
  });
});

describe('outputTail', () => {
  it('takes the last lines of a short output that fits in the head', () => {
    expect(outputTail('a\nb\nc\n', '', 6, 2)).toEqual(['b', 'c']);
  });

  it('joins head and tail when they are contiguous, even when the cut split a line', () => {
    expect(outputTail('one\ntw', 'o\nthree\n', 14)).toEqual(['one', 'two', 'three']);
  });

  it('marks the first line of a tail cut off from its head', () => {
    expect(outputTail('first\n', 'ment\nlast\n', 5000)).toEqual(['…ment', 'last']);
  });

  it('shows the last redraw of a line rewritten with carriage returns', () => {
    expect(outputTail('progress 10%\rprogress 100%\r\ndone\n', '', 36)).toEqual(['progress 100%', 'done']);
  });

  it('is empty for a silent command', () => {
    expect(outputTail('', '', 0)).toEqual([]);
  });
});

describe('buildRunView', () => {
  const view = buildRunView({ run: record(), status: 'rolled-back', events: rolledBack });

  it('lists the steps in plan order, with their last state, including one that never ran', () => {
    expect(view.steps.map((s) => [s.id, s.state])).toEqual([
      ['backup', 'rolled-back'],
      ['deploy', 'rolled-back'],
      ['migrate', 'rolled-back'],
      ['announce', 'pending'],
    ]);
    expect(view.steps[0]).toMatchObject({ title: 'backup title', owner: 'devops', inherited: false });
  });

  it('keeps every attempt of a retried step, with rounded durations and expectations', () => {
    const deploy = view.steps[1];
    expect(deploy.attempts.map((a) => [a.attempt, a.status, a.exitCode, a.durationMs, a.expectedMs])).toEqual([
      [1, 'failed', 2, 1235, 60_000],
      [2, 'passed', 0, 1235, 60_000],
    ]);
  });

  it('interleaves validation polls with the attempts they followed, though their numbers restart', () => {
    const events = timeline(
      started(['deploy']),
      stepStart('deploy'),
      stepEnd('deploy', 'passed'),
      stepStart('deploy', 'validate'),
      stepEnd('deploy', 'failed', 'validate'),
      stepStart('deploy', 'step', 2),
      stepEnd('deploy', 'passed', 'step', 2),
      stepStart('deploy', 'validate'),
      stepEnd('deploy', 'passed', 'validate'),
      state('deploy', 'succeeded'),
    );
    const v = buildRunView({ run: record({ outcome: 'succeeded' }), status: 'succeeded', events });
    expect(v.steps[0].attempts.map((a) => `${a.phase} ${a.attempt} ${a.status}`)).toEqual([
      'step 1 passed',
      'validate 1 failed',
      'step 2 passed',
      'validate 1 passed',
    ]);
  });

  it('keeps the last 10 lines of the failing step output', () => {
    const migrate = view.steps[2].attempts[0];
    expect(migrate.tail).toHaveLength(10);
    expect(migrate.tail[0]).toBe('line 3');
    expect(migrate.tail.at(-1)).toBe('line 12');
    expect(migrate.message).toBe('exited with status 2');
    expect(migrate.logPath).toBe('/logs/migrate.step.log');
  });

  it('records the rollback in the order it ran, and each step rollback result', () => {
    expect(view.rollback).toMatchObject({ reason: 'step migrate failed', order: ['migrate', 'deploy', 'backup'], complete: true, verified: true });
    expect(view.rollback!.verifyAttempts.map((a) => a.stepId)).toEqual(['health']);
    expect(view.steps.slice(0, 3).map((s) => s.rollback?.result)).toEqual(['rolled-back', 'rolled-back', 'rolled-back']);
    expect(view.steps[3].rollback).toBeNull();
  });

  it('collects decisions and issues', () => {
    expect(view.decisions).toEqual([
      { subject: 'guided-failure', subjectId: 'migrate', choice: 'rollback', reason: 'step migrate failed', by: 'ana', via: 'prompt', at: rolledBack[13].at },
    ]);
    expect(view.issues).toEqual(['step migrate failed']);
  });

  it('shows a step started with no end as in doubt when the process is gone, running while it lives', () => {
    const events = timeline(started(['a', 'b']), stepStart('a'), stepEnd('a', 'passed'), state('a', 'succeeded'), stepStart('b'));
    const dead = buildRunView({ run: record({ outcome: 'running', endedAt: null, exitCode: null }), status: 'interrupted', events });
    expect(dead.steps.map((s) => s.state)).toEqual(['succeeded', 'in-doubt']);
    expect(dead.steps[1].attempts[0]).toMatchObject({ status: 'in-doubt', durationMs: null, exitCode: null });
    const live = buildRunView({ run: record({ outcome: 'running', endedAt: null, exitCode: null }), status: 'running', events });
    expect(live.steps[1].state).toBe('running');
    expect(live.steps[1].attempts[0].status).toBe('running');
  });

  it('gives a resume run the state its parent left for steps it did not touch', () => {
    const parent = timeline(started(['a', 'b', 'c']), stepStart('a'), stepEnd('a', 'passed'), state('a', 'succeeded'), stepStart('b'));
    const resume = timeline(started(['a', 'b', 'c'], 'resume'), stepStart('c'), stepEnd('c', 'passed'), state('c', 'succeeded'));
    const view2 = buildRunView({ run: record({ mode: 'resume' }), status: 'succeeded', events: resume, priorEvents: parent });
    expect(view2.steps.map((s) => [s.id, s.state, s.inherited])).toEqual([
      ['a', 'succeeded', true],
      ['b', 'in-doubt', true],
      ['c', 'succeeded', false],
    ]);
  });

  it('folds checks and smoke tests with their results', () => {
    const events = timeline(
      started(['a']),
      stepStart('disk', 'check'),
      stepEnd('disk', 'failed', 'check'),
      { kind: 'check.finished', checkId: 'disk', passed: false, blocking: false, reason: 'exited with status 2' },
      { kind: 'decision', subject: 'go-no-go', choice: 'CONDITIONAL GO', reason: 'disk: exited with status 2', by: 'ana', via: 'policy' },
      stepStart('favicon', 'verify'),
      stepEnd('favicon', 'failed', 'verify'),
      { kind: 'verify.finished', verifyId: 'favicon', severity: 'minor', passed: false, reason: 'exited with status 2' },
    );
    const v = buildRunView({ run: record({ outcome: 'succeeded-with-issues' }), status: 'succeeded-with-issues', events });
    expect(v.checks).toMatchObject([{ id: 'disk', title: 'disk title', passed: false, blocking: false, attempts: [{ status: 'failed' }] }]);
    expect(v.verify).toMatchObject([{ id: 'favicon', severity: 'minor', passed: false, reason: 'exited with status 2' }]);
    expect(showAsText(v, plainPaint, { dbFlag: '' })).toContain('CONDITIONAL GO — disk: exited with status 2 (ana, policy, 2026-12-01 09:00:04)');
  });
});

/** Marks colours as tags, so a test can see which status got which colour. */
const tagPaint: Paint = {
  red: (t) => `<red>${t}</red>`,
  green: (t) => `<green>${t}</green>`,
  yellow: (t) => `<yellow>${t}</yellow>`,
  cyan: (t) => `<cyan>${t}</cyan>`,
  dim: String,
  bold: String,
};

describe('historyAsText', () => {
  const runs = [
    runSummary(
      record({
        id: '01KRUNBBBBBBBBBBBBBBBBBBBB',
        mode: 'rollback',
        parentRunId: '01KRUNAAAAAAAAAAAAAAAAAAAA',
        startedAt: '2026-12-01T10:05:00.000Z',
        endedAt: '2026-12-01T10:06:30.000Z',
      }),
      'rolled-back',
    ),
    runSummary(record({ outcome: 'running', endedAt: null, exitCode: null, runbookVersion: null, environment: null }), 'interrupted'),
  ];

  it('prints one aligned line per run: id, local start, runbook, env, mode, status, duration, operator, parent', () => {
    const lines = historyAsText(runs, plainPaint).split('\n');
    expect(lines[0]).toMatch(/^RUN\s+STARTED\s+RUNBOOK\s+ENV\s+MODE\s+STATUS\s+DURATION\s+OPERATOR\s+PARENT$/);
    expect(lines[1].split(/\s{2,}/)).toEqual([
      '01KRUNBBBBBBBBBBBBBBBBBBBB',
      '2026-12-01 10:05',
      'webshop-release 2.4.0',
      'production',
      'rollback',
      'rolled-back',
      '1m30s',
      'ana',
      '01KRUNAAAAAAAAAAAAAAAAAAAA',
    ]);
    expect(lines[2].split(/\s{2,}/)).toEqual(['01KRUNAAAAAAAAAAAAAAAAAAAA', '2026-12-01 09:00', 'webshop-release', '-', 'run', 'interrupted', '—', 'ana']);
    expect(lines[1].indexOf('rolled-back')).toBe(lines[2].indexOf('interrupted'));
  });

  it('colours the status: a dead run red, a failed deployment rolled back yellow, a clean rollback run green', () => {
    const text = historyAsText(runs, tagPaint);
    expect(text).toMatch(/<yellow>rolled-back\s*<\/yellow>/);
    expect(text).toMatch(/<red>interrupted\s*<\/red>/);
    expect(historyAsText([{ ...runs[0], exitCode: 0 }], tagPaint)).toMatch(/<green>rolled-back\s*<\/green>/);
  });

  it('says why the list is empty', () => {
    expect(noRunsText('/j.db', true)).toContain('drop --runbook / --env');
    expect(noRunsText('/j.db', false, false)).toContain('no audit journal at /j.db');
    expect(localDateTime('2026-12-01T09:05:07.000Z', true)).toBe('2026-12-01 09:05:07');
  });
});

describe('showAsText and showAsJson', () => {
  const chain: ChainLink[] = [
    { id: '01KRUNAAAAAAAAAAAAAAAAAAAA', mode: 'run', status: 'rolled-back', parentRunId: null, startedAt: '2026-12-01T09:00:00.000Z' },
  ];
  const view = buildRunView({ run: record(), status: 'rolled-back', events: rolledBack, chain });
  const text = showAsText(view, plainPaint, { dbFlag: '' });

  it('has the header facts', () => {
    expect(text).toContain('Run 01KRUNAAAAAAAAAAAAAAAAAAAA  rolled-back (exit 1)');
    expect(text).toMatch(/runbook\s+webshop-release 2\.4\.0 {2}sha256 abababababab/);
    expect(text).toMatch(/operator\s+ana@bastion/);
    expect(text).toMatch(/change\s+CHG-20481/);
    expect(text).toMatch(/ended\s+2026-12-01 09:02:05 {2}\(2m06s, expected 10m\)/);
  });

  it('lists the rollback actions in the order they ran, and the failing output tail under its step', () => {
    const rollback = text.slice(text.indexOf('Rollback — step migrate failed'));
    expect(rollback).toMatch(/1\. migrate\s+passed \(exit 0\)[\s\S]*2\. deploy\s+passed[\s\S]*3\. backup\s+passed/);
    expect(rollback).toContain('complete, restore verified');
    const migrate = text.slice(text.indexOf('3. migrate'), text.indexOf('4. announce'));
    expect(migrate).toContain('attempt 1  failed (exit 2)  1.2s / 1m expected');
    expect(migrate).toContain('         │ line 12');
    expect(migrate).not.toContain('│ line 2\n');
    expect(text).toMatch(/4\. announce\s+not run/);
  });

  it('advises the next command only for a run that needs action and has no later run', () => {
    const aborted = buildRunView({ run: record({ outcome: 'aborted', exitCode: 3 }), status: 'aborted', events: rolledBack.slice(0, 12) });
    expect(nextForRun(aborted, { dbFlag: '--db j.db' })).toEqual([
      'to roll back:  golive rollback 01KRUNAAAAAAAAAAAAAAAAAAAA --db j.db',
      'to continue:   golive resume 01KRUNAAAAAAAAAAAAAAAAAAAA --db j.db',
    ]);
    const followed = {
      ...aborted,
      chain: [...chain, { id: '01KRUNCCCCCCCCCCCCCCCCCCCC', mode: 'rollback', status: 'rolled-back', parentRunId: aborted.run.id, startedAt: '' } as ChainLink],
    };
    expect(nextForRun(followed, { dbFlag: '' })).toEqual([]);
    expect(showAsText(followed, plainPaint, { dbFlag: '' })).toMatch(/followed by\s+01KRUNCCCCCCCCCCCCCCCCCCCC {2}rollback, rolled-back/);
    const failedRollback = { ...aborted, run: { ...aborted.run, status: 'rollback-failed' as RunStatus } };
    expect(nextForRun(failedRollback, { dbFlag: '' }).join('\n')).not.toContain('golive show');
    expect(nextForRun(view, { dbFlag: '' })).toEqual([]);
  });

  it('gives JSON with the history keys for the run and the attempts shape', () => {
    const json = showAsJson(view) as {
      run: object;
      steps: Array<{ id: string; attempts: object[]; rollback: unknown }>;
      chain: string[];
      rollback: { order: string[] };
    };
    expect(Object.keys(json.run)).toEqual(HISTORY_KEYS);
    expect(Object.keys(json)).toEqual([
      'run',
      'snapshot',
      'steps',
      'checks',
      'verify',
      'rollback',
      'decisions',
      'approvals',
      'waitingFor',
      'issues',
      'warnings',
      'chain',
    ]);
    expect(Object.keys(json.steps[2].attempts[0])).toEqual(['phase', 'attempt', 'status', 'exitCode', 'signal', 'durationMs', 'expectedMs', 'logPath', 'tail']);
    expect(json.steps[2].attempts[0]).toMatchObject({ status: 'failed', exitCode: 2, tail: expect.stringMatching(/^line 3\n[\s\S]*line 12$/) });
    expect(json.steps[3].rollback).toBeNull();
    expect(json.rollback.order).toEqual(['migrate', 'deploy', 'backup']);
    expect(json.chain).toEqual(['01KRUNAAAAAAAAAAAAAAAAAAAA']);
  });
});
