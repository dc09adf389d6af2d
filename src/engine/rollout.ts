/**
 * A rollout: its waves in order; within a wave, hosts in parallel up to
 * `concurrency`, each host running the rollout's steps in order. A host
 * whose step fails counts against `max_failures`: within it, that host is
 * rolled back on its own and the rollout goes on; over it, no new host
 * starts, the hosts already running finish, and the caller applies the
 * failure policy. Between waves: the sign-off (a recorded confirmation by
 * the owner role, or the approvals of named people) and the soak time.
 * Hosts and waves already done (resume) are not run again.
 */

import type { RemoteTarget } from '../process/types.js';
import { hostInstances } from '../runbook/instances.js';
import type { PlannedStage, PlannedStep } from '../runbook/plan.js';
import { awaitApproval } from './approval.js';
import { confirm } from './confirm.js';
import type { RunContext } from './context.js';
import type { TargetOutcome } from './events.js';
import { rollbackHost } from './rollback.js';
import { isDone, isSettledFailure, signOffSubject } from './run-state.js';
import { runStep } from './steps.js';

/** A rollout stage of the plan. */
export type RolloutStage = Extract<PlannedStage, { kind: 'rollout' }>;

/** How a rollout ended. */
export type RolloutResult =
  | { outcome: 'succeeded' }
  /** Over `max_failures`, a host's own rollback failed, or a sign-off was refused: the failure policy decides. */
  | { outcome: 'failed'; failed: PlannedStep[]; reason: string }
  /** A sign-off nobody could give (no terminal, not approved on the command line): the run stops, resumable; nothing is undone for it. */
  | { outcome: 'unanswered'; reason: string }
  | { outcome: 'stopped' };

/** The key of a rollout's host in `RunContext.targetOutcomes`. */
export function targetKey(rolloutId: string, host: string): string {
  return `${rolloutId}@${host}`;
}

/** Run (or continue) a rollout. */
export async function runRollout(ctx: RunContext, stage: RolloutStage): Promise<RolloutResult> {
  const { rollout } = stage;
  const allHosts = rollout.waves.flat();
  let failures = allHosts.filter((host) => isSettledFailure(ctx.targetOutcomes.get(targetKey(stage.id, host.name)))).length;
  let ranPreviousWave = false;
  for (const [index, hosts] of rollout.waves.entries()) {
    const wave = index + 1;
    const pending = hosts.filter((host) => !hostSettled(ctx, stage, host, wave));
    if (pending.length === 0) continue;
    if (index > 0) {
      const gate = await betweenWaves(ctx, stage, wave - 1, ranPreviousWave);
      if (gate !== 'go') return gate;
    }
    await ctx.emit({ kind: 'wave.started', rollout: stage.id, wave, waves: rollout.waves.length, targets: pending.map((h) => h.name) });
    ranPreviousWave = true;
    const overThreshold: PlannedStep[] = [];
    const reasons: string[] = [];
    await eachWithConcurrency(ctx, pending, rollout.concurrency, async (host) => {
      // Over the threshold no new host starts; the ones running finish.
      if (reasons.length > 0 || ctx.interruption.requested) return;
      const steps = hostInstances(stage, host, wave);
      const result = await runHost(ctx, steps);
      if (result.outcome === 'stopped') return;
      if (result.outcome === 'succeeded') return finishTarget(ctx, stage, host, wave, 'succeeded');
      const failedStep = ctx.eventName(result.step.id).stepId;
      const cause = `${host.name}: ${failedStep}: ${result.reason}`;
      // Counted before anything awaits, so hosts failing together cannot all fit one free place.
      failures += 1;
      if (failures > rollout.maxFailures) {
        overThreshold.push(result.step);
        reasons.push(cause);
        return finishTarget(ctx, stage, host, wave, 'failed', failedStep, result.reason);
      }
      const undo = await rollbackHost(ctx, steps);
      if (undo.interrupted) return;
      if (!undo.complete) {
        reasons.push(`${cause}; ${undo.reason ?? 'its rollback did not finish'}`);
        return finishTarget(ctx, stage, host, wave, 'rollback-failed', failedStep, `${result.reason}; ${undo.reason ?? 'its rollback did not finish'}`);
      }
      ctx.issues.push(`rollout ${stage.id}: ${cause} (rolled back on ${host.name}; within max_failures ${rollout.maxFailures})`);
      return finishTarget(ctx, stage, host, wave, 'rolled-back', failedStep, result.reason);
    });
    if (ctx.interruption.requested) return { outcome: 'stopped' };
    if (reasons.length > 0) {
      const threshold = `${failures} of ${allHosts.length} hosts failed, max_failures ${rollout.maxFailures}`;
      return { outcome: 'failed', failed: overThreshold, reason: `rollout ${stage.id} stopped after wave ${wave} (${threshold}): ${reasons.join('; ')}` };
    }
  }
  return { outcome: 'succeeded' };
}

