/**
 * How long each step really took, from recorded events: forward time from
 * its first start to its final state (retries and validation included), and
 * rollback time from its rollback's start to its rolled-back state.
 *
 * The time the operator spent deciding what to do about the step (a failed
 * step's "retry, skip or roll back?", an in-doubt step's question) is not the
 * step's: it is kept apart as `decidingMs`, so that estimates learned from
 * these times are not padded with someone's think time.
 */
import type { DecisionSubject, EngineEvent } from '../engine/events.js';
import { instanceKey } from '../runbook/instances.js';

/** One step's measured times in one run. */
export interface StepTiming {
  forwardMs?: number;
  rollbackMs?: number;
  /** The step's last state in the run. */
  state?: string;
  attempts: number;
  reason?: string;
  /** Time the operator spent answering questions about the step, left out of `forwardMs`. */
  decidingMs?: number;
}

/** Questions that stop a step's clock while they wait (a `confirm` step's question is its work, not a pause). */
const DECIDING: ReadonlySet<DecisionSubject> = new Set(['guided-failure', 'in-doubt']);

/** The event kinds `stepTimings` reads: a reader may fetch only these (the duration history does). */
export const TIMING_KINDS: readonly EngineEvent['kind'][] = ['step.started', 'step.state', 'question.asked', 'decision'];

/** Per-step timings of one run's events (in recorded order); events of kinds outside `TIMING_KINDS` change nothing. */
export function stepTimings(events: EngineEvent[]): Map<string, StepTiming> {
  const timings = new Map<string, StepTiming>();
  const forwardStart = new Map<string, number>();
  const rollbackStart = new Map<string, number>();
  const asked = new Map<string, number>();
  const get = (id: string) => timings.get(id) ?? timings.set(id, { attempts: 0 }).get(id)!;
  for (const original of events) {
    const at = Date.parse(original.at);
    // A hosted step is timed per host, under `<step>@<host>`.
    const event =
      (original.kind === 'step.started' || original.kind === 'step.state') && original.target !== undefined
        ? { ...original, stepId: instanceKey(original.stepId, original.target) }
        : original;
    if (event.kind === 'step.started' && event.phase === 'step') {
      if (!forwardStart.has(event.stepId)) forwardStart.set(event.stepId, at);
      get(event.stepId).attempts++;
    } else if (event.kind === 'step.started' && event.phase === 'rollback') {
      rollbackStart.set(event.stepId, at);
    } else if (event.kind === 'question.asked' && DECIDING.has(event.subject) && event.subjectId !== undefined) {
      asked.set(event.subjectId, at);
    } else if (event.kind === 'decision' && event.subjectId !== undefined && asked.has(event.subjectId) && DECIDING.has(event.subject)) {
      const timing = get(event.subjectId);
      timing.decidingMs = (timing.decidingMs ?? 0) + (at - asked.get(event.subjectId)!);
      asked.delete(event.subjectId);
    } else if (event.kind === 'step.state') {
      const timing = get(event.stepId);
      timing.state = event.state;
      timing.reason = event.reason;
      const start = forwardStart.get(event.stepId);
      if ((event.state === 'succeeded' || event.state === 'failed') && start !== undefined) timing.forwardMs = at - start - (timing.decidingMs ?? 0);
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
