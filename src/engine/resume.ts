/**
 * Work left in doubt: a step (or a step's rollback) that started but whose
 * end was never recorded may or may not have done its work. Its validation
 * decides; when that fails (or there is none), it is run again only when the
 * operator says so (`--rerun-in-doubt`, or yes at the prompt), because
 * applying a half-applied change twice can be worse than stopping.
 */
import type { PlannedStep, PlannedValidation } from '../runbook/plan.js';
import type { RunContext } from './context.js';
import type { Phase, StepState } from './events.js';
import { validate } from './steps.js';

/** What to do with one in-doubt action. */
export type InDoubtVerdict = 'done' | 'rerun' | 'stop';

/** The two kinds of action that can be left in doubt. */
interface InDoubtAction {
  /** "Step deploy" / "The rollback of step deploy", for questions and reasons. */
  what: string;
  title: string;
  validation?: PlannedValidation;
  validatePhase: Phase;
  /** The state recorded when the validation proves the action done, and why. */
  doneState: StepState;
  doneReason: string;
}

/** Decide (and record) what happens to an in-doubt step on resume. */
export async function resolveInDoubt(ctx: RunContext, step: PlannedStep, rerunAllowed: boolean): Promise<InDoubtVerdict> {
  const verdict = await resolve(
    ctx,
    step.id,
    {
      what: `Step ${step.id}`,
      title: step.title,
      validation: step.validate,
      validatePhase: 'validate',
      doneState: 'succeeded',
      doneReason: 'on resume',
    },
    rerunAllowed,
  );
  if (verdict === 'rerun') ctx.steps.delete(step.id); // runs again as if it never had
  return verdict;
}

/** Decide (and record) what happens to a step whose rollback was left in doubt. */
export function resolveRollbackInDoubt(ctx: RunContext, step: PlannedStep, rerunAllowed: boolean): Promise<InDoubtVerdict> {
  return resolve(
    ctx,
    step.id,
    {
      what: `The rollback of step ${step.id}`,
      title: `Roll back: ${step.title}`,
      validation: step.rollback?.validate,
      validatePhase: 'rollback-validate',
      doneState: 'rolled-back',
      doneReason: 'on the next rollback',
    },
    rerunAllowed,
  );
}

async function resolve(ctx: RunContext, stepId: string, action: InDoubtAction, rerunAllowed: boolean): Promise<InDoubtVerdict> {
  const by = ctx.options.operator;
  const subjectId = stepId;
  if (action.validation) {
    const check = await validate(ctx, stepId, action.title, action.validation, action.validatePhase);
    if (check.passed) {
      await ctx.emit({
        kind: 'decision',
        subject: 'in-doubt',
        subjectId,
        choice: 'done',
        reason: `its validation passed ${action.doneReason}`,
        by,
        via: 'policy',
      });
      await ctx.setState(stepId, action.doneState, `in doubt; validation passed ${action.doneReason}`);
      return 'done';
    }
    if (ctx.interruption.requested) return 'stop';
  }
  const why = action.validation ? 'its validation failed' : 'it has no validation to prove it finished';
  if (rerunAllowed) {
    await ctx.emit({ kind: 'decision', subject: 'in-doubt', subjectId, choice: 'rerun', reason: `${why}; re-run (--rerun-in-doubt)`, by, via: 'flag' });
    return 'rerun';
  }
  if (ctx.ports.prompter.interactive) {
    const question = `${action.what} was interrupted and ${why}. Run it again?`;
    await ctx.asked('in-doubt', subjectId, question);
    const rerun = await ctx.ports.prompter.confirm(question);
    // Ctrl-C at the question is not an answer.
    if (ctx.interruption.requested) return 'stop';
    await ctx.emit({ kind: 'decision', subject: 'in-doubt', subjectId, choice: rerun ? 'rerun' : 'stop', reason: why, by, via: 'prompt' });
    return rerun ? 'rerun' : 'stop';
  }
  await ctx.emit({
    kind: 'decision',
    subject: 'in-doubt',
    subjectId,
    choice: 'stop',
    reason: `${why}; pass --rerun-in-doubt to run it again`,
    by,
    via: 'policy',
  });
  return 'stop';
}