/** A host is done with this rollout: all its steps done, or its failure settled (rolled back on its own). */
function hostSettled(ctx: RunContext, stage: RolloutStage, host: RemoteTarget, wave: number): boolean {
  if (isSettledFailure(ctx.targetOutcomes.get(targetKey(stage.id, host.name)))) return true;
  return hostInstances(stage, host, wave).every((step) => isDone(ctx.steps.get(step.id)?.state));
}

type HostResult = { outcome: 'succeeded' } | { outcome: 'failed'; step: PlannedStep; reason: string } | { outcome: 'stopped' };

/** One host: the rollout's steps in order, skipping those already done. */
async function runHost(ctx: RunContext, steps: PlannedStep[]): Promise<HostResult> {
  for (const step of steps) {
    if (isDone(ctx.steps.get(step.id)?.state)) continue;
    const outcome = await runStep(ctx, step);
    if (outcome.outcome === 'stopped') return { outcome: 'stopped' };
    if (outcome.outcome === 'failed') return { outcome: 'failed', step, reason: outcome.reason };
  }
  return { outcome: 'succeeded' };
}

async function finishTarget(
  ctx: RunContext,
  stage: RolloutStage,
  host: RemoteTarget,
  wave: number,
  outcome: TargetOutcome,
  failedStep?: string,
  reason?: string,
): Promise<void> {
  ctx.targetOutcomes.set(targetKey(stage.id, host.name), outcome);
  await ctx.emit({
    kind: 'target.finished',
    rollout: stage.id,
    wave,
    target: host.name,
    outcome,
    ...(failedStep !== undefined ? { failedStep } : {}),
    ...(reason !== undefined ? { reason: ctx.mask(reason) } : {}),
  });
}

/** Before the next wave: the sign-off of the wave that finished, then the soak time. */
async function betweenWaves(ctx: RunContext, stage: RolloutStage, finished: number, ranFinished: boolean): Promise<'go' | RolloutResult> {
  const { signOff, pauseMs } = stage.rollout;
  const subject = signOffSubject(stage.id, finished);
  if (signOff && !ctx.signedOff.has(subject)) {
    const owner = signOff.owner.name ? `${signOff.owner.role} (${signOff.owner.name})` : signOff.owner.role;
    const question = ctx.display(signOff.confirm, undefined, finished);
    // With approvers, named people answer at the point `<rollout>.wave-<n>`, exactly as at a step's approval; the operator's --yes does not.
    const answer = signOff.approval
      ? await awaitApproval(ctx, 'sign-off', subject, `${stage.title}: ${question}`, signOff.approval)
      : await confirm(ctx, 'sign-off', subject, `${owner}: ${question}`, stage.id);
    if (answer.interrupted || ctx.interruption.requested) return { outcome: 'stopped' };
    const reason = `rollout ${stage.id}: wave ${finished} was not signed off: ${answer.reason ?? 'declined'}`;
    if (!answer.approved && !signOff.approval && !ctx.ports.prompter.interactive && !answer.declined) return { outcome: 'unanswered', reason };
    if (!answer.approved) return { outcome: 'failed', failed: [], reason };
    ctx.signedOff.add(subject);
  }
  // A soak time is for the wave that just ran; a resumed rollout has soaked already.
  if (pauseMs !== undefined && pauseMs > 0 && ranFinished) {
    await ctx.ports.clock.sleep(pauseMs, ctx.interruption.controller.signal);
    if (ctx.interruption.requested) return { outcome: 'stopped' };
  }
  return 'go';
}

/** Run `work` for every item, at most `limit` at once; resolves when all have ended. */
async function eachWithConcurrency<T>(ctx: RunContext, items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (next < items.length && failure === undefined) {
      const item = items[next++];
      try {
        await work(item);
      } catch (error) {
        // The journal could not record: stop what runs, and let every lane end before the error goes up.
        failure ??= { error };
        ctx.stopAll(false);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  if (failure) throw failure.error;
}
