/**
 * The status update over fabricated event sequences and a fixed clock: which
 * verdict (On Track / Delayed / Blocked), progress, next steps, ETA, issues,
 * and what a finished run says. Times are built in local time (the template
 * prints local HH:MM), so the tests hold in any time zone.
 */
import { describe, expect, it } from 'vitest';
import type { EngineEvent, EngineEventBody } from '../../src/engine/events.js';
import type { RunStatus } from '../../src/journal/types.js';
import { formatStatus, statusAsJson } from '../../src/output/status-text.js';
import { type StatusInput, type StatusStep, statusUpdate } from '../../src/views/status.js';

/** 1 December 2026 at hh:mm local time. */
const at = (hh: number, mm: number, ss = 0) => new Date(2026, 11, 1, hh, mm, ss);
const MIN = 60_000;

/** Events stamped with the local times given. */
function events(...entries: Array<[Date, EngineEventBody]>): EngineEvent[] {
  return entries.map(([time, body]) => ({ ...body, at: time.toISOString() }) as EngineEvent);
}

const STEPS: StatusStep[] = [
  { id: 'backup', title: 'Pre-deployment backup', owner: 'dba', expectedMs: 10 * MIN },
  { id: 'migrate', title: 'Run database migrations', owner: 'dba', expectedMs: 15 * MIN },
  { id: 'configure', title: 'Update configuration', owner: 'devops', expectedMs: 5 * MIN },
  { id: 'restart', title: 'Restart application', owner: 'devops', expectedMs: 5 * MIN },
];

const runStarted = (steps = STEPS.map((s) => s.id)): EngineEventBody => ({
  kind: 'run.started',
  mode: 'run',
  runbook: { name: 'webshop-release', version: '2.4.0', path: 'webshop.yaml', sha256: 'ab'.repeat(32) },
  environment: 'production',
  operator: 'ana',
  host: 'bastion',
  steps,
  expectedMs: 35 * MIN,
  vars: {},
});
const start = (stepId: string, phase: 'step' | 'rollback' | 'verify' = 'step', attempt = 1, attempts = 1): EngineEventBody => {
  const step = STEPS.find((s) => s.id === stepId);
  return {
    kind: 'step.started',
    phase,
    stepId,
    title: phase === 'rollback' ? `Roll back: ${step?.title}` : (step?.title ?? stepId),
    owner: step?.owner,
    attempt,
    attempts,
    expectedMs: phase === 'step' ? step?.expectedMs : undefined,
    command: `./${stepId}.sh`,
  };
};
const end = (stepId: string, status: 'passed' | 'failed' = 'passed', phase: 'step' | 'rollback' | 'verify' = 'step', attempt = 1): EngineEventBody => ({
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
  outputs: {},
  message: status === 'failed' ? 'exited with status 1' : undefined,
});
const state = (stepId: string, s: 'succeeded' | 'failed' | 'rolled-back' | 'skipped', reason?: string): EngineEventBody => ({
  kind: 'step.state',
  stepId,
  state: s,
  reason,
});

/** backup done 10:00–10:08, migrate started 10:08 and still running. */
const migrating = events(
  [at(10, 0), runStarted()],
  [at(10, 0), start('backup')],
  [at(10, 8), end('backup')],
  [at(10, 8), state('backup', 'succeeded')],
  [at(10, 8), start('migrate')],
);

function input(evts: EngineEvent[], now: Date, overrides: Partial<StatusInput> = {}): StatusInput {
  return {
    runId: '01KRUNAAAAAAAAAAAAAAAAAAAA',
    runbook: { name: 'webshop-release', version: '2.4.0' },
    environment: 'production',
    steps: STEPS,
    events: evts,
    runStatus: 'running',
    now,
    ...overrides,
  };
}

