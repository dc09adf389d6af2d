/**
 * How long each step really took, from recorded events: forward time from
 * its first start to its final state (retries and validation included, as
 * the operator lived it), and rollback time from its rollback's start to its
 * rolled-back state.
 */
import type { EngineEvent } from '../engine/events.js';

/** One step's measured times in one run. */
export interface StepTiming {
  forwardMs?: number;
  rollbackMs?: number;
  /** The step's last state in the run. */
  state?: string;
  attempts: number;
  reason?: string;
}

/** Per-step timings of one run's events (in recorded order). */
export function stepTimings(events: EngineEvent[]): Map<string, StepTiming> {
  const timings = new Map<string, StepTiming>();
  const forwardStart = new Map<string, number>();
  const rollbackStart = new Map<string, number>();
  const get = (id: string) => timings.get(id) ?? timings.set(id, { attempts: 0 }).get(id)!;
  for (const event of events) {
    const at = Date.parse(event.at);
    if (event.kind === 'step.started' && event.phase === 'step') {
      if (!forwardStart.has(event.stepId)) forwardStart.set(event.stepId, at);
      get(event.stepId).attempts++;
    } else if (event.kind === 'step.started' && event.phase === 'rollback') {
      rollbackStart.set(event.stepId, at);
    } else if (event.kind === 'step.state') {
      const timing = get(event.stepId);
      timing.state = event.state;
      timing.reason = event.reason;
      const start = forwardStart.get(event.stepId);
      if ((event.state === 'succeeded' || event.state === 'failed') && start !== undefined) timing.forwardMs = at - start;
      const back = rollbackStart.get(event.stepId);
      if ((event.state === 'rolled-back' || event.state === 'rollback-failed') && back !== undefined) timing.rollbackMs = at - back;
    }
  }
  return timings;
}

/** Wall time between the first event of `startKind` and the first later event of `endKind`. */
export function phaseMs(events: EngineEvent[], startKind: EngineEvent['kind'], endKind: EngineEvent['kind']): number | undefined {
  const start = events.find((e) => e.kind === startKind);
  if (!start) return undefined;
  const end = events.slice(events.indexOf(start)).find((e) => e.kind === endKind);
  return end ? Date.parse(end.at) - Date.parse(start.at) : undefined;
}

/** The p-th percentile (0–100) of samples, nearest-rank. */
export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
