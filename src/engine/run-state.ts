/**
 * The one meaning of a run chain's journal: the root run, its resumes and
 * its rollbacks, folded in recorded order into where each step stands, the
 * outputs steps wrote, whether the checklist was passed and what a rollback
 * left. The engine resumes and rolls back from it (in a new process, hours
 * later if need be); `status`, `show` and `report` read it; "done" and "in
 * doubt" are defined here and nowhere else.
 */
import { instanceKey } from '../runbook/instances.js';
import type { EngineEvent, TargetOutcome } from './events.js';
import { recordStepOutputs } from './outputs.js';

/**
 * Where one step of a chain stands. The stored step states keep their
 * meaning; 'running' and the 'in-doubt' of a start without an end are what
 * the fold reads into the events.
 */
export type StepStanding =
  /** Its command started, no end is recorded, and its run is live: executing now. */
  | 'running'
  /** Ran and validated. Done. */
  | 'succeeded'
  /** Not run, by decision (operator skip, `continue` after a failure). Done: nothing is left to do. */
  | 'skipped'
  /** Failed after its retries: it may have half-applied. */
  | 'failed'
  /**
   * In doubt: its command started and its end was never recorded while its
   * run is gone (golive died, or a later run of the chain began), or it was
   * stopped by force. It may or may not have done its work: its validation
   * decides on resume, never a silent re-run.
   */
  | 'in-doubt'
  /** Its rollback ran and passed: undone. */
  | 'rolled-back'
  /** Its rollback failed: someone must act. */
  | 'rollback-failed'
  /** It completed and defines no rollback; a rollback passed over it and left it applied. Done. */
  | 'no-rollback';

/**
 * Done: the step's forward work is finished and stands (succeeded, skipped,
 * or succeeded and left applied by a rollback with nothing to undo). A
 * resume never runs a done step again and shows it as done from the start.
 */
export function isDone(state: StepStanding | undefined): boolean {
  return state === 'succeeded' || state === 'skipped' || state === 'no-rollback';
}

/**
 * The step's command ran (or may have) and nothing undid it: what a rollback
 * of the chain has to look at. Skipped, rolled-back and never-started steps
 * changed nothing that is still there.
 */
export function isLeftApplied(state: StepStanding | undefined): boolean {
  return state === 'succeeded' || state === 'failed' || state === 'in-doubt' || state === 'rollback-failed' || state === 'no-rollback';
}

/** One step of a chain, as its events leave it. */
export interface ChainStep {
  state: StepStanding;
  /** Why, as recorded with the step's latest state (cleared when it started again). */
  reason?: string;
  /** Order of completion across the chain (for rollback order); unset until it succeeds or fails. */
  completedAt?: number;
  /** It failed and the run went on past it (`on_failure: continue`): undone in completion order, not first. */
  continued?: boolean;
  /** Its rollback started and no result was recorded while its run is gone: the undo may or may not have happened. */
  rollbackInDoubt?: boolean;
}

/** One host of a rollout, as the chain left it. */
export interface TargetStanding {
  wave: number;
  /** How it ended; undefined while it has not (running, interrupted, or its wave never got to it). */
  outcome?: TargetOutcome;
  failedStep?: string;
  reason?: string;
}

/** Where a rollout stands. */
export interface RolloutStanding {
  /** The last wave started (1-based), and how many there are. */
  wave: number;
  waves: number;
  /** Hosts a wave started, by host name. */
  targets: Map<string, TargetStanding>;
  /** Waves signed off (the wave number that was confirmed healthy). */
  signedOff: Set<number>;
}

/** Hosts that failed and stay counted against `max_failures`: those a failure settled (rolled back on their own, or not). */
export function isSettledFailure(outcome: TargetOutcome | undefined): boolean {
  return outcome === 'rolled-back' || outcome === 'rollback-failed';
}

