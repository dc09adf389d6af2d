/**
 * The status update's fold. Where each step stands comes from the one fold
 * of the run's chain (engine/run-state.ts); on top of it, one pass over this
 * run's events collects the live facts the update adds: what is executing,
 * when this run started and settled each step, the rollback, what awaits a
 * decision, and the issues worth a line. Kept apart from the verdict and
 * the template (status.ts) so each reads on one screen.
 */
import type { EngineEvent, EventOf } from '../engine/events.js';
import { foldRunChain, type RolloutStanding, type StepStanding } from '../engine/run-state.js';
import { formatDuration } from '../runbook/duration.js';
import { instanceKey } from '../runbook/instances.js';

/** A command start. */
export type Started = EventOf<'step.started'>;

/** Decisions that are the plan going as intended, not issues worth a line. */
const ROUTINE_CHOICES = ['approved', 'confirmed', 'GO'];

/** What a run's events say, gathered in one pass. */
export interface Fold {
  run?: EventOf<'run.started'>;
  finished?: EventOf<'run.finished'>;
  last?: EngineEvent;
  /** Commands started and not finished, by phase, step and attempt. */
  open: Map<string, Started>;
  /** When this run first started each step (ms): retries and validation count against the step's expected time. */
  firstStart: Map<string, number>;
  /** Where each step stands, from the fold of the chain (earlier runs, then this one); hosted steps per `<step>@<host>`. */
  state: Map<string, StepStanding>;
  /** Where each rollout stands, from the fold of the chain. */
  rollouts: Map<string, RolloutStanding>;
  /** When this run settled a step (succeeded, skipped, failed). */
  settledAt: Map<string, number>;
  /** Steps whose state this run recorded. */
  touched: Set<string>;
  rollback?: { started: EventOf<'rollback.started'>; finished?: EventOf<'rollback.finished'> };
  goDecision: boolean;
  /** The smoke tests have started. */
  verifying: boolean;
  checksDone: Set<string>;
  /** A failed step or major smoke test the operator has not decided about yet. */
  awaiting?: { what: string; id: string };
  /** The question the operator has been asked and not answered yet. */
  question?: EventOf<'question.asked'>;
  /** The approvals the run waits for (members of a parallel group may wait at once), by point, with the answers recorded since each was requested. */
  approvals: Map<string, { request: EventOf<'approval.requested'>; answers: Array<EventOf<'approval'>> }>;
  issues: string[];
}

/**
 * Fold a run's events (`events`, the chain's last run; `live` when its
 * process runs) and its chain's earlier runs (`priorEvents`) into what the
 * status update is computed from, collecting the issues on the way.
 */
