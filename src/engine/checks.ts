/**
 * The pre-deployment checklist and the go/no-go decision: GO when every check
 * passes, CONDITIONAL GO when only non-blocking checks failed (each reason
 * recorded), NO-GO when a blocking check failed.
 */
import { awaitApproval } from './approval.js';
import { conditionFalseReason, conditionHolds } from './conditions.js';
import { confirm } from './confirm.js';
import type { RunContext } from './context.js';
import { execute } from './execute.js';

export type GoDecision = 'GO' | 'CONDITIONAL GO' | 'NO-GO';

/** The checklist's result. */
export interface ChecklistResult {
  decision: GoDecision;
  /** One line per failed check. */
  reasons: string[];
  interrupted: boolean;
}

/** Run every check (all of them, even after a failure: the meeting wants the whole list), then decide. */
export async function runChecklist(ctx: RunContext): Promise<ChecklistResult> {
  const blockingFailures: string[] = [];
  const minorFailures: string[] = [];
  for (const check of ctx.plan.checks) {
    if (ctx.interruption.requested) return { decision: 'NO-GO', reasons: ['interrupted'], interrupted: true };
    if (check.when !== undefined && !(await conditionHolds(ctx, check.id, check.when))) {
      // Not run, so neither passed nor failed: recorded, and left out of the decision.
      await ctx.emit({ kind: 'warning', stepId: check.id, message: `check skipped: ${conditionFalseReason(check.when)}` });
      continue;
    }
    let passed: boolean;
    let reason: string | undefined;
    const approval = check.approval && (await awaitApproval(ctx, 'confirm', check.id, check.confirm ?? check.title, check.approval));
    if (approval?.interrupted) return { decision: 'NO-GO', reasons: ['interrupted'], interrupted: true };
    if (approval && (!approval.approved || !check.command)) {
      // Not approved fails the check; for a question, the approval is its answer.
      passed = approval.approved;
      reason = approval.reason;
    } else if (check.command) {
      const run = await execute(ctx, {
        phase: 'check',
        stepId: check.id,
        title: check.title,
        owner: check.owner?.role,
        attempt: 1,
        attempts: 1,
        command: check.command,
      });
      if (run.status === 'stopped' || run.status === 'not-started') return { decision: 'NO-GO', reasons: ['interrupted'], interrupted: true };
      passed = run.status === 'passed';
      reason = run.message;
    } else {
      const answer = await confirm(ctx, 'confirm', check.id, check.confirm ?? check.title);
      if (answer.interrupted) return { decision: 'NO-GO', reasons: ['interrupted'], interrupted: true };
      passed = answer.approved;
      reason = answer.reason;
    }
    await ctx.emit({ kind: 'check.finished', checkId: check.id, passed, blocking: check.blocking, reason: passed ? undefined : reason });
    if (!passed) (check.blocking ? blockingFailures : minorFailures).push(`${check.id}: ${reason ?? 'failed'}`);
  }
  const decision: GoDecision = blockingFailures.length ? 'NO-GO' : minorFailures.length ? 'CONDITIONAL GO' : 'GO';
  const reasons = [...blockingFailures, ...minorFailures];
  if (ctx.plan.checks.length > 0) {
    await ctx.emit({
      kind: 'decision',
      subject: 'go-no-go',
      choice: decision,
      reason: reasons.join('; ') || undefined,
      by: ctx.options.operator,
      via: 'policy',
    });
  }
  if (decision === 'CONDITIONAL GO') ctx.issues.push(...minorFailures.map((r) => `conditional go: ${r}`));
  return { decision, reasons, interrupted: false };
}