describe('a live run', () => {
  it('on schedule: the running step, progress, the next steps and the ETA, in the template', () => {
    const update = statusUpdate(input(migrating, at(10, 15)));
    expect(update.status).toBe('On Track');
    expect(update.progress).toEqual({ completed: 1, total: 4, rollback: null });
    expect(update.nextSteps).toEqual(['Update configuration', 'Restart application']);
    // 10:15 + (15m − 7m elapsed) + 5m + 5m
    expect(new Date(update.eta!).getTime()).toBe(at(10, 33).getTime());
    expect(formatStatus(update)).toBe(
      [
        'webshop-release 2.4.0 on production — run 01KRUNAAAAAAAAAAAAAAAAAAAA',
        'Status Update - 10:15',
        'Current Activity: Run database migrations (dba) — 7m elapsed of 15m expected',
        'Progress: 1 of 4 steps completed',
        'Status: On Track',
        'Issues: none',
        'Next Steps: Update configuration, Restart application',
        'ETA: 10:33',
      ].join('\n'),
    );
  });

  it('a running step over its expected time makes the run Delayed, beyond a tolerance', () => {
    // Budget 10m (backup) + 15m (migrate, capped at its expected) = 25m; the tolerance is max(10%, 1m).
    expect(statusUpdate(input(migrating, at(10, 27))).status).toBe('On Track');
    const late = statusUpdate(input(migrating, at(10, 35)));
    expect(late.status).toBe('Delayed');
    expect(late.statusReason).toBe('10m behind the expected schedule');
    // The overrunning step has nothing left of its expected time: only the two last steps remain.
    expect(new Date(late.eta!).getTime()).toBe(at(10, 45).getTime());
    expect(formatStatus(late)).toContain('Status: Delayed — 10m behind the expected schedule');
  });

  it('a completed step that overran makes the run Delayed even while the next step is on time', () => {
    const evts = events(
      [at(10, 0), runStarted()],
      [at(10, 0), start('backup')],
      [at(10, 20), end('backup')],
      [at(10, 20), state('backup', 'succeeded')],
      [at(10, 20), start('migrate')],
    );
    const update = statusUpdate(input(evts, at(10, 21)));
    expect(update.status).toBe('Delayed');
    expect(update.statusReason).toBe('10m behind the expected schedule');
  });

  it('a failed step waiting for the operator is Blocked, with no ETA', () => {
    const evts = [...migrating, ...events([at(10, 12), end('migrate', 'failed')], [at(10, 12), state('migrate', 'failed', 'exited with status 1')])];
    const update = statusUpdate(input(evts, at(10, 13)));
    expect(update.status).toBe('Blocked');
    expect(update.statusReason).toBe('step migrate failed: waiting for ana to decide');
    expect(update.activity).toBe('waiting for ana to decide what to do about the failed step Run database migrations');
    expect(update.eta).toBeNull();
    expect(update.issues).toContain('migrate: failed — exited with status 1');
    expect(formatStatus(update)).toContain('ETA: unknown: blocked');
  });

  it('a step failed with on_failure: continue is an issue, not a block', () => {
    const evts = [
      ...migrating,
      ...events(
        [at(10, 12), end('migrate', 'failed')],
        [at(10, 12), state('migrate', 'failed', 'exited with status 1')],
        [at(10, 12), { kind: 'decision', subject: 'guided-failure', subjectId: 'migrate', choice: 'continue', reason: 'x', by: 'ana', via: 'policy' }],
        [at(10, 12), start('configure')],
      ),
    ];
    const update = statusUpdate(input(evts, at(10, 13)));
    expect(update.status).toBe('On Track');
    expect(update.progress.completed).toBe(1);
    expect(update.issues).toEqual(['migrate: failed — exited with status 1', 'guided-failure migrate: continue (ana)']);
    expect(update.nextSteps).toEqual(['Restart application']);
  });

  it('a rollback in progress is Blocked and names the rollbacks still to run', () => {
    const evts = [
      ...migrating,
      ...events(
        [at(10, 12), end('migrate', 'failed')],
        [at(10, 12), state('migrate', 'failed', 'exited with status 1')],
        [at(10, 12), { kind: 'decision', subject: 'guided-failure', subjectId: 'migrate', choice: 'rollback', reason: 'x', by: 'ana', via: 'prompt' }],
        [at(10, 12), { kind: 'rollback.started', reason: 'step migrate failed', order: ['migrate', 'backup'], withoutRollback: [] }],
        [at(10, 12), start('migrate', 'rollback')],
        [at(10, 13), end('migrate', 'passed', 'rollback')],
        [at(10, 13), state('migrate', 'rolled-back')],
        [at(10, 13), start('backup', 'rollback')],
      ),
    ];
    const update = statusUpdate(input(evts, at(10, 14)));
    expect(update.status).toBe('Blocked');
    expect(update.statusReason).toBe('step migrate failed: rolling back');
    expect(update.activity).toBe('Roll back: Pre-deployment backup (dba) — 1m elapsed');
    expect(update.progress.rollback).toEqual({ done: 1, total: 2 });
    expect(formatStatus(update)).toContain('Progress: 1 of 4 steps completed; rolled back 1 of 2');
  });

  it('`golive rollback` rolling back is doing its job: not Blocked, and no ETA', () => {
    const prior = events([at(9, 0), runStarted()], [at(9, 0), start('backup')], [at(9, 5), end('backup')], [at(9, 5), state('backup', 'succeeded')]);
    const evts = events(
      [at(10, 0), { ...runStarted(), mode: 'rollback' } as EngineEventBody],
      [at(10, 0), { kind: 'rollback.started', reason: 'requested by ana', order: ['backup'], withoutRollback: [] }],
      [at(10, 0), start('backup', 'rollback')],
    );
    const update = statusUpdate(input(evts, at(10, 2), { priorEvents: prior, mode: 'rollback' }));
    expect(update.status).toBe('On Track');
    expect(update.activity).toBe('Roll back: Pre-deployment backup (dba) — 2m elapsed');
    expect(update.progress.rollback).toEqual({ done: 0, total: 1 });
    expect(update.eta).toBeNull();
    expect(update.etaNote).toBe('unknown: rolling back (rollbacks have no expected durations)');
  });

  it('retries, a minor smoke test, CONDITIONAL GO and warnings are issues', () => {
    const evts = events(
      [at(10, 0), runStarted(['backup'])],
      [at(10, 0), { kind: 'check.finished', checkId: 'space', passed: false, blocking: false, reason: 'exited with status 1' }],
      [at(10, 0), { kind: 'decision', subject: 'go-no-go', choice: 'CONDITIONAL GO', reason: 'space: exited with status 1', by: 'ana', via: 'policy' }],
      [at(10, 0), start('backup', 'step', 1, 2)],
      [at(10, 1), end('backup', 'failed')],
      [at(10, 1), { kind: 'step.retrying', phase: 'step', stepId: 'backup', nextAttempt: 2, delayMs: 20_000 }],
      [at(10, 2), start('backup', 'step', 2, 2)],
      [at(10, 3), end('backup', 'passed', 'step', 2)],
      [at(10, 3), state('backup', 'succeeded')],
      [at(10, 3), { kind: 'warning', stepId: 'backup', message: 'output x has no value' }],
      [at(10, 4), start('login', 'verify')],
      [at(10, 4), end('login', 'failed', 'verify')],
      [at(10, 4), { kind: 'verify.finished', verifyId: 'login', severity: 'minor', passed: false, reason: 'exited with status 1' }],
    );
    const update = statusUpdate(input(evts, at(10, 5), { steps: STEPS.slice(0, 1), smokeTests: [{ id: 'login', title: 'login' }] }));
    expect(update.issues).toEqual([
      'check space failed (non-blocking): exited with status 1',
      'CONDITIONAL GO: space: exited with status 1',
      'backup: attempt 1 failed; retrying in 20s',
      'backup: succeeded after 1 failed attempt(s)',
      'warning: backup: output x has no value',
      'smoke test login (minor) failed: exited with status 1',
    ]);
    expect(update.status).toBe('On Track');
    expect(formatStatus(update)).toContain('Issues:\n  - check space failed (non-blocking): exited with status 1\n  - CONDITIONAL GO');
    expect(update.etaNote).toBe('every step is done');
    // The smoke tests have begun: they are the activity now, no longer a next step.
    expect(update.nextSteps).toEqual([]);
  });

  it('a parallel group: members count as steps, run at once, and the ETA takes the longest', () => {
    const steps: StatusStep[] = [
      { id: 'web', title: 'Deploy web', owner: 'devops', expectedMs: 10 * MIN, group: 'deploy' },
      { id: 'api', title: 'Deploy API', owner: 'devops', expectedMs: 20 * MIN, group: 'deploy' },
      { id: 'smoke', title: 'Warm caches', expectedMs: 5 * MIN },
    ];
    const evts = events(
      [at(10, 0), runStarted(['web', 'api', 'smoke'])],
      [at(10, 0), { ...start('web'), title: 'Deploy web', expectedMs: 10 * MIN, group: 'deploy' } as EngineEventBody],
      [at(10, 0), { ...start('api'), title: 'Deploy API', expectedMs: 20 * MIN, group: 'deploy' } as EngineEventBody],
      [at(10, 9), end('web')],
      [at(10, 9), state('web', 'succeeded')],
    );
    const update = statusUpdate(input(evts, at(10, 12), { steps }));
    expect(update.progress).toEqual({ completed: 1, total: 3, rollback: null });
    expect(update.activity).toBe('Deploy API (devops) — 12m elapsed of 20m expected');
    // api has 8m left, then 5m: 10:25. Summing the members would say 10:35.
    expect(new Date(update.eta!).getTime()).toBe(at(10, 25).getTime());
    // 12m spent against a budget of max(10m, 12m): on track, though the members' expected times add up to 30m.
    expect(statusUpdate(input(evts, at(10, 21), { steps })).status).toBe('On Track');
    expect(statusUpdate(input(evts, at(10, 24), { steps })).status).toBe('Delayed');
  });

  it('waiting at a manual step says who must confirm what', () => {
    const steps: StatusStep[] = [STEPS[0], { id: 'announce', title: 'announce', owner: 'deployment-lead', confirm: 'Post the go-live announcement?' }];
    const evts = events(
      [at(10, 0), runStarted(['backup', 'announce'])],
      [at(10, 0), start('backup')],
      [at(10, 5), end('backup')],
      [at(10, 5), state('backup', 'succeeded')],
    );
    const update = statusUpdate(input(evts, at(10, 6), { steps }));
    expect(update.activity).toBe('waiting for ana (deployment-lead) to confirm: Post the go-live announcement?');
    expect(update.etaNote).toBe('unknown: the remaining steps have no expected duration');
    expect(formatStatus(update)).toContain('ETA: unknown: the remaining steps have no expected duration');
  });

  it('a resumed run counts the steps its earlier runs completed', () => {
    const prior = events(
      [at(9, 0), runStarted()],
      [at(9, 0), start('backup')],
      [at(9, 5), end('backup')],
      [at(9, 5), state('backup', 'succeeded')],
      [at(9, 5), start('migrate')],
      [at(9, 6), end('migrate', 'failed')],
      [at(9, 6), state('migrate', 'failed')],
    );
    const evts = events([at(10, 0), { ...runStarted(), mode: 'resume' } as EngineEventBody], [at(10, 0), start('migrate')]);
    const update = statusUpdate(input(evts, at(10, 5), { priorEvents: prior }));
    expect(update.progress.completed).toBe(1);
    expect(update.status).toBe('On Track');
    expect(update.issues).toEqual([]);
    expect(formatStatus(update)).toContain('— run 01KRUNAAAAAAAAAAAAAAAAAAAA (resume)');
  });

  it('without a plan, steps come from run.started and titles from the events', () => {
    const update = statusUpdate(input(migrating, at(10, 15), { steps: [] }));
    expect(update.progress.total).toBe(4);
    expect(update.nextSteps).toEqual(['configure', 'restart']);
    expect(update.activity).toContain('Run database migrations (dba)');
  });
});

