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
  /** Steps whose rollback started and never recorded an end (golive died during it): in doubt. */
  rollbackInDoubt: string[];
  /**
   * The last rollback of the chain: whether it finished, and how. Undefined
   * when no rollback ever started. A rollback with no `rollback.finished`
   * (golive died) has `finished: false`.
   */
  lastRollback?: { finished: boolean; complete: boolean; verified?: boolean };
  /** Process group of the last command started for each step (`step.spawned`). */
  pids: Record<string, number>;
}

/** Fold events (in recorded order) into the state of each step. */
export function foldEvents(events: EngineEvent[]): FoldedState {
  const steps = new Map<string, StepRecord>();
  // Null prototypes: step ids and output names are the user's (`constructor` is a valid step id).
  const outputs: Record<string, Record<string, string>> = Object.create(null);
  const refusedOutputs: Record<string, string[]> = Object.create(null);
  let checklistDone = false;
  let vars: Record<string, string> = {};
  let varsSeen = false;
  let rolledBack = false;
  let lastRollback: FoldedState['lastRollback'];
  let order = 0;
  const pids: Record<string, number> = Object.create(null); // keyed by step ids
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
        // Until this command's own step.spawned, no recorded group stands for it.
        delete pids[event.stepId];
        if (event.phase === 'step') {
          checklistDone = true;
          steps.set(event.stepId, { state: 'running' });
        }
        if (event.phase === 'rollback') {
          // Cleared by the step.state that records the rollback's result.
          const record = steps.get(event.stepId);
          if (record) record.rollbackInDoubt = true;
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
      case 'rollback.started':
        lastRollback = { finished: false, complete: false };
        break;
      case 'rollback.finished':
        if (event.complete) rolledBack = true;
        lastRollback = { finished: true, complete: event.complete, verified: event.verified };
        break;
      default:
        break;
    }
  }
  const inDoubt: string[] = [];
  const rollbackInDoubt: string[] = [];
  for (const [id, record] of steps) {
    if (record.state === 'running') {
      record.state = 'in-doubt';
      inDoubt.push(id);
    } else if (record.state === 'in-doubt') inDoubt.push(id);
    if (record.rollbackInDoubt) rollbackInDoubt.push(id);
  }
  return { steps, outputs, refusedOutputs, checklistDone, inDoubt, vars, rolledBack, pids, rollbackInDoubt, lastRollback };
}

/** A command whose start was recorded and whose end never was, with the process group it ran as. */
export interface InFlightCommand {
  /** "step deploy" or "the rollback of step deploy". */
  what: string;
  stepId: string;
  /** Its process group, when `step.spawned` was recorded (golive can die between the spawn and that record). */
  pid?: number;
}

/**
 * The commands of a chain left in flight when golive died: in-doubt steps
 * and in-doubt rollbacks, with their process group where it was recorded.
 * Whether one still runs is for the caller to ask the operating system.
 */
export function inFlightCommands(state: FoldedState): InFlightCommand[] {
  const found: InFlightCommand[] = [];
  const add = (stepId: string, what: string) => {
    found.push({ what, stepId, pid: state.pids[stepId] });
  };
  for (const stepId of state.inDoubt) add(stepId, `step ${stepId}`);
  for (const stepId of state.rollbackInDoubt) add(stepId, `the rollback of step ${stepId}`);
  return found;
}