/** The state a chain of runs left, folded from its events. */
export interface RunChainState {
  /**
   * Every step the chain started or recorded a state for, in the order first
   * seen. A step run on hosts has one entry per host, keyed `<step>@<host>`
   * (runbook/instances.ts); outputs, attempts, lastRunOf and pids use the same keys.
   */
  steps: Map<string, ChainStep>;
  /** How many times each step's own command was started across the chain (retries and re-runs included), by step id. */
  attempts: Record<string, number>;
  /** Which run of the chain (1 for the first `run.started`) last started each step or recorded its state, by step id. */
  lastRunOf: Record<string, number>;
  /** Outputs by step id, then name, as the latest execution of each step wrote them. */
  outputs: Record<string, Record<string, string>>;
  /** Outputs refused because they contain a secret, per step: commands using them fail before they start. */
  refusedOutputs: Record<string, string[]>;
  /** The checklist already ended in GO / CONDITIONAL GO (or a step started, which needs that). */
  checklistDone: boolean;
  /** Steps in doubt, in the order first seen. */
  inDoubt: string[];
  /** The variables the first run resolved (so commands render the same). */
  vars: Record<string, string>;
  /** A rollback ran to completion at some point. */
  rolledBack: boolean;
  /** Steps whose rollback is in doubt, in the order first seen. */
  rollbackInDoubt: string[];
  /**
   * The last rollback of the chain: whether it finished, and how. Undefined
   * when no rollback ever started. A rollback with no `rollback.finished`
   * (golive died) has `finished: false`.
   */
  lastRollback?: { finished: boolean; complete: boolean; verified?: boolean };
  /** Process group of the last command started for each step (`step.spawned`). */
  pids: Record<string, number>;
  /** How many runs the events hold (`run.started` events). */
  runs: number;
  /** Rollouts that started a wave, by rollout id. */
  rollouts: Map<string, RolloutStanding>;
}

/** How to read the chain's ends. */
export interface FoldOptions {
  /** The chain's last run is live (its process runs): its commands without an end are running, not in doubt. */
  live?: boolean;
}