describe('a finished run', () => {
  const done = (outcome: string, exitCode: number, issues: string[] = []) =>
    events([at(10, 40), { kind: 'run.finished', outcome, exitCode, durationMs: 40 * MIN, issues } as EngineEventBody]);
  const allDone = [
    ...migrating,
    ...events(
      [at(10, 20), end('migrate')],
      [at(10, 20), state('migrate', 'succeeded')],
      [at(10, 20), start('configure')],
      [at(10, 25), end('configure')],
      [at(10, 25), state('configure', 'succeeded')],
      [at(10, 25), start('restart')],
      [at(10, 30), end('restart')],
      [at(10, 30), state('restart', 'succeeded')],
    ),
  ];

  it.each<[RunStatus, string, number, string]>([
    ['succeeded', 'succeeded', 0, 'Succeeded'],
    ['succeeded-with-issues', 'succeeded-with-issues', 0, 'Succeeded with issues'],
    ['rolled-back', 'rolled-back', 1, 'Rolled back'],
    ['no-go', 'no-go', 4, 'NO-GO'],
  ])('%s shows the outcome', (runStatus, outcome, exitCode, verdict) => {
    const update = statusUpdate(input([...allDone, ...done(outcome, exitCode)], at(11, 0), { runStatus }));
    expect(update.finished).toBe(true);
    expect(update.status).toBe(verdict);
    expect(update.activity).toBe(`finished: ${outcome} at 10:40 after 40m`);
    expect(update.eta).toBeNull();
    expect(formatStatus(update)).toContain('ETA: finished at 10:40');
  });

  it('progress counts forward work: a step a rollback left applied (no rollback) is not counted as completed', () => {
    const evts = [
      ...migrating,
      ...events(
        [at(10, 12), end('migrate', 'failed')],
        [at(10, 12), state('migrate', 'failed', 'exited with status 1')],
        [at(10, 12), { kind: 'rollback.started', reason: 'step migrate failed', order: ['migrate'], withoutRollback: ['backup'] }],
        [at(10, 12), { kind: 'step.state', stepId: 'backup', state: 'no-rollback', reason: 'no rollback defined' }],
        [at(10, 13), start('migrate', 'rollback')],
        [at(10, 14), end('migrate', 'passed', 'rollback')],
        [at(10, 14), state('migrate', 'rolled-back')],
        [at(10, 14), { kind: 'rollback.finished', complete: true, failed: [], withoutRollback: ['backup'], unrestorable: ['backup'] }],
      ),
      ...done('rollback-incomplete', 3),
    ];
    const update = statusUpdate(input(evts, at(11, 0), { runStatus: 'rollback-incomplete' }));
    expect(update.progress).toEqual({ completed: 0, total: 4, rollback: { done: 1, total: 1 } });
    expect(formatStatus(update)).toContain('Progress: 0 of 4 steps completed; rolled back 1 of 1');
  });

  it('succeeded: 4 of 4, nothing next', () => {
    const text = formatStatus(statusUpdate(input([...allDone, ...done('succeeded', 0)], at(11, 0), { runStatus: 'succeeded' })));
    expect(text).toContain('Progress: 4 of 4 steps completed\nStatus: Succeeded\nIssues: none\nNext Steps: none');
  });

  it('aborted is Blocked, with the commands to resume or roll back', () => {
    const evts = [
      ...migrating,
      ...events(
        [at(10, 12), end('migrate', 'failed')],
        [at(10, 12), state('migrate', 'failed', 'exited with status 1')],
        [at(10, 12), { kind: 'decision', subject: 'guided-failure', subjectId: 'migrate', choice: 'abort', reason: 'x', by: 'ana', via: 'policy' }],
      ),
      ...done('aborted', 3),
    ];
    const update = statusUpdate(input(evts, at(11, 0), { runStatus: 'aborted', dbFlag: '--db /tmp/g.db' }));
    expect(update.status).toBe('Blocked');
    expect(update.statusReason).toBe('aborted at Run database migrations: resume or roll back');
    expect(update.advice).toEqual([
      'to roll back:  golive rollback 01KRUNAAAAAAAAAAAAAAAAAAAA --db /tmp/g.db',
      'to continue:   golive resume 01KRUNAAAAAAAAAAAAAAAAAAAA --db /tmp/g.db',
    ]);
    expect(formatStatus(update)).toContain('Next Steps:\n  to roll back:  golive rollback');
  });

  it('a run whose process died mid-step (no recorded end) is Blocked and says so', () => {
    const update = statusUpdate(input(migrating, at(11, 0), { runStatus: 'interrupted' }));
    expect(update.status).toBe('Blocked');
    expect(update.statusReason).toBe('golive stopped without recording an end (its process is gone) during Run database migrations');
    expect(update.endedAt).toBe(at(10, 8).toISOString());
    expect(update.advice[0]).toContain('golive rollback 01KRUNAAAAAAAAAAAAAAAAAAAA');
  });

  it('statusAsJson is one line of JSON with the template fields', () => {
    const json = statusAsJson(statusUpdate(input(migrating, at(10, 15))));
    expect(json).not.toContain('\n');
    const parsed = JSON.parse(json);
    expect(parsed).toMatchObject({
      status: 'On Track',
      progress: { completed: 1, total: 4 },
      nextSteps: ['Update configuration', 'Restart application'],
      finished: false,
    });
    expect(parsed.current[0]).toMatchObject({ stepId: 'migrate', owner: 'dba', elapsedMs: 7 * MIN, expectedMs: 15 * MIN });
  });
});

