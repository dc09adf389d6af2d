/**
 * Waiting at a point named people must approve (a check, a step, a run in
 * an environment). The run records the request, then polls the journal for
 * the answers other processes record (`golive approve` / `reject`), counts
 * them by the rules in approval-tally.ts, and records the decision. In the
 * runner's own terminal, a runner who may approve is asked too; whichever
 * answer completes the count first wins, and an open prompt is withdrawn.
 */
import { formatDuration } from '../runbook/duration.js';
import type { PlannedApproval } from '../runbook/plan.js';
import { recount } from './approval-carry.js';
import { type ApprovalRequest, answeredBy, approverOf, approversText, refusalOf, standingOf } from './approval-tally.js';
import type { Confirmation } from './confirm.js';
import type { RunContext } from './context.js';
import type { DecisionSubject } from './events.js';

/** How often a waiting run looks for answers when the inbox does not say (issue 11 asks for an answer to take effect within 1–2 s). */
export const DEFAULT_APPROVAL_POLL_MS = 1000;

/** Wait for the approval of point `id` (`what` is shown and recorded); resolves when decided, timed out or interrupted. */
export async function awaitApproval(ctx: RunContext, subject: DecisionSubject, id: string, what: string, approval: PlannedApproval): Promise<Confirmation> {
  const title = ctx.display(what);
  const runner = ctx.options.identity ?? null;
  const body: Omit<ApprovalRequest, 'at'> = {
    kind: 'approval.requested',
    subject,
    pointId: id,
    title,
    approvers: approval.people,
    minApprovals: approval.minApprovals,
    selfApproval: approval.selfApproval,
    runner: runner?.user ?? null,
    ...(approval.timeoutMs !== undefined ? { timeoutMs: approval.timeoutMs } : {}),
  };
  const earlier = ctx.carriedApprovals.get(id);
  if (earlier) {
    // Used once: a retry within this run asks the approvers again, as in the run that approved it.
    ctx.carriedApprovals.delete(id);
    const counted = recount({ ...body, at: ctx.ports.clock.now().toISOString() }, earlier);
    if ('approvedBy' in counted) {
      const approvedBy = earlier.answers.filter((a) => counted.approvedBy.some((c) => c.identity.user === a.identity.user));
      await ctx.emit({ kind: 'approval.carried', subject, pointId: id, title, fromRunId: earlier.runId, approvedBy });
      const by = counted.approvedBy.map(answeredBy).join(', ');
      return decide(ctx, subject, id, 'approved', `${title}: approved in run ${earlier.runId}, carried over to this resume`, 'approval', by);
    }
    await ctx.emit({
      kind: 'warning',
      stepId: id,
      message: `the approval of ${id} in run ${earlier.runId} does not count for this resume (${counted.why}): asked again`,
    });
  }
  await ctx.emit(body);
  const request: ApprovalRequest = { ...body, at: ctx.ports.clock.now().toISOString() };
  const inbox = ctx.ports.approvals;
  if (inbox === undefined) return decide(ctx, subject, id, 'not-approved', `${id} needs approval and this run has no journal to receive it`, 'policy');
  if (ctx.options.approveAll || ctx.options.approved.has(id))
    await ctx.emit({
      kind: 'warning',
      stepId: id,
      message: `--yes and --approve answer only confirmations without approvers: ${id} waits for ${approversText(approval.people)} (golive approve ${ctx.options.runId} ${id})`,
    });

  const started = ctx.ports.clock.now().getTime();
  const wake = new AbortController();
  const promptDone = new AbortController();
  // The runner answers at the prompt only where their answer would count.
  if (runner !== null && ctx.ports.prompter.interactive && refusalOf(request, runner, []) === undefined) {
    const person = approverOf(request, runner);
    ctx.ports.prompter
      .confirm(`Approve ${title}? (you are ${person?.name ?? runner.user}, an approver; ${approval.minApprovals} needed)`, promptDone.signal)
      .then(async (yes) => {
        if (promptDone.signal.aborted || ctx.interruption.requested) return;
        await ctx.emit({
          kind: 'approval',
          pointId: id,
          answer: yes ? 'approve' : 'reject',
          verdict: 'accepted',
          identity: runner,
          by: ctx.options.operator,
          ...(person ? { person } : {}),
          ...(yes ? {} : { comment: `${ctx.options.operator} answered no at the prompt` }),
          via: 'prompt',
          host: ctx.options.host,
        });
        wake.abort();
      })
      .catch(() => wake.abort());
  }
  try {
    for (;;) {
      const standing = standingOf(request, await inbox.answersTo(id));
      if (standing.state === 'approved') {
        const by = standing.approvedBy.map(answeredBy).join(', ');
        return decide(ctx, subject, id, 'approved', title, 'approval', by);
      }
      if (standing.state === 'rejected') {
        const why = standing.rejectedBy.comment ? `: ${standing.rejectedBy.comment}` : '';
        return decide(ctx, subject, id, 'rejected', `rejected by ${answeredBy(standing.rejectedBy)}${why}`, 'approval', answeredBy(standing.rejectedBy));
      }
      if (ctx.interruption.requested) return { approved: false, reason: 'interrupted while waiting for approval', interrupted: true };
      const waited = ctx.ports.clock.now().getTime() - started;
      if (approval.timeoutMs !== undefined && waited >= approval.timeoutMs) {
        const have = standing.approvedBy.length ? ` (${standing.approvedBy.length} of ${approval.minApprovals} given)` : '';
        const reason = `no approval of ${id} by ${approversText(approval.people)} within ${formatDuration(approval.timeoutMs)} (approval_timeout)${have}`;
        return decide(ctx, subject, id, 'timed-out', reason, 'policy');
      }
      const left = approval.timeoutMs === undefined ? Infinity : approval.timeoutMs - waited;
      await ctx.ports.clock.sleep(Math.min(inbox.pollMs, left), AbortSignal.any([ctx.interruption.controller.signal, wake.signal]));
    }
  } finally {
    promptDone.abort();
  }
}

async function decide(
  ctx: RunContext,
  subject: DecisionSubject,
  id: string,
  choice: 'approved' | 'rejected' | 'timed-out' | 'not-approved',
  reason: string,
  via: 'approval' | 'policy',
  /** Who decided: the approvers whose answers settled it; the run's operator for a policy decision. */
  by: string = ctx.options.operator,
): Promise<Confirmation> {
  await ctx.emit({ kind: 'decision', subject, subjectId: id, choice, reason: ctx.mask(reason), by, via });
  return choice === 'approved' ? { approved: true } : { approved: false, reason };
}
