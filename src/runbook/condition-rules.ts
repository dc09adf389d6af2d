/**
 * `when:` conditions must parse: each syntax problem is reported at its
 * character. (Their templates are checked with every other template, by
 * `templatesResolve`: the same references a command there could use.)
 */
import { parseCondition } from './condition.js';
import { Codes } from './diagnostics.js';
import type { DataPath } from './positions.js';
import { forEachStep, type RuleContext } from './rules.js';

/** Every `when:` of a check, step, step rollback and smoke test is a condition golive can evaluate. */
export function conditionsParse(ctx: RuleContext): void {
  const check = (text: string | undefined, path: DataPath) => {
    if (text === undefined) return;
    const { error } = parseCondition(text);
    if (error) ctx.report({ path, at: { offset: error.offset }, code: Codes.BadCondition, message: `condition: ${error.message}`, hint: CONDITION_HINT });
  };
  ctx.runbook.checks?.forEach((c, i) => {
    check(c.when, ['checks', i, 'when']);
  });
  forEachStep(ctx.runbook, (step, path) => {
    check(step.when, [...path, 'when']);
    if (typeof step.rollback === 'object') check(step.rollback.when, [...path, 'rollback', 'when']);
  });
  ctx.runbook.verify?.forEach((v, i) => {
    check(v.when, ['verify', i, 'when']);
  });
}

const CONDITION_HINT = "e.g. \"{{ environment }} == 'production'\" or \"{{ environment }} in ['uat', 'staging'] && {{ vars.migrate }} != 'false'\"";
