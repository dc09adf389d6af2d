import { describe, expect, it } from 'vitest';
import type { EngineEvent, EngineEventBody } from '../../src/engine/events.js';
import { plainPaint } from '../../src/output/paint.js';
import { createTaskListView, type TaskListOptions } from '../../src/output/task-list.js';
import { TaskItem } from '../../src/output/task-list-model.js';
import { TaskListState } from '../../src/output/task-list-state.js';
import { createTerminalPrompter, PromptError } from '../../src/output/terminal-prompter.js';
import { FakeTerminal, planOf, screen, strip } from './fake-terminal.js';

const RUNBOOK = `
golive: 1
name: shop
version: 2.4.0
team:
  devops: { name: Sam }
checks:
  - id: disk
    run: "true"
  - id: ready
    confirm: Team ready?
steps:
  - id: db
    title: Migrate
    run: ./migrate
    owner: devops
    duration: 10s
    rollback: ./unmigrate
  - id: deploy
    parallel:
      - id: web
        run: ./web
        rollback: ./web-back
      - id: api
        run: ./api
  - id: flags
    run: ./flags
    rollback: ./flags-off
verify:
  - id: health
    run: ./health
`;

/** A view on a fake terminal, and a script writer stamping events one second apart. */
function harness(options: TaskListOptions = {}, plan = planOf(RUNBOOK)) {
  const terminal = new FakeTerminal();
  const view = createTaskListView(plan, { runId: 'run-7', dbFlag: '' }, { stream: terminal as unknown as NodeJS.WriteStream, ...options });
  let clock = Date.parse('2026-12-01T09:00:00Z');
  const emit = (body: EngineEventBody) => {
    clock += 1000;
    view.render({ ...body, at: new Date(clock).toISOString() } as EngineEvent);
  };
  const start = (mode: 'run' | 'resume' = 'run') =>
    emit({
      kind: 'run.started',
      mode,
      runbook: { name: 'shop', version: '2.4.0', path: 'shop.yaml', sha256: 'x' },
      operator: 'ana',
      host: 'box',
      steps: ['db', 'web', 'api', 'flags'],
      expectedMs: 20_000,
      vars: {},
    });
  const started = (phase: 'check' | 'step' | 'verify' | 'rollback' | 'validate', stepId: string, attempt = 1, attempts = 1) =>
    emit({ kind: 'step.started', phase, stepId, title: stepId, attempt, attempts, command: './x' });
  const ended = (phase: 'check' | 'step' | 'verify' | 'rollback' | 'validate', stepId: string, ok = true, attempt = 1) =>
    emit({
      kind: 'step.finished',
      phase,
      stepId,
      attempt,
      status: ok ? 'passed' : 'failed',
      exitCode: ok ? 0 : 1,
      signal: null,
      durationMs: 900,
      head: '',
      tail: '',
      outputBytes: 0,
      outputs: {},
      message: ok ? undefined : 'exited with status 1',
    });
  const state = (stepId: string, s: 'succeeded' | 'failed' | 'skipped' | 'in-doubt' | 'rolled-back' | 'rollback-failed', reason?: string) =>
    emit({ kind: 'step.state', stepId, state: s, reason });
  const checks = () => {
    started('check', 'disk');
    ended('check', 'disk');
    emit({ kind: 'check.finished', checkId: 'disk', passed: true, blocking: true });
    emit({ kind: 'decision', subject: 'confirm', subjectId: 'ready', choice: 'approved', reason: 'Team ready?', by: 'ana', via: 'flag' });
    emit({ kind: 'check.finished', checkId: 'ready', passed: true, blocking: true });
    emit({ kind: 'decision', subject: 'go-no-go', choice: 'GO', by: 'ana', via: 'policy' });
  };
  const step = (id: string) => {
    started('step', id);
    emit({ kind: 'step.output', phase: 'step', stepId: id, stream: 'stdout', text: `${id} working\n` });
    ended('step', id);
    state(id, 'succeeded');
  };
  const finish = (outcome: 'succeeded' | 'rolled-back' | 'no-go' | 'aborted', exitCode: number, issues: string[] = []) =>
    emit({ kind: 'run.finished', outcome, exitCode, durationMs: 25_000, issues });
  const result = async () => {
    await view.close();
    return screen(terminal.raw);
  };
  return { view, terminal, emit, start, started, ended, state, checks, step, finish, result };
}

/** The line of the final frame that names `id` first. */
const line = (list: string, id: string) => list.split('\n').find((l) => new RegExp(`^\\s*\\S+ ${id}\\b`).test(l)) ?? `(no line for ${id})`;

