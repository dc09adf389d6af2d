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
    // Whether the run's process is gone (its heartbeat says so) cannot change under us; everything else is decided
    // from the run's events read under the journal's write lock, so no other answer, nor the run's own decision,
    // can come between the check and the answer it records.
    const interrupted = store.runStatus(run) === 'interrupted';
    let decided: { refusal?: string; open: ApprovalRequest[]; request?: ApprovalRequest; answers: ApprovalAnswer[] } = { open: [], answers: [] };
    const stored = await store.appendDecided(run.id, ['approval.requested', 'approval', 'decision', 'run.finished'], (events) => {
      const open = openRequests(events);
      const request = open.find((r) => r.pointId === pointId);
      const answers = request ? answersSince(events, request) : [];
      const finished = events.find((e) => e.event.kind === 'run.finished')?.event;
      const ended = finished?.kind === 'run.finished' ? `ended ${finished.outcome}` : interrupted ? 'was interrupted' : undefined;
      const refusal = ended ? `run ${run.id} is not waiting for anyone: it ${ended}` : whyNot(run, pointId, identity, request, open, answers);
      decided = { refusal, open, request, answers };
      const person = request ? approverOf(request, identity) : undefined;
      return {
        kind: 'approval',
        pointId,
        answer,
        verdict: refusal === undefined ? 'accepted' : 'refused',
        ...(refusal === undefined ? {} : { refusal }),
        identity,
        by: flags.operator?.trim() || identity.user,
        ...(person ? { person } : {}),
        ...(flags.comment?.trim() ? { comment: flags.comment.trim() } : {}),
        via: 'command',
        host: hostname(),
        at: new Date().toISOString(),
      };
    });
    const { refusal, open, request, answers } = decided;
    if (refusal !== undefined || request === undefined) {
      throw new UsageError(`${answer === 'approve' ? 'approval' : 'rejection'} refused: ${refusal}`, refusalHint(run, open, pointId));
    }
    const event = stored.event as ApprovalAnswer;
    return { run, event, request, standing: standingOf(request, [...answers, event]) };
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

/** Why this answer would not count for a running run, or undefined when it would. */
function whyNot(
  run: RunRecord,
  pointId: string,
  identity: RunIdentity,
  request: ApprovalRequest | undefined,
  open: ApprovalRequest[],
  answers: ApprovalAnswer[],
): string | undefined {
  if (request === undefined) {
    const waiting = open.length ? `it waits at ${open.map((r) => r.pointId).join(', ')}` : 'it waits for no approval now';
    return `run ${run.id} is not waiting at ${pointId}: ${waiting}`;
  }
  const accepted = answers.filter((a) => a.verdict === 'accepted');
  const refusal = refusalOf(request, identity, accepted);
  if (refusal !== undefined) return refusal;
  // Decided by the answers already recorded; the run records its decision at its next look.
  const standing = standingOf(request, accepted);
  if (standing.state !== 'waiting') return `${pointId} is already ${standing.state} (the run goes on at its next look): this answer would not count`;
  return undefined;
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