export function foldRun(events: readonly EngineEvent[], priorEvents: readonly EngineEvent[], live: boolean): Fold {
  const chain = foldRunChain(priorEvents.length ? [...priorEvents, ...events] : events, { live });
  const state = new Map([...chain.steps].map(([id, step]) => [id, step.state]));
  const f: Fold = {
    open: new Map(),
    firstStart: new Map(),
    state,
    rollouts: chain.rollouts,
    settledAt: new Map(),
    touched: new Set(),
    goDecision: false,
    verifying: false,
    checksDone: new Set(),
    approvals: new Map(),
    issues: [],
  };
  const failedAttempts = new Map<string, number>();
  for (const e of events) {
    f.last = e;
    const at = Date.parse(e.at);
    switch (e.kind) {
      case 'run.started':
        f.run = e;
        break;
      case 'run.finished':
        f.finished = e;
        f.awaiting = undefined;
        f.question = undefined;
        f.approvals.clear();
        break;
      case 'step.started': {
        const key = instanceKey(e.stepId, e.target);
        f.open.set(`${e.phase}:${key}:${e.attempt}`, e);
        if (e.phase === 'verify') f.verifying = true;
        if (e.phase === 'step' && !f.firstStart.has(key)) f.firstStart.set(key, at);
        break;
      }
      case 'step.finished': {
        const key = instanceKey(e.stepId, e.target);
        f.open.delete(`${e.phase}:${key}:${e.attempt}`);
        if (e.phase === 'step' && e.status !== 'passed' && e.status !== 'stopped') failedAttempts.set(key, (failedAttempts.get(key) ?? 0) + 1);
        break;
      }
      case 'step.retrying':
        f.issues.push(`${instanceKey(e.stepId, e.target)}: attempt ${e.nextAttempt - 1} failed; retrying in ${formatDuration(e.delayMs)}`);
        break;
      case 'step.state': {
        const key = instanceKey(e.stepId, e.target);
        f.touched.add(key);
        if (e.state === 'succeeded' || e.state === 'skipped' || e.state === 'failed') f.settledAt.set(key, at);
        if (e.state === 'failed') f.awaiting = { what: 'step', id: key };
        if (e.state !== 'succeeded' && e.state !== 'rolled-back') f.issues.push(`${key}: ${e.state}${e.reason ? ` — ${e.reason}` : ''}`);
        else if (e.state === 'succeeded' && failedAttempts.get(key)) f.issues.push(`${key}: succeeded after ${failedAttempts.get(key)} failed attempt(s)`);
        break;
      }
      case 'target.finished':
        if (e.outcome !== 'succeeded')
          f.issues.push(`${e.rollout}: ${e.target} ${e.outcome}${e.failedStep ? ` at ${e.failedStep}` : ''}${e.reason ? ` — ${e.reason}` : ''}`);
        break;
      case 'wave.started':
        break;
      case 'check.finished':
        f.checksDone.add(e.checkId);
        if (!e.passed) f.issues.push(`check ${e.checkId} failed${e.blocking ? '' : ' (non-blocking)'}: ${e.reason ?? 'failed'}`);
        break;
      case 'verify.finished':
        if (!e.passed) f.issues.push(`smoke test ${e.verifyId} (${e.severity}) failed: ${e.reason ?? 'failed'}`);
        if (!e.passed && e.severity === 'major') f.awaiting = { what: 'smoke test', id: e.verifyId };
        break;
      case 'question.asked':
        f.question = e;
        break;
      case 'approval.requested':
        f.approvals.set(e.pointId, { request: e, answers: [] });
        break;
      case 'approval':
        f.approvals.get(e.pointId)?.answers.push(e);
        if (e.verdict === 'refused') f.issues.push(`refused: ${e.refusal ?? `an answer to ${e.pointId}`}`);
        break;
      case 'decision':
        f.question = undefined;
        if (e.subjectId !== undefined) f.approvals.delete(e.subjectId);
        if (e.subject === 'go-no-go') f.goDecision = true;
        if (e.subject === 'guided-failure' || e.subject === 'smoke-test') f.awaiting = undefined;
        if (ROUTINE_CHOICES.includes(e.choice)) break;
        if (e.subject === 'go-no-go') f.issues.push(`${e.choice}${e.reason ? `: ${e.reason}` : ''}`);
        else
          f.issues.push(
            `${e.subject}${e.subjectId ? ` ${e.subjectId}` : ''}: ${e.choice} (${e.by})${e.subject === 'window-override' && e.reason ? ` — ${e.reason}` : ''}`,
          );
        break;
      case 'rollback.started':
        f.rollback = { started: e };
        f.awaiting = undefined;
        break;
      case 'rollback.finished':
        if (f.rollback) f.rollback.finished = e;
        break;
      case 'run.interrupted':
        f.question = undefined;
        f.approvals.clear();
        f.issues.push(`interrupted by ${e.signal}${e.forced ? ' (forced)' : ''}`);
        break;
      case 'warning':
        f.issues.push(`warning: ${e.stepId ? `${e.stepId}: ` : ''}${e.message}`);
        break;
      case 'approval.carried':
      case 'step.spawned':
      case 'step.output':
        break;
      default:
        return unknownEvent(e);
    }
  }
  return f;
}

function unknownEvent(event: never): never {
  throw new Error(`the status fold does not handle event kind ${(event as EngineEvent).kind}`);
}
