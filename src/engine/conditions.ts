/**
 * Evaluating `when:` conditions just before the check, step, smoke test or
 * rollback they guard, when earlier steps' outputs exist. Each template
 * operand is rendered on its own (runbook/condition.ts keeps values out of
 * the expression's syntax).
 */
import { evaluateCondition, parseCondition } from '../runbook/condition.js';
import type { RunContext } from './context.js';

/** The reason recorded for what a false condition skipped: the condition as written (never its values, which may be secret). */
export function conditionFalseReason(when: string): string {
  return `condition false: ${when}`;
}

/** Whether `when` holds now; a template without a value (an output never written) counts as empty text, with a warning. */
export async function conditionHolds(ctx: RunContext, stepId: string, when: string): Promise<boolean> {
  const { condition, error } = parseCondition(when);
  // The loader refuses a runbook whose condition does not parse, so this is golive's own bug.
  if (!condition) throw new Error(`condition of ${stepId} does not parse: ${error?.message}`);
  const warnings: string[] = [];
  const holds = evaluateCondition(condition, (template) => ctx.render(template, (message) => warnings.push(message)));
  for (const message of warnings) await ctx.emit({ kind: 'warning', stepId, message: ctx.mask(message) });
  return holds;
}