describe('a run waiting for the operator', () => {
  const announce: StatusStep = {
    id: 'announce',
    title: 'Announce the release',
    owner: 'deployment-lead',
    expectedMs: 10 * MIN,
    confirm: 'Post the go-live announcement?',
  };
  const asked: EngineEventBody = { kind: 'question.asked', subject: 'confirm', subjectId: 'announce', question: 'Post the go-live announcement?', to: 'ana' };

  it('a planned confirmation is waiting, not Blocked, until it has waited longer than its step is expected to take', () => {
    const steps = [STEPS[0], announce];
    const waiting = events(
      [at(10, 0), runStarted(['backup', 'announce'])],
      [at(10, 0), start('backup')],
      [at(10, 8), end('backup')],
      [at(10, 8), state('backup', 'succeeded')],
      [at(10, 8), asked],
    );
    const inTime = statusUpdate(input(waiting, at(10, 15), { steps }));
    expect(inTime.status).toBe('On Track');
    expect(inTime.activity).toBe('waiting for ana (deployment-lead) to confirm: Post the go-live announcement?');

    const overdue = statusUpdate(input(waiting, at(10, 19), { steps }));
    expect(overdue.status).toBe('Blocked');
    expect(formatStatus(overdue)).toContain('waiting for ana to confirm since 10:08, longer than the expected 10m');

    // Without an expected duration, waiting alone never blocks.
    expect(statusUpdate(input(waiting, at(12, 0), { steps: [STEPS[0], { ...announce, expectedMs: undefined }] })).status).toBe('On Track');

    const answered = events(
      ...migratingEntries(),
      [at(10, 20), asked],
      [
        at(10, 21),
        { kind: 'decision', subject: 'confirm', subjectId: 'announce', choice: 'approved', reason: 'Post the go-live announcement?', by: 'ana', via: 'prompt' },
      ],
    );
    expect(statusUpdate(input(answered, at(10, 25))).activity).not.toContain('waiting for ana');
  });

  it('any other question (what to do about a failure) is Blocked at once, naming who is asked what and since when', () => {
    const failed: EngineEventBody = {
      kind: 'question.asked',
      subject: 'guided-failure',
      subjectId: 'migrate',
      question: 'migrate failed: what now?',
      to: 'ana',
    };
    const update = statusUpdate(input(events(...migratingEntries(), [at(10, 20), failed]), at(10, 21)));
    expect(update.status).toBe('Blocked');
    expect(update.activity).toBe('waiting for ana to answer: migrate failed: what now?');
    expect(formatStatus(update)).toContain('waiting for ana to answer since 10:20');
  });
});