describe('task list', () => {
  it('shows a successful run: every check, step, parallel member and smoke test passed, then the summary', async () => {
    const h = harness();
    h.start();
    h.checks();
    h.step('db');
    h.started('step', 'web');
    h.started('step', 'api');
    h.ended('step', 'api');
    h.state('api', 'succeeded');
    h.ended('step', 'web');
    h.state('web', 'succeeded');
    h.step('flags');
    h.started('verify', 'health');
    h.ended('verify', 'health');
    h.emit({ kind: 'verify.finished', verifyId: 'health', severity: 'critical', passed: true });
    h.finish('succeeded', 0);
    const { list, after } = await h.result();

    expect(line(list, 'Pre-deployment')).toMatch(/^✔ Pre-deployment checks: GO/);
    expect(line(list, 'disk')).toMatch(/✔ disk 2\.0s/);
    expect(line(list, 'ready')).toMatch(/✔ ready — Team ready\? — approved \(command line\)/);
    // Title, owner, elapsed / expected.
    expect(line(list, 'db')).toMatch(/✔ db — Migrate \[devops\] 3\.0s \/ 10s$/);
    expect(line(list, 'deploy')).toMatch(/✔ deploy \(in parallel\)/);
    // Members are nested under their group.
    expect(line(list, 'web')).toMatch(/^ {4}✔ web/);
    expect(line(list, 'api')).toMatch(/^ {4}✔ api/);
    expect(line(list, 'flags')).toMatch(/✔ flags/);
    expect(line(list, 'health')).toMatch(/✔ health/);
    expect(list).not.toMatch(/Rolling back|Rolled back/);
    expect(after).toContain('✔ succeeded in 25s (expected 20s) — run run-7, exit 0');
  });

  it('shows a failure and the rollback as its own phase, in the engine order, with steps lacking a rollback named', async () => {
    const h = harness();
    h.start();
    h.checks();
    h.step('db');
    h.started('step', 'web');
    h.started('step', 'api');
    h.ended('step', 'web');
    h.state('web', 'succeeded');
    h.ended('step', 'api', false);
    h.state('api', 'failed', 'exited with status 1');
    h.emit({ kind: 'decision', subject: 'guided-failure', subjectId: 'api', choice: 'rollback', reason: 'step api failed', by: 'ana', via: 'prompt' });
    h.emit({ kind: 'rollback.started', reason: 'step api failed: exited with status 1', order: ['web', 'db'], withoutRollback: ['api'] });
    h.started('rollback', 'web');
    h.ended('rollback', 'web');
    h.state('web', 'rolled-back');
    h.started('rollback', 'db');
    h.ended('rollback', 'db', false);
    h.state('db', 'rollback-failed', 'exited with status 1');
    h.emit({ kind: 'rollback.finished', complete: false, failed: ['db'], withoutRollback: ['api'] });
    h.finish('aborted', 3);
    const { list, after } = await h.result();

    const lines = list.split('\n');
    expect(line(list, 'api')).toMatch(/✖ api .*failed: exited with status 1 — rolling back by ana/);
    expect(line(list, 'flags')).toMatch(/↓ flags — not run/);
    expect(line(list, 'health')).toMatch(/↓ health — not run/);
    expect(list).toMatch(/^\S+ Smoke tests — not run$/m);
    const phase = lines.findIndex((l) => l.includes('Rollback incomplete (failed: db) — step api failed'));
    expect(phase).toBeGreaterThan(lines.findIndex((l) => l.includes('health')));
    const rollback = lines.slice(phase + 1).join('\n');
    expect(rollback).toMatch(/✔ web .*— rolled back\n.*✖ db — Migrate .*rollback failed: exited with status 1\n.*↓ api — no rollback defined/);
    expect(after).toContain('✖ aborted in 25s');
    expect(after).toContain('golive rollback run-7');
    expect(after).toContain('golive resume run-7');
  });

  it('shows NO-GO: the failed blocking check, and no step run', async () => {
    const h = harness();
    h.start();
    h.started('check', 'disk');
    h.ended('check', 'disk', false);
    h.emit({ kind: 'check.finished', checkId: 'disk', passed: false, blocking: true, reason: 'exited with status 1' });
    h.emit({ kind: 'decision', subject: 'confirm', subjectId: 'ready', choice: 'declined', reason: 'Team ready?', by: 'ana', via: 'prompt' });
    h.emit({ kind: 'check.finished', checkId: 'ready', passed: false, blocking: true, reason: 'ana answered no' });
    h.emit({ kind: 'decision', subject: 'go-no-go', choice: 'NO-GO', by: 'ana', via: 'policy' });
    h.finish('no-go', 4);
    const { list, after } = await h.result();

    expect(list).toContain('Pre-deployment checks: NO-GO');
    expect(line(list, 'disk')).toMatch(/✖ disk .*failed: exited with status 1/);
    expect(line(list, 'ready')).toMatch(/✖ ready .*declined by ana — failed: ana answered no|✖ ready .*failed: ana answered no/);
    for (const id of ['db', 'web', 'api', 'flags', 'health']) expect(line(list, id)).toMatch(new RegExp(`↓ ${id}.* — not run \\(no-go\\)`));
    // A group none of whose lines ran says so, instead of looking passed.
    expect(list).toMatch(/^\S+ Deployment steps — not run \(no-go\)$/m);
    expect(list).toMatch(/^\S+ Smoke tests — not run \(no-go\)$/m);
    expect(after).toContain('✖ no-go in 25s');
  });

  it('shows retries with their attempt, and a step retried after a failure as passed', async () => {
    const h = harness();
    h.start();
    h.checks();
    h.started('step', 'db', 1, 2);
    h.ended('step', 'db', false);
    h.emit({ kind: 'step.retrying', phase: 'step', stepId: 'db', nextAttempt: 2, delayMs: 5000 });
    h.started('step', 'db', 2, 2);
    h.ended('step', 'db', false, 2);
    h.state('db', 'failed', 'exited with status 1 (after 2 attempts)');
    h.emit({ kind: 'decision', subject: 'guided-failure', subjectId: 'db', choice: 'retry', reason: 'x', by: 'ana', via: 'prompt' });
    h.started('step', 'db', 1, 2);
    h.ended('step', 'db');
    h.started('validate', 'db');
    h.ended('validate', 'db');
    h.state('db', 'succeeded');
    h.finish('aborted', 3);
    const { list } = await h.result();
    // Elapsed counts from the first attempt: retries and the operator's pause are part of the step's time.
    expect(line(list, 'db')).toMatch(/✔ db — Migrate \[devops\] 11s \/ 10s over expected \(attempt 1\/2\)$/);
  });

  it('shows steps an earlier run finished as already done on resume', async () => {
    const h = harness({ alreadyDone: ['disk', 'ready', 'db'] });
    h.start('resume');
    h.started('step', 'web');
    h.started('step', 'api');
    for (const id of ['web', 'api']) {
      h.ended('step', id);
      h.state(id, 'succeeded');
    }
    h.step('flags');
    h.finish('succeeded', 0);
    const { list } = await h.result();
    for (const id of ['disk', 'ready', 'db']) expect(line(list, id)).toMatch(new RegExp(`↓ ${id}.* — already done \\(earlier run\\)`));
    expect(line(list, 'web')).toMatch(/✔ web/);
    expect(line(list, 'health')).toMatch(/↓ health — not run/);
  });

  it('shows only the rollback for `golive rollback`, in the order the engine gives', async () => {
    const h = harness();
    h.emit({
      kind: 'run.started',
      mode: 'rollback',
      runbook: { name: 'shop', path: 'shop.yaml', sha256: 'x' },
      operator: 'ana',
      host: 'box',
      steps: [],
      expectedMs: 0,
      vars: {},
    });
    h.emit({ kind: 'rollback.started', reason: 'requested by ana', order: ['flags', 'db'], withoutRollback: [] });
    for (const id of ['flags', 'db']) {
      h.started('rollback', id);
      h.ended('rollback', id);
      h.state(id, 'rolled-back');
    }
    h.emit({ kind: 'rollback.finished', complete: true, failed: [], withoutRollback: [] });
    h.emit({ kind: 'run.finished', outcome: 'rolled-back', exitCode: 0, durationMs: 4000, issues: [] });
    const { list, after } = await h.result();
    expect(list.trim().split('\n')).toEqual([
      expect.stringMatching(/^✔ Rolled back — requested by ana$/),
      expect.stringMatching(/^ {2}✔ flags 2\.0s — rolled back$/),
      expect.stringMatching(/^ {2}✔ db — Migrate \[devops\] 2\.0s — rolled back$/),
    ]);
    expect(after).toContain('✔ rolled-back in 4.0s — run run-7, exit 0');
  });

  it('opens the rollback phase after the list has already passed the smoke tests (a rehearsal)', async () => {
    const h = harness();
    h.start();
    h.checks();
    for (const id of ['db', 'web', 'api', 'flags']) h.step(id);
    h.started('verify', 'health');
    h.ended('verify', 'health');
    h.emit({ kind: 'verify.finished', verifyId: 'health', severity: 'critical', passed: true });
    // listr2 reaches the (still invisible) rollback phase and waits there.
    await new Promise((resolve) => setTimeout(resolve, 50));
    h.emit({ kind: 'rollback.started', reason: 'rehearsal', order: ['flags', 'web', 'db'], withoutRollback: ['api'] });
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const id of ['flags', 'web', 'db']) {
      h.started('rollback', id);
      h.ended('rollback', id);
      h.state(id, 'rolled-back');
    }
    h.emit({ kind: 'rollback.finished', complete: true, failed: [], withoutRollback: ['api'], verified: true });
    h.finish('rolled-back', 0);
    const { list } = await h.result();
    const rollback = list.slice(list.indexOf('Rolled back, restore verified — rehearsal'));
    expect(rollback).toMatch(/✔ flags .*rolled back\n.*✔ web .*rolled back\n.*✔ db .*rolled back\n.*↓ api — no rollback defined/);
    expect(line(list, 'health')).toMatch(/✔ health/);
  });

  it('never throws on an odd order: unknown ids, ends before starts, repeats, events before the start', async () => {
    const h = harness();
    const odd: EngineEventBody[] = [
      { kind: 'step.state', stepId: 'db', state: 'succeeded' },
      { kind: 'step.output', phase: 'step', stepId: 'nope', stream: 'stdout', text: 'stray\n' },
    ];
    expect(() => odd.forEach(h.emit)).not.toThrow();
    h.start();
    // Let the list start: from now on, lines it cannot place are kept for after it, not drawn over it.
    await new Promise((resolve) => setImmediate(resolve));
    expect(() => {
      h.start();
      h.state('ghost', 'succeeded');
      h.ended('step', 'db');
      h.state('db', 'rolled-back');
      h.emit({ kind: 'rollback.finished', complete: true, failed: [], withoutRollback: [] });
      h.emit({ kind: 'verify.finished', verifyId: 'ghost', severity: 'minor', passed: false });
      h.emit({ kind: 'decision', subject: 'guided-failure', subjectId: 'ghost', choice: 'abort', by: 'ana', via: 'policy' });
      h.state('flags', 'succeeded');
      h.emit({ kind: 'rollback.started', reason: 'x', order: ['ghost'], withoutRollback: [] });
      h.emit({ kind: 'rollback.started', reason: 'again', order: [], withoutRollback: [] });
      h.started('rollback', 'ghost');
      h.state('ghost', 'rolled-back');
      h.finish('rolled-back', 1);
      h.finish('rolled-back', 1);
      h.started('step', 'db');
    }).not.toThrow();
    const { list, after } = await h.result();
    // Events before run.started are printed as they come.
    expect(strip(h.terminal.raw.slice(0, h.terminal.raw.indexOf('run-7')))).toContain('! step.state db: succeeded');
    // Reaching `flags` closed everything before it that never ran.
    expect(line(list, 'db')).toMatch(/↓ db.* — not run/);
    expect(line(list, 'flags')).toMatch(/✔ flags/);
    expect(line(list, 'ghost')).toMatch(/✔ ghost .*— rolled back/);
    expect(after).toContain('! step.state ghost: succeeded');
    expect(after).toContain('rolling back: again');
    expect(after).toMatch(/▶ db\n/);
    expect(after).toContain('✖ rolled-back');
  });

  it('settles what is still open when the run ends early, so close() returns', async () => {
    const h = harness();
    h.start();
    h.checks();
    h.started('step', 'db');
    const { list, after } = await h.result();
    expect(line(list, 'db')).toMatch(/✖ db .*no end recorded/);
    expect(line(list, 'flags')).toMatch(/↓ flags — not run \(the run ended early\)/);
    expect(after).not.toMatch(/succeeded|exit \d/);
  });

  it('draws with the simple renderer on a stream that is not a terminal', async () => {
    const h = harness({ renderer: 'simple' });
    h.start();
    h.checks();
    h.step('db');
    h.finish('aborted', 3);
    await h.view.close();
    const text = strip(h.terminal.raw);
    expect(text).toMatch(/✔ db — Migrate \[devops\]/);
    expect(text).toMatch(/✖ aborted in 25s/);
  });
});

