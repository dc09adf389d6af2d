/**
 * In-doubt steps on resume: a step that started but whose end was never
 * recorded may or may not have done its work. Its validation decides; when
 * that fails (or there is none), it is re-run only when the operator says so
 * (`--rerun-in-doubt`, or yes at the prompt), because running a half-applied
 * step twice can be worse than stopping.
 */
import type { PlannedStep } from '../runbook/plan.js';
import type { RunContext } from './context.js';
import { validate } from './steps.js';

/** What to do with one in-doubt step. */
export type InDoubtVerdict = 'done' | 'rerun' | 'stop';

/** Decide (and record) what happens to an in-doubt step. */
export async function resolveInDoubt(ctx: RunContext, step: PlannedStep, rerunAllowed: boolean): Promise<InDoubtVerdict> {
  const by = ctx.options.operator;
  if (step.validate) {
    const check = await validate(ctx, step.id, step.title, step.validate, 'validate');
    if (check.passed) {
      await ctx.emit({ kind: 'decision', subject: 'in-doubt', subjectId: step.id, choice: 'done', reason: 'its validation passed on resume', by, via: 'policy' });
      await ctx.setState(step.id, 'succeeded', 'in doubt; validation passed on resume');
      return 'done';
    }
    if (ctx.interruption.requested) return 'stop';
  }
  const why = step.validate ? 'its validation failed' : 'it has no validation to prove it finished';
  if (rerunAllowed) {
    await ctx.emit({ kind: 'decision', subject: 'in-doubt', subjectId: step.id, choice: 'rerun', reason: `${why}; re-run (--rerun-in-doubt)`, by, via: 'flag' });
    ctx.steps.delete(step.id);
    return 'rerun';
  }
  if (ctx.ports.prompter.interactive) {
    const question = `Step ${step.id} was interrupted and ${why}. Run it again?`;
    await ctx.asked('in-doubt', step.id, question);
    const rerun = await ctx.ports.prompter.confirm(question);
    // Ctrl-C at the question is not an answer.
    if (ctx.interruption.requested) return 'stop';
    await ctx.emit({ kind: 'decision', subject: 'in-doubt', subjectId: step.id, choice: rerun ? 'rerun' : 'stop', reason: why, by, via: 'prompt' });
    if (rerun) ctx.steps.delete(step.id);
    return rerun ? 'rerun' : 'stop';
  }
  await ctx.emit({ kind: 'decision', subject: 'in-doubt', subjectId: step.id, choice: 'stop', reason: `${why}; pass --rerun-in-doubt to run it again`, by, via: 'policy' });
  return 'stop';
}
