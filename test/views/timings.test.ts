/** Step timings from events: what a step took, without the time the operator spent deciding about it. */
import { describe, expect, it } from 'vitest';
import type { EngineEvent, EngineEventBody } from '../../src/engine/events.js';
import { stepTimings } from '../../src/views/timings.js';

const T0 = Date.parse('2026-12-01T09:00:00.000Z');
const at = (seconds: number, body: EngineEventBody): EngineEvent => ({ ...body, at: new Date(T0 + seconds * 1000).toISOString() }) as EngineEvent;
const start = (attempt: number): EngineEventBody =>
  ({ kind: 'step.started', phase: 'step', stepId: 'migrate', title: 'migrate', attempt, attempts: 1, command: './migrate.sh' }) as EngineEventBody;

describe('stepTimings', () => {
  it("leaves the operator's deciding time out of a step's duration and keeps it apart", () => {
    const timings = stepTimings([
      at(0, start(1)),
      at(10, { kind: 'step.state', stepId: 'migrate', state: 'failed', reason: 'exited with status 1' }),
      at(10, { kind: 'question.asked', subject: 'guided-failure', subjectId: 'migrate', question: 'migrate failed: what now?', to: 'ana' }),
      at(130, { kind: 'decision', subject: 'guided-failure', subjectId: 'migrate', choice: 'retry', by: 'ana', via: 'prompt' }),
      at(130, start(2)),
      at(150, { kind: 'step.state', stepId: 'migrate', state: 'succeeded' }),
    ]);
    // 150 s of wall time, 120 of them spent deciding: the step took 30 s.
    expect(timings.get('migrate')).toMatchObject({ forwardMs: 30_000, decidingMs: 120_000, attempts: 2, state: 'succeeded' });
  });

  it("counts a confirmation step's question as its work, not as deciding time", () => {
    const timings = stepTimings([
      at(0, start(1)),
      at(0, { kind: 'question.asked', subject: 'confirm', subjectId: 'migrate', question: 'Migrations look right?', to: 'ana' }),
      at(60, { kind: 'decision', subject: 'confirm', subjectId: 'migrate', choice: 'approved', by: 'ana', via: 'prompt' }),
      at(60, { kind: 'step.state', stepId: 'migrate', state: 'succeeded' }),
    ]);
    expect(timings.get('migrate')).toMatchObject({ forwardMs: 60_000 });
    expect(timings.get('migrate')?.decidingMs).toBeUndefined();
  });
});