describe('task list items', () => {
  const paint = { ...plainPaint, yellow: (t: string) => `<yellow>${t}</yellow>`, dim: (t: string) => t };

  it('reads elapsed / expected, highlighted once over the estimate', () => {
    const item = new TaskItem({ section: 'steps', id: 'db', title: 'Migrate', owner: 'dba', expectedMs: 10_000, stage: 0, manual: false });
    expect(item.title(0, paint)).toBe('db — Migrate [dba] expected 10s');
    item.start(0, 2, 3);
    expect(item.title(4_000, paint)).toBe('db — Migrate [dba] 4.0s / 10s (attempt 2/3)');
    expect(item.title(12_000, paint)).toBe('db — Migrate [dba] <yellow>12s / 10s over expected</yellow> (attempt 2/3)');
  });

  it('keeps the last three output lines, cut to one row', () => {
    const item = new TaskItem({ section: 'steps', id: 'db', title: 'db', stage: 0, manual: false });
    item.addOutput('one\ntwo\n\nthree\r\nfour\n');
    item.addOutput(`${'x'.repeat(500)}\n`);
    expect(item.lines).toEqual(['three', 'four', `${'x'.repeat(240)}…`]);
  });

  it('asks in the failed step first, else in the next confirmation the engine reached', () => {
    const s = new TaskListState(planOf(RUNBOOK), 'run', new Set());
    const ready = s.confirmed('ready')!;
    expect(s.promptItem()).toBe(ready);
    s.reach(s.byPhase('step', 'web')!, 1);
    s.byPhase('step', 'api')!.fail(2, 'failed: exited with status 1');
    expect(s.promptItem()?.spec.id).toBe('api');
    expect(ready.outcome).toBe('skipped');
  });
});

