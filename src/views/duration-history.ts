/**
 * How long each step really took in past runs and rehearsals of a runbook,
 * from the journal: the samples behind `golive estimate` and behind the
 * ETAs of `golive status` once there is history.
 *
 * Only the most recent `HISTORY_RUNS` runs count: what steps take today is
 * told by recent runs, and reading a bounded window keeps both commands as
 * fast at 30,000 runs as at 30 (two queries, whatever the journal holds,
 * the second reading only the event kinds the timings fold).
 */

import type { EngineEvent } from '../engine/events.js';
import type { Journal } from '../journal/port.js';
import { percentile, stepTimings, TIMING_KINDS } from './timings.js';

/** How many of the latest runs, rehearsals and resumes (of the runbook, in the environment) the samples come from. */
export const HISTORY_RUNS = 200;

/** Successful forward times per step id (ms), from the latest finished runs, resumes and rehearsals. */
export async function durationSamples(store: Journal, runbook: string, environment?: string, excludeRunId?: string): Promise<Map<string, number[]>> {
  const runs = (await store.listRuns({ runbook, environment, modes: ['run', 'rehearsal', 'resume'], limit: HISTORY_RUNS + 1 }))
    .filter((run) => run.id !== excludeRunId)
    .slice(0, HISTORY_RUNS);
  const eventsByRun = new Map<string, EngineEvent[]>(runs.map((run) => [run.id, []]));
  // One query for the whole window, of the kinds the timings fold only: the other events are never parsed.
  const recorded = await store.eventsOf([...eventsByRun.keys()], TIMING_KINDS);
  for (const stored of recorded) eventsByRun.get(stored.runId)!.push(stored.event);

  const samples = new Map<string, number[]>();
  for (const events of eventsByRun.values()) {
    for (const [id, t] of stepTimings(events)) {
      if (t.forwardMs === undefined || t.state === 'failed') continue;
      const times = samples.get(id);
      if (times) times.push(t.forwardMs);
      else samples.set(id, [t.forwardMs]);
    }
  }
  return samples;
}

/** Expected durations from history (90th percentile), where there is any. */
export function historicalExpectations(samples: Map<string, number[]>): Map<string, number> {
  return new Map([...samples].filter(([, times]) => times.length > 0).map(([id, times]) => [id, percentile(times, 90)]));
}
