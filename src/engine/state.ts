/**
 * What earlier runs of a deployment left behind, folded from their recorded
 * events: each step's last state, the outputs steps wrote, and whether the
 * checklist was passed. Resume and rollback start from this, in a new
 * process, hours later if need be.
 */
import type { StepRecord } from './context.js';
import type { EngineEvent } from './events.js';
import { recordStepOutputs } from './outputs.js';

/** The folded state of a chain of runs (a run and its resumes/rollbacks). */
export interface FoldedState {
  steps: Map<string, StepRecord>;
  outputs: Record<string, Record<string, string>>;
  /** Outputs refused because they contain a secret, per step: commands using them fail before they start. */
  refusedOutputs: Record<string, string[]>;
  checklistDone: boolean;
  /** Steps started whose end was never recorded (golive itself died): in doubt. */
  inDoubt: string[];
  /** The variables the first run resolved (so commands render the same). */
  vars: Record<string, string>;
  /** A rollback ran to completion at some point. */
  rolledBack: boolean;
  /** Process group of the last command started for each step (`step.spawned`). */
  pids: Record<string, number>;
}

/** Fold events (in recorded order) into the state of each step. */
export function foldEvents(events: EngineEvent[]): FoldedState {
  const steps = new Map<string, StepRecord>();
  const outputs: Record<string, Record<string, string>> = {};
  const refusedOutputs: Record<string, string[]> = {};
  let checklistDone = false;
  let vars: Record<string, string> = {};
  let varsSeen = false;
  let rolledBack = false;
  let order = 0;
  const pids: Record<string, number> = {};
  for (const event of events) {
    switch (event.kind) {
      case 'run.started':
        if (!varsSeen) { vars = event.vars ?? {}; varsSeen = true; }
        break;
      case 'decision':
        if (event.subject === 'go-no-go' && event.choice !== 'NO-GO') checklistDone = true;
        if (event.subject === 'guided-failure' && event.choice === 'continue') {
          for (const id of (event.subjectId ?? '').split(',')) {
            const record = steps.get(id);
            if (record) record.continued = true;
          }
        }
        break;
      case 'step.started':
        if (event.phase === 'step') {
          checklistDone = true;
          steps.set(event.stepId, { state: 'running' });
        }
        break;
      case 'step.spawned':
        pids[event.stepId] = event.pid;
        break;
      case 'step.finished':
        if (event.phase === 'step') recordStepOutputs(outputs, refusedOutputs, event.stepId, event.outputs, event.refusedOutputs);
        break;
      case 'step.state': {
        const record: StepRecord = { state: event.state, completedAt: steps.get(event.stepId)?.completedAt, continued: event.state === 'failed' ? steps.get(event.stepId)?.continued : undefined };
        if (event.state === 'succeeded' || event.state === 'failed') record.completedAt = ++order;
        steps.set(event.stepId, record);
        break;
      }
      case 'rollback.finished':
        if (event.complete) rolledBack = true;
        break;
      default:
        break;
    }
  }
  const inDoubt: string[] = [];
  for (const [id, record] of steps) {
    if (record.state === 'running') {
      record.state = 'in-doubt';
      inDoubt.push(id);
    } else if (record.state === 'in-doubt') inDoubt.push(id);
  }
  return { steps, outputs, refusedOutputs, checklistDone, inDoubt, vars, rolledBack, pids };
}