describe('terminal prompter', () => {
  it('refuses to ask when standard input is not a terminal (a prompt there exits the process silently)', async () => {
    const prompter = createTerminalPrompter({ input: { isTTY: false } });
    expect(prompter.interactive).toBe(true);
    await expect(prompter.confirm('Deploy?')).rejects.toThrow(PromptError);
    await expect(prompter.select('What now?', [{ value: 'abort', name: 'Abort' }])).rejects.toThrow(/standard input is not a terminal/);
  });
});

describe('task list at scale', () => {
  it('a redraw costs what is on screen: with 1,000 steps no frame draws more than a window of lines, and finished chunks fold to one line', async () => {
    const steps = Array.from({ length: 1000 }, (_, i) => `  - id: s${i}\n    run: "true"\n`).join('');
    const h = harness({}, planOf(`golive: 1\nname: big\nsteps:\n${steps}`));
    h.start();
    for (let i = 0; i < 1000; i++) {
      h.started('step', `s${i}`);
      h.ended('step', `s${i}`);
      h.state(`s${i}`, 'succeeded');
      if (i % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 60)); // let frames be drawn on the way
    }
    h.finish('succeeded', 0);
    const { list } = await h.result();
    const frames = h.terminal.raw.split('\u001b[G').map((frame) => strip(frame).split('\n').length);
    expect(frames.length).toBeGreaterThan(10);
    // The whole list would be over 1,000 lines: each frame shows the running chunk and one line per other chunk.
    expect(Math.max(...frames)).toBeLessThan(100);
    expect(list).toMatch(/✔ Steps 1–20 of 1000\n/);
    expect(list).toMatch(/✔ Steps 981–1000 of 1000/);
    expect(list).not.toMatch(/ s500\b/);
  });
});

