/**
 * How long each step really took in past runs and rehearsals of a runbook,
 * from the journal: the samples behind `golive estimate` and behind the
 * ETAs of `golive status` once there is history.
 */
import type { AuditStore } from '../audit/store.js';
import { percentile, stepTimings } from '../report/timings.js';

/** Successful forward times per step id (ms), from finished runs, resumes and rehearsals. */
export function durationSamples(store: AuditStore, runbook: string, environment?: string, excludeRunId?: string): Map<string, number[]> {
  const samples = new Map<string, number[]>();
  for (const run of store.listRuns({ runbook, environment, modes: ['run', 'rehearsal', 'resume'] })) {
    if (run.id === excludeRunId) continue;
    for (const [id, t] of stepTimings(store.eventsOf([run.id]).map((e) => e.event))) {
      if (t.forwardMs !== undefined && t.state !== 'failed') samples.set(id, [...(samples.get(id) ?? []), t.forwardMs]);
    }
  }
  return samples;
}

/** Expected durations from history (90th percentile), where there is any. */
export function historicalExpectations(samples: Map<string, number[]>): Map<string, number> {
  return new Map([...samples].filter(([, times]) => times.length > 0).map(([id, times]) => [id, percentile(times, 90)]));
}
