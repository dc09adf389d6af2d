/**
 * Rolling back: the failed step first (it may have half-applied), then every
 * completed step in reverse order of completion, then `rollback.verify` to
 * prove the system is restored. A step without a rollback is reported, never
 * silently passed over; a rollback failure stops the rollback (unless
 * `--keep-going`), because undoing later work on top of a broken undo makes
 * things worse.
 */
import { planInstances } from '../runbook/instances.js';
import type { PlannedStep } from '../runbook/plan.js';
import { conditionFalseReason, conditionHolds } from './conditions.js';
import type { RunContext, StepRecord } from './context.js';
import { execute } from './execute.js';
import { resolveRollbackInDoubt } from './resume.js';
import { isDone, isLeftApplied } from './run-state.js';
import { validate } from './steps.js';

/** The steps to undo, in order, and those that cannot be undone. */
export interface RollbackOrder {
  /** Steps with a rollback command, in the order to run them. */
  order: PlannedStep[];
  /** Completed (or failed) command steps that define no rollback. */
  withoutRollback: PlannedStep[];
  /** Steps that say `rollback: none`: passed over, and the rollback is still complete. */
  nothingToUndo: PlannedStep[];
}

/**
 * Which steps to roll back and in what order. First the broken ones: the
 * failed step(s) that stopped the run (they may have half-applied), steps
 * whose end is unknown (in doubt) and steps whose rollback already failed
 * once; then every other step that ran in reverse order of completion,
 * including a step that failed earlier under `on_failure: continue` (undone
 * in its place). Steps already rolled back are left alone (rollback is
 * idempotent).
 */
export function rollbackOrder(steps: PlannedStep[], records: ReadonlyMap<string, StepRecord>): RollbackOrder {
  const stateOf = (s: PlannedStep) => records.get(s.id)?.state;
  const touched = steps.filter((s) => isLeftApplied(stateOf(s)));
  const rank = (s: PlannedStep) => records.get(s.id)?.completedAt ?? Number.MAX_SAFE_INTEGER;
  const broken = (s: PlannedStep) =>
    stateOf(s) === 'in-doubt' ||
    stateOf(s) === 'rollback-failed' ||
    records.get(s.id)?.rollbackInDoubt === true ||
    (stateOf(s) === 'failed' && !records.get(s.id)?.continued);
  const first = (s: PlannedStep) => (broken(s) ? 0 : 1);
  const position = new Map(steps.map((s, i) => [s, i]));
  const sorted = [...touched].sort((a, b) => first(a) - first(b) || rank(b) - rank(a) || position.get(b)! - position.get(a)!);
  const all = hostByHost(sorted);
  return {
    order: all.filter((s) => s.rollback),
    withoutRollback: all.filter((s) => !s.rollback && !s.nothingToUndo),
    nothingToUndo: all.filter((s) => s.nothingToUndo),
  };
}

/**
 * A rollout is undone host by host: all of one host's steps (in the order
 * above: its broken step first, then the rest in reverse) before the next
 * host, the hosts in the order their first step comes in (the latest wave
 * first). Hosts run in parallel within a wave, so completion order alone
 * would interleave them.
 */
function hostByHost(sorted: PlannedStep[]): PlannedStep[] {
  const units = new Map<string, PlannedStep[]>();
  for (const step of sorted) {
    const rollout = step.instance?.rollout;
    const unit = rollout ? `${rollout.id}@${step.instance!.target.name}` : step.id;
    const members = units.get(unit);
    if (members) members.push(step);
    else units.set(unit, [step]);
  }
  return [...units.values()].flat();
}

/** How a rollback ended. */
export interface RollbackResult {
  /** Every rollback command ran and passed. */
  complete: boolean;
  failed: string[];
  /** Completed command steps that have no rollback: the system is not fully restored. */
  unrestorable: string[];
  /** `rollback.verify` passed (undefined when there is none or it did not run). */
  verified?: boolean;
  interrupted: boolean;
  /** Steps whose earlier rollback is in doubt and was neither proven done nor allowed to run again: the rollback stopped there. */
  inDoubt: string[];
}

