/**
 * What happens when a step (or several members of a parallel group) failed:
 * the failure policy decides between going on, retrying, skipping, aborting
 * and rolling back. A step's own `on_failure` wins, then `--on-failure`, then
 * the runbook's default, then `ask` (which is `abort` without a terminal).
 * For a group, the strictest policy among the failed members applies.
 */
import type { PlannedStep } from '../runbook/plan.js';
import type { FailurePolicy } from '../runbook/types.js';
import type { RunContext } from './context.js';

/** What the run does next. */
export type FailureAction = 'retry' | 'skip' | 'continue' | 'abort' | 'rollback' | 'interrupted';

/** Strictest first: one member asking for a rollback must not be outvoted by a sibling that may continue. */
const STRICTNESS: FailurePolicy[] = ['rollback', 'abort', 'ask', 'continue'];

/** The policy that applies to a set of failed steps. */
export function failurePolicy(ctx: RunContext, failed: PlannedStep[], flag?: FailurePolicy): FailurePolicy {
  // No step failed (a rollout's wave was not signed off): the run's own policy.
  const policies = failed.length > 0 ? failed.map((step) => step.onFailure ?? flag ?? ctx.plan.onFailure ?? 'ask') : [flag ?? ctx.plan.onFailure ?? 'ask'];
  return STRICTNESS.find((policy) => policies.includes(policy)) ?? 'ask';
}

/** Apply the policy (asking the operator when it says so and a terminal is there); records the decision. */
export async function onStepFailure(ctx: RunContext, failed: PlannedStep[], reason: string, flag?: FailurePolicy): Promise<FailureAction> {
  const policy = failurePolicy(ctx, failed, flag);
  const by = ctx.options.operator;
  const subjectId = failed.map((s) => s.id).join(',');
  const masked = ctx.mask(reason);
  if (policy === 'continue') {
    for (const step of failed) ctx.steps.get(step.id)!.continued = true;
    ctx.issues.push(`${masked} (on_failure: continue)`);
    await ctx.emit({ kind: 'decision', subject: 'guided-failure', subjectId, choice: 'continue', reason: masked, by, via: 'policy' });
    return 'continue';
  }
  if (policy !== 'ask' || !ctx.ports.prompter.interactive) {
    const chosen = policy === 'ask' ? 'abort' : policy;
    const why = policy === 'ask' ? `${masked}; no terminal to ask, so the run stops here (on_failure: ask → abort)` : masked;
    await ctx.emit({ kind: 'decision', subject: 'guided-failure', subjectId, choice: chosen, reason: why, by, via: 'policy' });
    return chosen;
  }
  await ctx.asked('guided-failure', subjectId, `${masked}. What now?`);
  const choice = await ctx.ports.prompter.select<Exclude<FailureAction, 'continue' | 'interrupted'>>(`${masked}. What now?`, [
    { value: 'retry', name: `Retry ${failed.length > 1 ? 'the failed steps' : 'the step'}` },
    { value: 'skip', name: 'Skip and go on (you will be asked why)' },
    { value: 'rollback', name: 'Roll back now' },
    { value: 'abort', name: 'Abort: stop here, decide later (resumable, roll-backable)' },
  ]);
  // Ctrl-C at a question is an interruption, never an answer.
  if (ctx.interruption.requested) return 'interrupted';
  let why = masked;
  if (choice === 'skip') {
    const given = (await ctx.ports.prompter.input(`Why is it safe to skip ${failed.length > 1 ? 'these steps' : 'this step'}?`)).trim();
    if (ctx.interruption.requested) return 'interrupted';
    why = ctx.mask(given || 'no reason given');
    for (const step of failed) {
      await ctx.setState(step.id, 'skipped', why);
      ctx.issues.push(`step ${step.id} skipped by ${by}: ${why}`);
    }
  }
  await ctx.emit({ kind: 'decision', subject: 'guided-failure', subjectId, choice, reason: why, by, via: 'prompt' });
  return choice;
}
