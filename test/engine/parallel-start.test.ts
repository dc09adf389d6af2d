/**
 * Members of a parallel group start one per turn of the event loop: a start
 * blocks the loop (a real spawn does for milliseconds), and members started
 * back to back would be seen to end only after the last one started, so
 * their recorded durations would grow with their place in the group.
 */
import { describe, expect, it } from 'vitest';
import { Interruption } from '../../src/engine/context.js';
import type { EventOf } from '../../src/engine/events.js';
import { runDeployment } from '../../src/engine/run.js';
import type { CommandResult, ProcessRunner } from '../../src/process/types.js';
import { EventLog, FakeClock, FakePrompter } from './fakes.js';
import { engineOptions, planFrom } from './harness.js';

/** Starting a command blocks for `startMs` (as a spawn does); the command itself ends `runMs` later, seen by a timer. */
function blockingRunner(startMs: number, runMs: number): ProcessRunner {
  return {
    start() {
      const started = performance.now();
      while (performance.now() - started < startMs) {
        /* the spawn's own cost, on the event loop */
      }
      const result = new Promise<CommandResult>((resolve) =>
        setTimeout(() => {
          const now = new Date();
          resolve({
            exitCode: 0,
            signal: null,
            timedOut: false,
            stopped: false,
            startedAt: now,
            endedAt: now,
            durationMs: performance.now() - started,
            head: '',
            tail: '',
            outputBytes: 0,
            outputs: {},
            ok: true,
          });
        }, runMs),
      );
      return { pid: undefined, result, terminate() {}, kill() {} };
    },
  };
}

describe('a parallel group of fast members', () => {
  it("records each member's own duration, not the time the group took to start the others", async () => {
    const members = Array.from({ length: 40 }, (_, i) => `      - id: m${i}\n        run: "true"\n`).join('');
    const plan = planFrom(`golive: 1\nname: group\nsteps:\n  - id: all\n    parallel:\n${members}`);
    const log = new EventLog({ timeline: [] });
    const result = await runDeployment({
      plan,
      options: engineOptions(),
      interruption: new Interruption(),
      ports: { runner: blockingRunner(5, 1), clock: new FakeClock(), prompter: new FakePrompter(false), sink: log.sink },
    });
    expect(result.exitCode).toBe(0);
    const durations = log.ofKind('step.finished').map((e: EventOf<'step.finished'>) => e.durationMs);
    expect(durations).toHaveLength(40);
    // Started back to back, the first member would be seen to end after all 40 starts (200 ms).
    expect(Math.max(...durations)).toBeLessThan(100);
  });
});
