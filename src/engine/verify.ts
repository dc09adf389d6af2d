/**
 * Post-deployment smoke tests, handled by severity: critical → roll back
 * now; major → ask the operator (without a terminal: as critical); minor →
 * record an issue and go on.
 */

import { conditionFalseReason, conditionHolds } from './conditions.js';
import type { RunContext } from './context.js';
import { execute } from './execute.js';
import { notRetriedReason, retriesAfter, retryDelayMs } from './retry.js';

/** What the smoke tests concluded. */
export type VerifyResult = { verdict: 'passed' } | { verdict: 'rollback'; reason: string } | { verdict: 'abort'; reason: string } | { verdict: 'interrupted' };

/** Run the smoke tests in order; stop at the first that demands a rollback. */
export async function runSmokeTests(ctx: RunContext): Promise<VerifyResult> {
  for (const test of ctx.plan.verify) {
    if (test.when !== undefined && !(await conditionHolds(ctx, test.id, test.when))) {
      await ctx.emit({ kind: 'warning', stepId: test.id, message: `smoke test skipped: ${conditionFalseReason(test.when)}` });
      continue;
    }
    let status = 'failed';
    let message: string | undefined;
    for (let attempt = 1; attempt <= test.retry.attempts; attempt++) {
      const run = await execute(ctx, {
        phase: 'verify',
        stepId: test.id,
        title: test.title,
        owner: test.owner?.role,
        attempt,
        attempts: test.retry.attempts,
        command: test.command,
      });
      status = run.status;
      message = run.message;
      if (status === 'passed' || status === 'stopped' || status === 'not-started') break;
      if (attempt < test.retry.attempts && !retriesAfter(test.retry, run)) {
        message = `${message ?? 'failed'} (${notRetriedReason(test.retry)})`;
        break;
      }
      if (attempt < test.retry.attempts) {
        const delayMs = retryDelayMs(test.retry, attempt);
        await ctx.emit({ kind: 'step.retrying', phase: 'verify', stepId: test.id, nextAttempt: attempt + 1, delayMs });
        await ctx.ports.clock.sleep(delayMs, ctx.interruption.controller.signal);
      }
    }
    if (status === 'stopped' || status === 'not-started' || ctx.interruption.requested) return { verdict: 'interrupted' };
    const passed = status === 'passed';
    await ctx.emit({ kind: 'verify.finished', verifyId: test.id, severity: test.severity, passed, reason: passed ? undefined : message });
    if (passed) continue;
    const reason = `smoke test ${test.id} (${test.severity}) failed: ${message ?? 'failed'}`;
    if (test.severity === 'minor') {
      ctx.issues.push(reason);
      continue;
    }
    if (test.severity === 'major' && ctx.ports.prompter.interactive) {
      await ctx.asked('smoke-test', test.id, `${reason}. What now?`);
      const choice = await ctx.ports.prompter.select(`${reason}. What now?`, [
        { value: 'rollback', name: 'Roll back now' },
        { value: 'accept', name: 'Accept it as an issue and go on' },
        { value: 'abort', name: 'Abort: stop here, decide later (resumable, roll-backable)' },
      ]);
      if (ctx.interruption.requested) return { verdict: 'interrupted' };
      await ctx.emit({ kind: 'decision', subject: 'smoke-test', subjectId: test.id, choice, reason, by: ctx.options.operator, via: 'prompt' });
      if (choice === 'accept') {
        ctx.issues.push(`${reason} (accepted by ${ctx.options.operator})`);
        continue;
      }
      if (choice === 'abort') return { verdict: 'abort', reason };
      return { verdict: 'rollback', reason };
    }
    if (test.severity === 'major') {
      await ctx.emit({
        kind: 'decision',
        subject: 'smoke-test',
        subjectId: test.id,
        choice: 'rollback',
        reason: `${reason}; no terminal to ask, so treated as critical`,
        by: ctx.options.operator,
        via: 'policy',
      });
    }
    return { verdict: 'rollback', reason };
  }
  return { verdict: 'passed' };
}
