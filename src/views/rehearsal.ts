/** The rehearsal report as data: per step expected vs actual, rollback time, totals, gaps, suggested durations (output/rehearsal-text.ts prints it). */
import type { EngineEvent } from '../engine/events.js';
import { suggestDuration } from '../runbook/duration.js';
import { expectedTotalMs, type Plan, planSteps } from '../runbook/plan.js';
import { phaseMs, type StepTiming, stepTimings } from './timings.js';

/** One row of the report. */
export interface RehearsalRow {
  id: string;
  owner?: string;
  expectedMs?: number;
  actualMs?: number;
  deltaMs?: number;
  deltaPct?: number;
  rollbackMs?: number;
  state?: string;
  suggested?: string;
}

/** The report as data. */
export interface RehearsalReport {
  rows: RehearsalRow[];
  forwardMs?: number;
  expectedForwardMs: number;
  rollbackMs?: number;
  restoreVerified?: boolean;
  withoutRollback: string[];
  failures: string[];
  outcome?: string;
}

/** Build the report from a rehearsal's events. */
export function rehearsalReport(plan: Plan, events: EngineEvent[]): RehearsalReport {
  const timings = slowestHost(stepTimings(events));
  const rows = planSteps(plan).map((step): RehearsalRow => {
    const t = timings.get(step.id);
    const actualMs = t?.forwardMs;
    const deltaMs = actualMs !== undefined && step.expectedMs !== undefined ? actualMs - step.expectedMs : undefined;
    return {
      id: step.id,
      owner: step.owner?.role,
      expectedMs: step.expectedMs,
      actualMs,
      deltaMs,
      deltaPct: deltaMs !== undefined && step.expectedMs ? Math.round((deltaMs / step.expectedMs) * 100) : undefined,
      rollbackMs: t?.rollbackMs,
      state: t?.state,
      suggested: actualMs !== undefined && t?.state !== 'failed' ? suggestDuration(actualMs * 1.25) : undefined,
    };
  });
  const finished = events.filter((e): e is Extract<EngineEvent, { kind: 'rollback.finished' }> => e.kind === 'rollback.finished').pop();
  const runFinished = events.filter((e): e is Extract<EngineEvent, { kind: 'run.finished' }> => e.kind === 'run.finished').pop();
  const firstStep = events.find((e) => e.kind === 'step.started' && e.phase === 'step');
  const rollbackStart = events.find((e) => e.kind === 'rollback.started');
  return {
    rows,
    forwardMs: firstStep && rollbackStart ? Date.parse(rollbackStart.at) - Date.parse(firstStep.at) : undefined,
    expectedForwardMs: expectedTotalMs(plan),
    rollbackMs: phaseMs(events, 'rollback.started', 'rollback.finished'),
    restoreVerified: finished?.verified,
    withoutRollback: planSteps(plan)
      .filter((s) => s.command && !s.rollback && !s.nothingToUndo)
      .map((s) => s.id),
    failures: events.flatMap((e) =>
      e.kind === 'step.state' && (e.state === 'failed' || e.state === 'rollback-failed') ? [`${e.stepId}: ${e.state}${e.reason ? ` (${e.reason})` : ''}`] : [],
    ),
    outcome: runFinished?.outcome,
  };
}

/**
 * A step on hosts is timed per host (`deploy@web1`); its row shows the
 * slowest host (what its `duration:` has to cover), and failed when any host
 * failed.
 */
function slowestHost(timings: Map<string, StepTiming>): Map<string, StepTiming> {
  const byStep = new Map<string, StepTiming>();
  for (const [key, t] of timings) {
    const id = key.split('@')[0];
    const seen = byStep.get(id);
    if (!seen) byStep.set(id, { ...t });
    else {
      seen.forwardMs = Math.max(seen.forwardMs ?? 0, t.forwardMs ?? 0) || undefined;
      seen.rollbackMs = Math.max(seen.rollbackMs ?? 0, t.rollbackMs ?? 0) || undefined;
      if (t.state === 'failed' || t.state === 'rollback-failed') seen.state = t.state;
    }
  }
  return byStep;
}