/** Roll back everything that needs it, with events. */
export async function performRollback(ctx: RunContext, reason: string): Promise<RollbackResult> {
  const { order, withoutRollback, nothingToUndo } = rollbackOrder(planInstances(ctx.plan), ctx.steps);
  await ctx.emit({ kind: 'rollback.started', reason: ctx.mask(reason), order: order.map((s) => s.id), withoutRollback: withoutRollback.map((s) => s.id) });
  // Completed steps that cannot be undone leave the system not fully restored (exit 3); a failed one is only reported.
  const completed = new Set(
    withoutRollback
      .filter((s) => {
        const state = ctx.steps.get(s.id)?.state;
        return isDone(state) && isLeftApplied(state); // done, and not by skipping it
      })
      .map((s) => s.id),
  );
  const undo = await undoSteps(ctx, order, withoutRollback, nothingToUndo);
  let { interrupted } = undo;
  const { failed, inDoubt } = undo;
  const complete = !interrupted && failed.length === 0 && inDoubt.length === 0 && order.every((s) => ctx.steps.get(s.id)?.state === 'rolled-back');
  let verified: boolean | undefined;
  if (complete && ctx.plan.rollbackVerify.length > 0) {
    verified = true;
    for (const check of ctx.plan.rollbackVerify) {
      const run = await execute(ctx, {
        phase: 'rollback-verify',
        stepId: check.id,
        title: check.title,
        attempt: 1,
        attempts: 1,
        command: check,
        captureOutputs: false,
      });
      if (run.status !== 'passed') {
        verified = false;
        if (run.status === 'stopped') interrupted = true;
        break;
      }
    }
  }
  const unrestorable = withoutRollback.filter((s) => s.command && completed.has(s.id)).map((s) => s.id);
  await ctx.emit({ kind: 'rollback.finished', complete, failed, withoutRollback: withoutRollback.map((s) => s.id), verified, unrestorable });
  return { complete, failed, unrestorable, verified, interrupted, inDoubt };
}

/**
 * Undo one host of a rollout on its own (a failure within `max_failures`):
 * its steps' rollbacks in reverse, on that host only. The run's
 * `rollback.started`/`finished` are not emitted: the deployment goes on.
 */
export async function rollbackHost(ctx: RunContext, hostSteps: PlannedStep[]): Promise<{ complete: boolean; reason?: string; interrupted: boolean }> {
  const { order, withoutRollback, nothingToUndo } = rollbackOrder(hostSteps, ctx.steps);
  const undo = await undoSteps(ctx, order, withoutRollback, nothingToUndo);
  const complete = !undo.interrupted && undo.failed.length === 0 && undo.inDoubt.length === 0;
  const reason = undo.failed.length > 0 ? `the rollback of ${undo.failed.map((id) => ctx.eventName(id).stepId).join(', ')} failed` : undefined;
  return { complete, reason, interrupted: undo.interrupted };
}

/** Run the rollbacks of `order`, stopping at the first failure unless --keep-going; marks completed steps without one. */
async function undoSteps(
  ctx: RunContext,
  order: PlannedStep[],
  withoutRollback: PlannedStep[],
  nothingToUndo: PlannedStep[],
): Promise<{ failed: string[]; inDoubt: string[]; interrupted: boolean }> {
  const failed: string[] = [];
  const inDoubt: string[] = [];
  let interrupted = false;
  for (const step of withoutRollback) {
    if (ctx.steps.get(step.id)?.state === 'succeeded')
      await ctx.setState(step.id, 'no-rollback', step.command ? 'no rollback defined' : 'manual step: nothing to undo');
  }
  for (const step of nothingToUndo) {
    if (ctx.steps.get(step.id)?.state === 'succeeded') await ctx.setState(step.id, 'no-rollback', 'nothing to undo (rollback: none)');
  }
  for (const step of order) {
    if (ctx.interruption.requested) {
      interrupted = true;
      break;
    }
    if (failed.length > 0 && !ctx.options.keepGoing) break;
    const rollback = step.rollback!;
    if (ctx.steps.get(step.id)?.rollbackInDoubt) {
      // An earlier rollback died during this step's undo: it may have happened already.
      const verdict = await resolveRollbackInDoubt(ctx, step, ctx.options.rerunInDoubt === true);
      if (ctx.interruption.requested) {
        interrupted = true;
        break;
      }
      if (verdict === 'done') continue;
      if (verdict === 'stop') {
        inDoubt.push(step.id);
        break;
      }
    }
    if (rollback.when !== undefined && !(await conditionHolds(ctx, step.id, rollback.when))) {
      await ctx.setState(step.id, 'rolled-back', `nothing to undo: ${conditionFalseReason(rollback.when)}`);
      continue;
    }
    const run = await execute(ctx, {
      phase: 'rollback',
      stepId: step.id,
      title: `Roll back: ${step.title}`,
      owner: step.owner?.role,
      group: step.group,
      attempt: 1,
      attempts: 1,
      command: rollback,
      env: step.env,
      captureOutputs: false,
    });
    let ok = run.status === 'passed';
    let why = run.message ?? '';
    if (run.status === 'stopped' || run.status === 'not-started') {
      interrupted = true;
    }
    if (ok && rollback.validate) {
      const check = await validate(ctx, step.id, `Roll back: ${step.title}`, rollback.validate, 'rollback-validate');
      ok = check.passed;
      why = check.reason;
    }
    if (ok) await ctx.setState(step.id, 'rolled-back');
    else {
      failed.push(step.id);
      await ctx.setState(step.id, 'rollback-failed', why || 'rollback failed');
    }
    if (interrupted) break;
  }
  return { failed, inDoubt, interrupted };
}
