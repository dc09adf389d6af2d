/**
 * Advisory rules: findings only `golive validate` reports (as warnings). They
 * are advice for the runbook's author; a run, a plan or a dry run would repeat
 * them on every start without anyone able to act on them there.
 */
import { Codes } from './diagnostics.js';
import { forEachStep, type Rule, type RuleContext } from './rules.js';

/** Rules whose findings only `golive validate` reports: a run or a plan would repeat them on every start. */
export const advisoryRules: Rule[] = [commandStepsHaveRollbacks];

/**
 * A command step with no rollback makes a later rollback end "not fully
 * rolled back" (exit 3) in the middle of an incident; the author should say
 * either how to undo it or that it has nothing to undo.
 */
export function commandStepsHaveRollbacks(ctx: RuleContext): void {
  forEachStep(ctx.runbook, (step, path) => {
    if (step.run === undefined || step.rollback !== undefined) return;
    ctx.report({
      path: [...path, 'run'],
      at: 'key',
      severity: 'warning',
      code: Codes.NoRollback,
      message: `step \`${step.id}\` runs a command but has no rollback: a rollback would leave it applied and end "not fully rolled back" (exit 3)`,
      hint: 'add `rollback: <command>` that undoes it, or `rollback: none` if it changes nothing that needs undoing',
    });
  });
}