describe('a run waiting for named approvers', () => {
  const requested: EngineEventBody = {
    kind: 'approval.requested',
    subject: 'confirm',
    pointId: 'migrate',
    title: 'Run database migrations',
    approvers: [
      { role: 'dba', name: 'Li Wei', user: 'liwei' },
      { role: 'deployment-lead', name: 'Ana Ruiz', user: 'ana' },
      { role: 'devops', name: 'Sam Okafor', user: 'sam' },
    ],
    minApprovals: 2,
    selfApproval: false,
    runner: 'ana',
  };
  const answer = (user: string, verdict: 'accepted' | 'refused' = 'accepted'): EngineEventBody => ({
    kind: 'approval',
    pointId: 'migrate',
    answer: 'approve',
    verdict,
    identity: { user, kind: 'database-role' },
    by: user,
    via: 'command',
    host: 'elsewhere',
    ...(verdict === 'refused' ? { refusal: `${user} started this run` } : {}),
  });

  it('is Blocked at once, naming who is still asked (not the runner, under four eyes), what, and since when', () => {
    const update = statusUpdate(input(events(...migratingEntries(), [at(10, 9), requested]), at(10, 10)));
    expect(update.status).toBe('Blocked');
    expect(update.statusReason).toBe('waiting for Li Wei (dba) or Sam Okafor (devops) to approve Run database migrations (migrate) since 10:09');
    expect(update.activity).toBe(update.statusReason);
    expect(update.etaNote).toBe('unknown: blocked');
  });

  it('names every point it waits at when members of a parallel group wait at once, and drops each one decided', () => {
    const configure: EngineEventBody = { ...requested, pointId: 'configure', title: 'Update configuration', minApprovals: 1 } as EngineEventBody;
    const both = events(...migratingEntries(), [at(10, 9), requested], [at(10, 9), configure]);
    expect(statusUpdate(input(both, at(10, 10))).statusReason).toBe(
      'waiting for Li Wei (dba) or Sam Okafor (devops) to approve Run database migrations (migrate) since 10:09; and for Li Wei (dba) or Sam Okafor (devops) to approve Update configuration (configure) since 10:09',
    );
    const one = events(
      ...migratingEntries(),
      [at(10, 9), requested],
      [at(10, 9), configure],
      [at(10, 10), { kind: 'decision', subject: 'confirm', subjectId: 'configure', choice: 'approved', by: 'Sam Okafor', via: 'approval' }],
    );
    expect(statusUpdate(input(one, at(10, 11))).statusReason).toBe(
      'waiting for Li Wei (dba) or Sam Okafor (devops) to approve Run database migrations (migrate) since 10:09',
    );
  });

  it('counts approvals given so far, lists a refused attempt as an issue, and is no longer blocked once decided', () => {
    const waiting = events(...migratingEntries(), [at(10, 9), requested], [at(10, 10), answer('ana', 'refused')], [at(10, 11), answer('liwei')]);
    const update = statusUpdate(input(waiting, at(10, 12)));
    expect(update.statusReason).toBe(
      'waiting for Sam Okafor (devops) to approve Run database migrations (migrate, 1 of 2 given: Li Wei (dba, liwei)) since 10:09',
    );
    expect(update.issues).toContain('refused: ana started this run');
    const decided = events(
      ...migratingEntries(),
      [at(10, 9), requested],
      [at(10, 11), answer('liwei')],
      [at(10, 12), answer('sam')],
      [at(10, 12), { kind: 'decision', subject: 'confirm', subjectId: 'migrate', choice: 'approved', by: 'Li Wei, Sam Okafor', via: 'approval' }],
      [at(10, 12), start('migrate')],
    );
    const after = statusUpdate(input(decided, at(10, 13)));
    expect(after.status).not.toBe('Blocked');
    expect(after.activity).toContain('Run database migrations');
  });
});

function migratingEntries(): Array<[Date, EngineEventBody]> {
  return [
    [at(10, 0), runStarted()],
    [at(10, 0), start('backup')],
    [at(10, 8), end('backup')],
    [at(10, 8), state('backup', 'succeeded')],
  ];
}
