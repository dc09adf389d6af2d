/**
 * A step golive stopped because the journal stayed unreachable beyond its
 * limit: the task list says that cause, as the events the engine records
 * for it say (engine/execute.ts, steps.ts), never "killed by SIGTERM".
 */
import { describe, expect, it } from 'vitest';
import type { EngineEvent, EngineEventBody } from '../../src/engine/events.js';
import { createTaskListView } from '../../src/output/task-list.js';
import { FakeTerminal, planOf, screen } from './fake-terminal.js';

const RUNBOOK = `
golive: 1
name: shop
steps:
  - id: slow
    run: ./slow
  - id: after
    run: ./after
`;

const CAUSE = 'the audit journal was unreachable for longer than 2s (GOLIVE_JOURNAL_OUTAGE_LIMIT)';

describe('task list: a step stopped for a journal outage', () => {
  it('names the outage as the cause on the step line', async () => {
    const terminal = new FakeTerminal();
    const view = createTaskListView(planOf(RUNBOOK), { runId: 'run-7', dbFlag: '' }, { stream: terminal as unknown as NodeJS.WriteStream });
    let clock = Date.parse('2026-12-01T09:00:00Z');
    const emit = (body: EngineEventBody) => {
      clock += 1000;
      view.render({ ...body, at: new Date(clock).toISOString() } as EngineEvent);
    };
    emit({
      kind: 'run.started',
      mode: 'run',
      runbook: { name: 'shop', path: 'shop.yaml', sha256: 'x' },
      operator: 'ana',
      host: 'box',
      steps: ['slow', 'after'],
      expectedMs: 0,
      vars: {},
    });
    emit({ kind: 'step.started', phase: 'step', stepId: 'slow', title: 'slow', attempt: 1, attempts: 1, command: './slow' });
    emit({
      kind: 'step.finished',
      phase: 'step',
      stepId: 'slow',
      attempt: 1,
      status: 'stopped',
      exitCode: null,
      signal: 'SIGTERM',
      durationMs: 2200,
      head: '',
      tail: '',
      outputBytes: 0,
      outputs: {},
      message: CAUSE,
    });
    emit({ kind: 'step.state', stepId: 'slow', state: 'failed', reason: `stopped because ${CAUSE}` });
    await view.close();
    const { list } = screen(terminal.raw);
    const slow = list.split('\n').find((l) => /^\s*\S+ slow\b/.test(l)) ?? list;
    expect(slow).toContain(`✖ slow`);
    // Cut to the terminal's width: the cause comes first, so what is left of it still says why.
    expect(slow).toMatch(/✖ slow 2\.0s — failed: stopped because the audit journal was unreachable/);
    expect(list).not.toContain('SIGTERM');
  });
});
