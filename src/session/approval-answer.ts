/**
 * Answering a run's approval request from any process that reaches its
 * journal (`golive approve` / `golive reject`): the answer is recorded in
 * the run's hash chain with the identity the journal establishes (the
 * database role on PostgreSQL, the OS user on SQLite), `--operator` beside
 * it as a display name. An answer that would not count is refused (exit 2)
 * and recorded as a refused attempt, so the audit trail shows who tried.
 */
import { hostname } from 'node:os';
import { type ApprovalAnswer, type ApprovalRequest, approverOf, approversText, refusalOf, standingOf } from '../engine/approval-tally.js';
import { UsageError } from '../errors.js';
import type { Journal } from '../journal/port.js';
import type { RunIdentity, RunRecord, StoredEvent } from '../journal/types.js';
import { findRun, openExistingJournal } from './reader.js';

/** What the approver said on the command line. */
export interface AnswerFlags {
  db?: string;
  operator?: string;
  /** `--comment` of an approval, `--reason` of a rejection. */
  comment?: string;
}

/** What was recorded, for the command's message. */
export interface RecordedAnswer {
  run: RunRecord;
  event: ApprovalAnswer;
  request: ApprovalRequest;
  /** After this answer: approved, rejected, or how many approvals are still missing. */
  standing: ReturnType<typeof standingOf>;
}

/**
 * Record `answer` to point `pointId` of run `runId`.
 * @throws UsageError (exit 2) when there is no such run (nothing recorded),
 *   or the answer is refused (recorded as a refused attempt first).
 */
export async function recordAnswer(runId: string, pointId: string, answer: 'approve' | 'reject', flags: AnswerFlags): Promise<RecordedAnswer> {
  const store = await openExistingJournal(flags.db, { readonly: false });
  try {
    const run = await findRun(store, runId);
    const identity = await store.whoAmI();
    const events = await store.eventsSince(run.id, 0, ['approval.requested', 'approval', 'decision']);
    const open = openRequests(events);
    const request = open.find((r) => r.pointId === pointId);
    const answers = request ? answersSince(events, request) : [];
    const refusal = whyNot(store, run, pointId, identity, request, open, answers);
    const event: Omit<ApprovalAnswer, 'at'> & { at: string } = {
      kind: 'approval',
      pointId,
      answer,
      verdict: refusal === undefined ? 'accepted' : 'refused',
      ...(refusal === undefined ? {} : { refusal }),
      identity,
      by: flags.operator?.trim() || identity.user,
      ...(request && approverOf(request, identity) ? { person: approverOf(request, identity) } : {}),
      ...(flags.comment?.trim() ? { comment: flags.comment.trim() } : {}),
      via: 'command',
      host: hostname(),
      at: new Date().toISOString(),
    };
    const stored = await store.appendEvent(run.id, event);
    if (refusal !== undefined || request === undefined) {
      throw new UsageError(`${answer === 'approve' ? 'approval' : 'rejection'} refused: ${refusal}`, refusalHint(run, open, pointId));
    }
    // The check above and the append are two steps: between them the run may have decided (a timeout, the
    // last approval from someone else) or the same identity may have answered from another terminal. The
    // journal's order says what happened first; the run counts by that order, and so does this message.
    const after = await store.eventsSince(run.id, events.at(-1)?.seq ?? 0, ['approval', 'decision']);
    const earlier = after.filter((e) => e.seq < stored.seq);
    const decided = earlier.find((e) => e.event.kind === 'decision' && e.event.subjectId === pointId);
    if (decided?.event.kind === 'decision') {
      throw new UsageError(
        `${answer === 'approve' ? 'approval' : 'rejection'} too late: run ${run.id} had decided ${pointId} (${decided.event.choice}) at ${decided.at}, just before this answer was recorded; it does not count`,
        `see \`golive status ${run.id}\``,
      );
    }
    const standing = standingOf(request, [...answers, ...earlier.flatMap((e) => (e.event.kind === 'approval' ? [e.event] : [])), event]);
    const counted = standing.state === 'rejected' ? [standing.rejectedBy] : standing.approvedBy;
    if (!counted.some((a) => a.at === event.at && a.identity.user === identity.user && a.answer === answer)) {
      const twice = earlier.some((e) => e.event.kind === 'approval' && e.event.verdict === 'accepted' && e.event.identity.user === identity.user);
      const why = twice
        ? `${identity.user} answered ${pointId} from another process just before`
        : `${pointId} was already ${standing.state} by others just before`;
      throw new UsageError(`${answer === 'approve' ? 'approval' : 'rejection'} not counted: ${why}`, `see \`golive status ${run.id}\``);
    }
    return { run, event, request, standing };
  } finally {
    await store.close();
  }
}

/** The requests the run still waits on: requested, and not yet decided. */
function openRequests(events: StoredEvent[]): ApprovalRequest[] {
  const open = new Map<string, ApprovalRequest>();
  for (const { event } of events) {
    if (event.kind === 'approval.requested') open.set(event.pointId, event);
    else if (event.kind === 'decision' && event.subjectId !== undefined) open.delete(event.subjectId);
  }
  return [...open.values()];
}

/** The answers recorded for a request after it was made. */
function answersSince(events: StoredEvent[], request: ApprovalRequest): ApprovalAnswer[] {
  let from = -1;
  events.forEach((e, i) => {
    if (e.event === request) from = i;
  });
  return events.slice(from + 1).flatMap((e) => (e.event.kind === 'approval' && e.event.pointId === request.pointId ? [e.event] : []));
}

function whyNot(
  store: Journal,
  run: RunRecord,
  pointId: string,
  identity: RunIdentity,
  request: ApprovalRequest | undefined,
  open: ApprovalRequest[],
  answers: ApprovalAnswer[],
): string | undefined {
  const status = store.runStatus(run);
  if (status !== 'running') return `run ${run.id} is not waiting for anyone: it ${status === 'interrupted' ? 'was interrupted' : `ended ${status}`}`;
  if (request === undefined) {
    const waiting = open.length ? `it waits at ${open.map((r) => r.pointId).join(', ')}` : 'it waits for no approval now';
    return `run ${run.id} is not waiting at ${pointId}: ${waiting}`;
  }
  return refusalOf(
    request,
    identity,
    answers.filter((a) => a.verdict === 'accepted'),
  );
}

function refusalHint(run: RunRecord, open: ApprovalRequest[], pointId: string): string {
  const request = open.find((r) => r.pointId === pointId);
  if (request)
    return `it needs ${request.minApprovals} approval${request.minApprovals === 1 ? '' : 's'} by ${approversText(request.approvers)}; the attempt is recorded`;
  if (open.length) return `golive approve ${run.id} ${open[0]?.pointId}; the attempt is recorded`;
  return `see \`golive status ${run.id}\`; the attempt is recorded`;
}

/** One line saying what the answer did. */
export function answerSummary(recorded: RecordedAnswer): string {
  const { run, event, request, standing } = recorded;
  const who = `${event.person?.name ?? event.by} (${[event.person?.role, `${event.identity.kind === 'database-role' ? 'role' : 'user'} ${event.identity.user}`].filter(Boolean).join(', ')})`;
  const verb = event.answer === 'approve' ? 'approved' : 'rejected';
  const next =
    standing.state === 'approved'
      ? 'the run proceeds'
      : standing.state === 'rejected'
        ? 'the run takes its failure policy'
        : `${standing.missing} more approval${standing.missing === 1 ? '' : 's'} needed`;
  return `${verb} ${request.pointId} of run ${run.id} as ${who}: ${next}`;
}