describe('task list at scale, while the run is live', () => {
  it('folds the chunks before and after the running one into one line each, so the running step stays on screen', async () => {
    const steps = Array.from({ length: 1000 }, (_, i) => `  - id: s${i}\n    run: "true"\n`).join('');
    const h = harness({}, planOf(`golive: 1\nname: big\nsteps:\n${steps}`));
    h.start();
    for (let i = 0; i < 500; i++) {
      h.started('step', `s${i}`);
      h.ended('step', `s${i}`);
      h.state(`s${i}`, 'succeeded');
    }
    h.started('step', 's500');
    await new Promise((resolve) => setTimeout(resolve, 120)); // a frame or two with s500 running
    const frames = h.terminal.raw.split('\u001b[G').map(strip);
    const live = frames.filter((frame) => / s500\b/.test(frame)).at(-1) ?? '';
    expect(live).toMatch(/✔ Steps 1–500 of 1000\n/);
    expect(live).toMatch(/❯ Steps 501–520 of 1000\n/);
    expect(live).toMatch(/◼ Steps 521–1000 of 1000/);
    expect(live.split('\n').length).toBeLessThan(30);
    h.ended('step', 's500');
    h.state('s500', 'succeeded');
    h.finish('succeeded', 0);
    const { list } = await h.result();
    // The list left on screen at the end still has every chunk.
    expect(list).toMatch(/✔ Steps 481–500 of 1000\n/);
    expect(list).toMatch(/Steps 521–540 of 1000/);
  });
});