/** Fold a run chain's events (root run, resumes, rollbacks; in recorded order) into its state. */
export function foldRunChain(events: readonly EngineEvent[], options: FoldOptions = {}): RunChainState {
  const steps = new Map<string, ChainStep>();
  // Null prototypes: step ids and output names are the user's (`constructor` is a valid step id).
  const outputs: Record<string, Record<string, string>> = Object.create(null);
  const refusedOutputs: Record<string, string[]> = Object.create(null);
  const pids: Record<string, number> = Object.create(null);
  const attempts: Record<string, number> = Object.create(null);
  const lastRunOf: Record<string, number> = Object.create(null);
  // Rollback commands started and not settled: in doubt once their run is gone.
  const openRollbacks = new Set<string>();
  const state: RunChainState = {
    steps,
    attempts,
    lastRunOf,
    outputs,
    refusedOutputs,
    checklistDone: false,
    inDoubt: [],
    vars: {},
    rolledBack: false,
    rollbackInDoubt: [],
    pids,
    runs: 0,
    rollouts: new Map(),
  };
  let order = 0;
  // What was open when its run ended can only be in doubt now.
  const settleOpenCommands = () => {
    for (const record of steps.values()) if (record.state === 'running') record.state = 'in-doubt';
    for (const id of openRollbacks) steps.get(id)!.rollbackInDoubt = true;
    openRollbacks.clear();
  };
  for (const event of events) {
    switch (event.kind) {
      case 'run.started':
        settleOpenCommands();
        if (state.runs === 0) state.vars = event.vars ?? {};
        state.runs += 1;
        break;
      case 'decision':
        if (event.subject === 'go-no-go' && event.choice !== 'NO-GO') state.checklistDone = true;
        if (event.subject === 'sign-off' && event.choice === 'approved') {
          const [rollout, wave] = splitSignOff(event.subjectId ?? '');
          state.rollouts.get(rollout)?.signedOff.add(wave);
        }
        if (event.subject === 'guided-failure' && event.choice === 'continue') {
          for (const id of (event.subjectId ?? '').split(',')) {
            const record = steps.get(id);
            if (record) record.continued = true;
          }
        }
        break;
      case 'step.started': {
        const key = instanceKey(event.stepId, event.target);
        // Until this command's own step.spawned, no recorded group stands for it.
        delete pids[key];
        if (event.phase === 'step') {
          state.checklistDone = true;
          openRollbacks.delete(key);
          steps.set(key, { state: 'running' });
          attempts[key] = (attempts[key] ?? 0) + 1;
          lastRunOf[key] = state.runs;
        }
        // Settled by the step.state that records the rollback's result.
        if (event.phase === 'rollback' && steps.has(key)) openRollbacks.add(key);
        break;
      }
      case 'step.spawned':
        pids[instanceKey(event.stepId, event.target)] = event.pid;
        break;
      case 'step.finished':
        if (event.phase === 'step') recordStepOutputs(outputs, refusedOutputs, instanceKey(event.stepId, event.target), event.outputs, event.refusedOutputs);
        break;
      case 'step.state': {
        const key = instanceKey(event.stepId, event.target);
        const before = steps.get(key);
        openRollbacks.delete(key);
        steps.set(key, {
          state: event.state,
          reason: event.reason,
          completedAt: event.state === 'succeeded' || event.state === 'failed' ? ++order : before?.completedAt,
          continued: event.state === 'failed' ? before?.continued : undefined,
        });
        lastRunOf[key] = state.runs;
        break;
      }
      case 'wave.started': {
        const rollout = state.rollouts.get(event.rollout) ?? { wave: 0, waves: event.waves, targets: new Map(), signedOff: new Set<number>() };
        rollout.wave = event.wave;
        rollout.waves = event.waves;
        for (const target of event.targets) rollout.targets.set(target, { wave: event.wave });
        state.rollouts.set(event.rollout, rollout);
        break;
      }
      case 'target.finished': {
        const target = state.rollouts.get(event.rollout)?.targets.get(event.target);
        if (target) Object.assign(target, { outcome: event.outcome, failedStep: event.failedStep, reason: event.reason });
        break;
      }
      case 'rollback.started':
        state.lastRollback = { finished: false, complete: false };
        break;
      case 'rollback.finished':
        if (event.complete) state.rolledBack = true;
        state.lastRollback = { finished: true, complete: event.complete, verified: event.verified };
        break;
      case 'check.finished':
      case 'question.asked':
      case 'approval.requested':
      case 'approval':
      case 'approval.carried':
      case 'step.output':
      case 'step.retrying':
      case 'verify.finished':
      case 'run.interrupted':
      case 'run.finished':
      case 'warning':
        break; // the chain's state does not depend on them
      default:
        return unknownEvent(event);
    }
  }
  if (!options.live) settleOpenCommands();
  for (const [id, record] of steps) {
    if (record.state === 'in-doubt') state.inDoubt.push(id);
    if (record.rollbackInDoubt) state.rollbackInDoubt.push(id);
  }
  return state;
}

/** The sign-off subject of a rollout's wave: `web-rollout.wave-2`. */
export function signOffSubject(rollout: string, wave: number): string {
  return `${rollout}.wave-${wave}`;
}

function splitSignOff(subjectId: string): [string, number] {
  const match = /^(.*)\.wave-(\d+)$/.exec(subjectId);
  return match ? [match[1], Number(match[2])] : [subjectId, 0];
}

function unknownEvent(event: never): never {
  throw new Error(`the run chain fold does not handle event kind ${(event as EngineEvent).kind}`);
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
export function inFlightCommands(state: RunChainState): InFlightCommand[] {
  const found: InFlightCommand[] = [];
  const add = (stepId: string, what: string) => {
    found.push({ what, stepId, pid: state.pids[stepId] });
  };
  for (const stepId of state.inDoubt) add(stepId, `step ${stepId}`);
  for (const stepId of state.rollbackInDoubt) add(stepId, `the rollback of step ${stepId}`);
  return found;
}
