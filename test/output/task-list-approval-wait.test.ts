/**
 * A step waiting for named approvers in the terminal task list: a clock of
 * the wait runs from the request (not 0 ms), beside the note saying whom it waits for, and once approved the step's
 * elapsed time, against its expected duration, counts only its command.
 */
import { describe, expect, it } from 'vitest';
import type { EngineEvent, EngineEventBody } from '../../src/engine/events.js';
import { plainPaint } from '../../src/output/paint.js';
import { createTaskListView } from '../../src/output/task-list.js';
import { TaskItem } from '../../src/output/task-list-model.js';
import { FakeTerminal, planOf, screen } from './fake-terminal.js';

const RUNBOOK = `
golive: 1
name: shop
team:
  dba: { name: Li Wei, user: liwei }
steps:
  - id: migrate
    run: ./migrate
    duration: 10s
    approvers: [dba]
  - id: seed
    run: ./seed
    duration: 10s
    approvers: [dba]
`;

const li = { role: 'dba', name: 'Li Wei', user: 'liwei' };

function harness() {
  const terminal = new FakeTerminal();
  const view = createTaskListView(planOf(RUNBOOK), { runId: 'run-7', dbFlag: '' }, { stream: terminal as unknown as NodeJS.WriteStream });
  let clock = Date.parse('2026-12-01T09:00:00Z');
  const emit = (body: EngineEventBody, afterMs = 1000) => {
    clock += afterMs;
    view.render({ ...body, at: new Date(clock).toISOString() } as EngineEvent);
  };
  emit({
    kind: 'run.started',
    mode: 'run',
    runbook: { name: 'shop', path: 'shop.yaml', sha256: 'x' },
    operator: 'ana',
    host: 'box',
    steps: ['migrate', 'seed'],
    expectedMs: 20_000,
    vars: {},
  });
  const request = (pointId: string) =>
    emit({ kind: 'approval.requested', subject: 'confirm', pointId, title: pointId, approvers: [li], minApprovals: 1, selfApproval: true, runner: 'ana' });
  return { view, terminal, emit, request };
}

const lineOf = (list: string, id: string) => list.split('\n').find((l) => new RegExp(`^\\s*\\S+ ${id}\\b`).test(l)) ?? `(no line for ${id})`;

describe('task list: waiting for approval', () => {
  it('runs a clock of the wait, then times only the command once approved; a rejected step keeps how long it waited', async () => {
    const h = harness();
    h.request('migrate');
    h.emit({ kind: 'decision', subject: 'confirm', subjectId: 'migrate', choice: 'approved', reason: 'migrate', by: 'Li Wei (dba)', via: 'approval' }, 95_000);
    h.emit({ kind: 'step.started', phase: 'step', stepId: 'migrate', title: 'migrate', attempt: 1, attempts: 1, expectedMs: 10_000, command: './migrate' });
    h.emit(
      {
        kind: 'step.finished',
        phase: 'step',
        stepId: 'migrate',
        attempt: 1,
        status: 'passed',
        exitCode: 0,
        signal: null,
        durationMs: 3000,
        head: '',
        tail: '',
        outputBytes: 0,
        outputs: {},
      },
      3000,
    );
    h.emit({ kind: 'step.state', stepId: 'migrate', state: 'succeeded' }, 0);
    h.request('seed');
    h.emit({ kind: 'step.state', stepId: 'seed', state: 'failed', reason: 'rejected by Li Wei (dba): not now' }, 42_000);
    h.emit({ kind: 'run.finished', outcome: 'aborted', exitCode: 3, durationMs: 150_000, issues: [] });
    await h.view.close();
    const { list } = screen(h.terminal.raw);
    // 3 s of its own against the expected 10 s: the 95 s it waited for Li Wei do not make it "over expected".
    expect(lineOf(list, 'migrate')).toMatch(/✔ migrate 3\.0s \/ 10s/);
    expect(lineOf(list, 'seed')).toMatch(/✖ seed 42s — failed: rejected by Li Wei/);
  });

  it('the clock of a wait in progress moves with time, from the request', () => {
    const item = new TaskItem({ id: 'migrate', title: 'migrate', section: 'steps', stage: 0 } as ConstructorParameters<typeof TaskItem>[0]);
    const at = Date.parse('2026-12-01T09:00:00Z');
    item.waitForApproval(at);
    item.note = 'waiting for Li Wei (dba) to approve';
    expect(item.title(at + 80_000, plainPaint)).toBe('migrate 1m20s — waiting for Li Wei (dba) to approve');
    item.note = undefined;
    item.start(at + 90_000, 1, 1);
    expect(item.title(at + 92_000, plainPaint)).toBe('migrate 2.0s');
  });
});
