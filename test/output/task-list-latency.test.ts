import { describe, expect, it } from 'vitest';
import type { EngineEvent, EngineEventBody } from '../../src/engine/events.js';
import { createJsonRenderer } from '../../src/output/json-lines.js';
import { plainPaint } from '../../src/output/paint.js';
import { createPlainRenderer } from '../../src/output/plain.js';
import { createTaskListView } from '../../src/output/task-list.js';
import { FakeTerminal, planOf, screen, strip } from './fake-terminal.js';

const RUNBOOK = `
golive: 1
name: shop
steps:
  - id: schema
    run: ./schema
    rollback: ./unschema
  - id: deploy
    title: Deploy the app
    run: ./deploy
    rollback: ./undeploy
  - id: cache
    run: ./cache
`;

/** What the engine sends when step `deploy` fails and the operator rolls back ("Roll back now"), one second apart. */
function rollBackNow(): EngineEvent[] {
  const run = (stepId: string, ok: boolean, phase: 'step' | 'rollback' = 'step'): EngineEventBody[] => [
    { kind: 'step.started', phase, stepId, title: stepId, attempt: 1, attempts: 1, command: './x' },
    { kind: 'step.output', phase, stepId, stream: 'stdout', text: `${stepId} working\n` },
    {
      kind: 'step.finished',
      phase,
      stepId,
      attempt: 1,
      status: ok ? 'passed' : 'failed',
      exitCode: ok ? 0 : 1,
      signal: null,
      durationMs: 900,
      head: '',
      tail: '',
      outputBytes: 0,
      outputs: {},
      message: ok ? undefined : 'exited with status 1',
    },
  ];
  const body: EngineEventBody[] = [
    {
      kind: 'run.started',
      mode: 'run',
      runbook: { name: 'shop', path: 'shop.yaml', sha256: 'x' },
      operator: 'ana',
      host: 'box',
      steps: ['schema', 'deploy', 'cache'],
      expectedMs: 0,
      vars: {},
    },
    ...run('schema', true),
    { kind: 'step.state', stepId: 'schema', state: 'succeeded' },
    ...run('deploy', false),
    { kind: 'step.state', stepId: 'deploy', state: 'failed', reason: 'exited with status 1' },
    { kind: 'decision', subject: 'guided-failure', subjectId: 'deploy', choice: 'rollback', reason: 'step deploy failed', by: 'ana', via: 'prompt' },
    { kind: 'rollback.started', reason: 'step deploy failed: exited with status 1', order: ['deploy', 'schema'], withoutRollback: [] },
    ...run('deploy', true, 'rollback'),
    { kind: 'step.state', stepId: 'deploy', state: 'rolled-back' },
    ...run('schema', true, 'rollback'),
    { kind: 'step.state', stepId: 'schema', state: 'rolled-back' },
    { kind: 'rollback.finished', complete: true, failed: [], withoutRollback: [] },
    { kind: 'run.finished', outcome: 'rolled-back', exitCode: 1, durationMs: 25_000, issues: [] },
  ];
  const start = Date.parse('2026-12-01T09:00:00Z');
  return body.map((e, i) => ({ ...e, at: new Date(start + i * 1000).toISOString() }) as EngineEvent);
}

/** How long the journal takes with each event before the output sees it. */
const latencies: [string, (e: EngineEvent) => Promise<void>][] = [
  ['none', async () => undefined],
  ['a microtask', () => Promise.resolve()],
  [
    '50 microtasks',
    async () => {
      for (let i = 0; i < 50; i++) await Promise.resolve();
    },
  ],
  ['a macrotask (setImmediate)', () => new Promise((resolve) => setImmediate(resolve))],
  ['5 ms (a journal on a network)', () => new Promise((resolve) => setTimeout(resolve, 5))],
  // Longer than a frame and a tick of the list: every line has long settled when the run's end arrives.
  [
    '300 ms for run.finished only (a journal retrying)',
    async (e) => {
      if (e.kind === 'run.finished') await new Promise((resolve) => setTimeout(resolve, 300));
    },
  ],
];

/** Hand `events` to `render` one by one, waiting `delay` before each, as the session's sink does. */
async function deliver(events: EngineEvent[], render: (e: EngineEvent) => void, delay: (e: EngineEvent) => Promise<void>): Promise<void> {
  for (const event of events) {
    await delay(event);
    render(event);
  }
}

describe('outputs fed with latency between events', () => {
  for (const [name, delay] of latencies)
    it(`the task list draws every final title and prints the summary (latency: ${name})`, async () => {
      const terminal = new FakeTerminal();
      const view = createTaskListView(planOf(RUNBOOK), { runId: 'run-7', dbFlag: '' }, { stream: terminal as unknown as NodeJS.WriteStream });
      await deliver(rollBackNow(), view.render, delay);
      await view.close();
      const { list, after } = screen(terminal.raw);
      expect(after).toContain('✖ rolled-back in 25s — run run-7, exit 1');
      expect(after).toContain('golive show run-7');
      expect(list).toMatch(/✖ deploy — Deploy the app .*— failed: exited with status 1/);
      expect(list).toMatch(/↓ cache — not run/);
      // The phase's title changes with rollback.finished, after its last line has settled.
      expect(list).toMatch(/^✔ Rolled back — step deploy failed: exited with status 1$/m);
      expect(list).toMatch(/✔ deploy — Deploy the app .*— rolled back\n.*✔ schema .*— rolled back/);
    });

  it('the task list drawn by the simple renderer (not a terminal) prints the summary too (latency: a macrotask)', async () => {
    const terminal = new FakeTerminal();
    const view = createTaskListView(planOf(RUNBOOK), { runId: 'run-7', dbFlag: '' }, { stream: terminal as unknown as NodeJS.WriteStream, renderer: 'simple' });
    await deliver(rollBackNow(), view.render, () => new Promise((resolve) => setImmediate(resolve)));
    await view.close();
    const text = strip(terminal.raw);
    expect(text).toMatch(/✔ deploy — Deploy the app .*rolled back/);
    expect(text.trimEnd()).toMatch(/✖ rolled-back in 25s — run run-7, exit 1\n.*golive show run-7$/);
  });

  for (const [name, delay] of latencies.slice(1))
    it(`the plain lines and the JSON lines come out whole and in order (latency: ${name})`, async () => {
      const events = rollBackNow();
      let promptly = '';
      let slowly = '';
      await deliver(
        events,
        createPlainRenderer((t) => (promptly += t), plainPaint, { runId: 'run-7', dbFlag: '' }),
        async () => undefined,
      );
      await deliver(
        events,
        createPlainRenderer((t) => (slowly += t), plainPaint, { runId: 'run-7', dbFlag: '' }),
        delay,
      );
      expect(slowly).toBe(promptly);
      expect(slowly).toMatch(/✖ rolled-back in 25s.*exit 1/);

      let json = '';
      await deliver(
        events,
        createJsonRenderer((t) => (json += t), 'run-7'),
        delay,
      );
      const lines = json.trimEnd().split('\n');
      expect(lines.map((l) => JSON.parse(l).kind)).toEqual(events.map((e) => e.kind));
      expect(JSON.parse(lines.at(-1) ?? '{}')).toMatchObject({ kind: 'run.finished', outcome: 'rolled-back', exitCode: 1 });
    });
});
