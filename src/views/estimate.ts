/**
 * Expected durations from history: for each step, the 90th percentile of
 * the forward times it took in recorded runs and rehearsals, rounded up
 * sensibly, with how many samples it rests on.
 */
import { suggestDuration } from '../runbook/duration.js';
import { type Plan, planSteps } from '../runbook/plan.js';
import { percentile } from './timings.js';

/** One step's estimate. */
export interface StepEstimate {
  id: string;
  currentMs?: number;
  samples: number;
  p50Ms?: number;
  p90Ms?: number;
  /** The suggested `duration:` text, when there are samples. */
  suggested?: string;
}

/** Estimates for every step of the plan from samples (step id → successful forward times in ms). */
export function estimateDurations(plan: Plan, samples: Map<string, number[]>): StepEstimate[] {
  // A step on hosts is timed per host (`deploy@web1`): its `duration:` is estimated from every host's times.
  const byStep = new Map<string, number[]>();
  for (const [key, times] of samples) {
    const id = key.split('@')[0];
    byStep.set(id, [...(byStep.get(id) ?? []), ...times]);
  }
  return planSteps(plan)
    .filter((s) => s.command)
    .map((step) => {
      const times = byStep.get(step.id) ?? [];
      if (times.length === 0) return { id: step.id, currentMs: step.expectedMs, samples: 0 };
      const p90Ms = percentile(times, 90);
      return { id: step.id, currentMs: step.expectedMs, samples: times.length, p50Ms: percentile(times, 50), p90Ms, suggested: suggestDuration(p90Ms) };
    });
}
