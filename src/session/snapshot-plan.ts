/**
 * A run's stored runbook snapshot resolved back into the plan it ran with.
 * Apart from the reader (`reader.ts`) because it needs the YAML parser and
 * the schema validator: a read command that can do without the plan (status,
 * from the plan facts kept with the run) does not load them.
 */
import type { EngineEvent } from '../engine/events.js';
import { foldRunChain } from '../engine/run-state.js';
import type { RunRecord } from '../journal/types.js';
import { loadRunbookText } from '../runbook/load.js';
import { type Plan, resolvePlan } from '../runbook/plan.js';
import { loadPlan } from './load-plan.js';

/**
 * The plan a run was made with: its stored runbook snapshot (not today's
 * file) resolved for its environment with the vars its chain's first run
 * recorded (`chainEvents` are the chain's events), its included files
 * as that run recorded them.
 *
 * 'act' (rollback, resume): the plan must load; its problems are printed and
 * it throws as `loadPlan` does. 'look' (status, report): quietly null when
 * the snapshot no longer loads (a newer golive's, say), so the command
 * still stands on the events alone.
 */
export function snapshotPlan(run: RunRecord, chainEvents: EngineEvent[], purpose: 'act'): Plan;
export function snapshotPlan(run: RunRecord, chainEvents: EngineEvent[], purpose: 'look'): Plan | null;
export function snapshotPlan(run: RunRecord, chainEvents: EngineEvent[], purpose: 'act' | 'look'): Plan | null {
  const vars = foldRunChain(chainEvents).vars;
  const environment = run.environment ?? undefined;
  const included = recordedIncludes(chainEvents);
  if (purpose === 'act') return loadPlan(run.runbookPath, { env: environment, var: vars }, run.runbookText, included);
  try {
    const loaded = loadRunbookText(run.runbookPath, run.runbookText, { environment, extraVars: Object.keys(vars) }, included);
    if (loaded.failed || !loaded.runbook || !loaded.source) return null;
    return resolvePlan(loaded.source, loaded.runbook, { environment, vars });
  } catch {
    return null;
  }
}

/** The included files' text the chain's first run recorded (every run of a chain has the same snapshot). */
function recordedIncludes(chainEvents: EngineEvent[]): Record<string, string> {
  const started = chainEvents.find((e) => e.kind === 'run.started');
  return (started?.kind === 'run.started' && started.included) || {};
}
