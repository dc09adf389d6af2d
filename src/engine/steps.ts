/**
 * One step: a manual confirmation, or a command with retries (by exit code
 * and with back-off: retry.ts), each attempt followed by its validation
 * (polled until it passes). A step whose attempt
 * is stopped by an interrupt is recorded as failed (graceful stop: its end is
 * known) or in doubt (forced kill: its effect is unknown).
 */
import type { PlannedStep, PlannedValidation } from '../runbook/plan.js';
import { awaitApproval } from './approval.js';
import { conditionFalseReason, conditionHolds } from './conditions.js';
import { confirm } from './confirm.js';
import type { RunContext } from './context.js';
import type { Phase } from './events.js';
import { execute } from './execute.js';
import { notRetriedReason, retriesAfter, retryDelayMs } from './retry.js';

/** How a step ended. */
export type StepOutcome = { outcome: 'succeeded' } | { outcome: 'failed'; reason: string } | { outcome: 'stopped' };

/** Run a step to its end (including retries and validation) and record its state. */
export async function runStep(ctx: RunContext, step: PlannedStep): Promise<StepOutcome> {
  if (ctx.interruption.requested) return { outcome: 'stopped' };
  if (step.when !== undefined && !(await conditionHolds(ctx, step.id, step.when))) {
    // Skipped is settled and has nothing to undo: the run goes on as after a success.
    await ctx.setState(step.id, 'skipped', conditionFalseReason(step.when));
    return { outcome: 'succeeded' };
  }
  ctx.steps.set(step.id, { state: 'running' });
  if (step.approval) {
    // Named people decide; for a manual step their approval is the confirmation.
    const answer = await awaitApproval(ctx, 'confirm', step.id, step.confirm ?? step.title, step.approval);
    if (answer.interrupted) return stopped(ctx, step.id, false);
    if (!answer.approved) {
      await ctx.setState(step.id, 'failed', answer.reason);
      return { outcome: 'failed', reason: answer.reason ?? 'not approved' };
    }
    if (step.confirm !== undefined || !step.command) {
      await ctx.setState(step.id, 'succeeded', 'approved');
      return { outcome: 'succeeded' };
    }
  } else if (step.confirm !== undefined || !step.command) {
    const answer = await confirm(ctx, 'confirm', step.id, step.confirm ?? step.title);
    if (answer.interrupted) return stopped(ctx, step.id, false);
    if (answer.approved) {
      await ctx.setState(step.id, 'succeeded', 'confirmed');
      return { outcome: 'succeeded' };
    }
    await ctx.setState(step.id, 'failed', answer.reason);
    return { outcome: 'failed', reason: answer.reason ?? 'not confirmed' };
  }

  const { attempts } = step.retry;
  // An operator's "retry" runs the step's attempts again; numbering goes on from the earlier ones
  // (attempt 2, not attempt 1 again), so every execution keeps its own identity and log file.
  const before = ctx.attemptsStarted(step.id);
  let reason = '';
  for (let round = 1; round <= attempts; round++) {
    const attempt = before + round;
    ctx.countAttempt(step.id);
    const run = await execute(ctx, {
      phase: 'step',
      stepId: step.id,
      title: step.title,
      owner: step.owner?.role,
      group: step.group,
      attempt,
      attempts: before + attempts,
      expectedMs: step.expectedMs,
      command: step.command,
      env: step.env,
      captureOutputs: true,
    });
    if (run.status === 'stopped' || run.status === 'not-started') return stopped(ctx, step.id, run.status === 'stopped' || attempt > 1);
    if (run.status === 'passed') {
      if (!step.validate) return succeeded(ctx, step.id);
      const validation = await validate(ctx, step.id, step.title, step.validate, 'validate', attempt);
      if (validation.passed) return succeeded(ctx, step.id);
      if (ctx.interruption.requested) {
        // Its command finished; only the proof did not: resume validates it before anything re-runs it.
        await ctx.setState(step.id, 'in-doubt', 'its validation was interrupted');
        return { outcome: 'stopped' };
      }
      reason = validation.reason;
    } else {
      reason = run.message ?? 'failed';
    }
    // A validation failure has no exit code of the step's own: `on_exit_codes` does not retry it.
    if (round < attempts && !retriesAfter(step.retry, run.status === 'passed' ? undefined : run)) {
      const final = `${reason} (${notRetriedReason(step.retry)})`;
      await ctx.setState(step.id, 'failed', final);
      return { outcome: 'failed', reason: final };
    }
    if (round < attempts) {
      const delayMs = retryDelayMs(step.retry, round);
      await ctx.emit({ kind: 'step.retrying', phase: 'step', ...ctx.eventName(step.id), nextAttempt: attempt + 1, delayMs });
      await ctx.ports.clock.sleep(delayMs, ctx.interruption.controller.signal);
      if (ctx.interruption.requested) return stopped(ctx, step.id, true);
    }
  }
  const final = attempts > 1 ? `${reason} (after ${attempts} attempts)` : reason;
  await ctx.setState(step.id, 'failed', final);
  return { outcome: 'failed', reason: final };
}

/**
 * Poll a validation command until it passes or its attempts run out. The
 * poll numbers continue across step attempts (round 2 of 3 polls is 4–6), so
 * every execution has its own identity in the journal and its own log file.
 */
export async function validate(
  ctx: RunContext,
  stepId: string,
  title: string,
  validation: PlannedValidation,
  phase: Phase,
  round = 1,
): Promise<{ passed: boolean; reason: string }> {
  let reason = '';
  const first = (round - 1) * validation.attempts;
  for (let attempt = 1; attempt <= validation.attempts; attempt++) {
    const check = await execute(ctx, {
      phase,
      stepId,
      title: `${title} (validation)`,
      attempt: first + attempt,
      attempts: round * validation.attempts,
      command: validation,
      captureOutputs: false,
    });
    if (check.status === 'passed') return { passed: true, reason: '' };
    if (check.status === 'stopped' || check.status === 'not-started') return { passed: false, reason: 'validation interrupted' };
    reason = `validation failed: ${check.message ?? 'failed'}${validation.attempts > 1 ? ` (${validation.attempts} polls)` : ''}`;
    if (attempt < validation.attempts) {
      await ctx.ports.clock.sleep(validation.intervalMs, ctx.interruption.controller.signal);
      if (ctx.interruption.requested) return { passed: false, reason: 'validation interrupted' };
    }
  }
  return { passed: false, reason };
}

async function succeeded(ctx: RunContext, stepId: string): Promise<StepOutcome> {
  await ctx.setState(stepId, 'succeeded');
  return { outcome: 'succeeded' };
}

/**
 * An interrupted step: failed when it ended on our SIGTERM, in doubt when it was killed or never confirmed ended.
 * Halted by the session (the journal stayed away), its state says that cause.
 */
async function stopped(ctx: RunContext, stepId: string, started: boolean): Promise<StepOutcome> {
  if (!started) {
    ctx.steps.delete(stepId);
    return { outcome: 'stopped' };
  }
  if (ctx.haltCause !== undefined && !ctx.interruption.requested) {
    await ctx.setState(stepId, 'failed', `stopped because ${ctx.haltCause}`);
    return { outcome: 'stopped' };
  }
  const signal = ctx.interruption.signal ?? 'a signal';
  if (ctx.interruption.forced) await ctx.setState(stepId, 'in-doubt', `killed by a second ${signal}: its effect is unknown`);
  else await ctx.setState(stepId, 'failed', `stopped by ${signal}`);
  return { outcome: 'stopped' };
}
