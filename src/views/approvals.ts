/**
 * Approvals as the read commands show them: every answer recorded for a
 * run (who, as which identity, when, with what comment, or why it was
 * refused), and the request a live run still waits at. From the events
 * alone, so `show`, `report` and `history` say the same.
 */
import { asAnswer } from '../engine/approval-carry.js';
import { type ApprovalAnswer, type ApprovalRequest, answeredBy, approversText, standingOf, stillAsked } from '../engine/approval-tally.js';
import type { Approver, EngineEvent, EventOf } from '../engine/events.js';
import type { RunIdentity } from '../journal/types.js';

/** One recorded answer to an approval request. */
export interface ApprovalView {
  at: string;
  pointId: string;
  answer: 'approve' | 'reject';
  verdict: 'accepted' | 'refused';
  refusal: string | null;
  /** The identity the journal established for whoever answered. */
  identity: RunIdentity;
  /** The display name given with it (`--operator`). */
  by: string;
  /** The team member the identity is, when it is one of the approvers. */
  person: Approver | null;
  comment: string | null;
  via: 'command' | 'prompt';
  host: string;
  /** Given in this earlier run of the chain and carried over to this resume (`approval.carried`); null when given in this run. */
  carriedFrom: string | null;
}

/** Every answer in the events, in recorded order; an approval carried over from an earlier run lists the answers it relies on. */
export function approvalsOf(events: readonly EngineEvent[]): ApprovalView[] {
  return events.flatMap((e): ApprovalView[] => {
    if (e.kind === 'approval') return [answerView(e, null)];
    if (e.kind === 'approval.carried') return e.approvedBy.map((a) => answerView(asAnswer(e.pointId, a), e.fromRunId));
    return [];
  });
}

function answerView(e: EventOf<'approval'>, carriedFrom: string | null): ApprovalView {
  return {
    at: e.at,
    pointId: e.pointId,
    answer: e.answer,
    verdict: e.verdict,
    refusal: e.refusal ?? null,
    identity: e.identity,
    by: e.by,
    person: e.person ?? null,
    comment: e.comment ?? null,
    via: e.via,
    host: e.host,
    carriedFrom,
  };
}

/** `Li Wei (dba, database role liwei)`, with the display name when it says something else. */
export function approverText(a: ApprovalView): string {
  const label = a.identity.kind === 'database-role' ? 'database role' : 'OS user';
  const name = a.person?.name ?? a.by;
  const parts = [a.person?.role, `${label} ${a.identity.user}`, a.by !== name && a.by !== a.identity.user ? `as "${a.by}"` : undefined].filter(Boolean);
  return `${name} (${parts.join(', ')})`;
}

/**
 * `Li Wei (dba) to approve Deploy (deploy, 1 of 2 given: Ana Ruiz (lead)) since 09:42`:
 * who the run still waits for; `time` formats when it started waiting.
 */
export function approvalWaitText(request: ApprovalRequest, answers: readonly ApprovalAnswer[], time: (iso: string) => string): string {
  const standing = standingOf(request, answers);
  const given = standing.approvedBy.length
    ? `, ${standing.approvedBy.length} of ${request.minApprovals} given: ${standing.approvedBy.map(answeredBy).join(', ')}`
    : '';
  return `${approversText(stillAsked(request, standing))} to approve ${request.title} (${request.pointId}${given}) since ${time(request.at)}`;
}

/** What a live run waits for, from its events (`show`, `history`); null when it waits for no approval. */
export function waitingText(events: readonly EngineEvent[]): string | null {
  const open = new Map<string, { request: ApprovalRequest; answers: ApprovalAnswer[] }>();
  for (const e of events) {
    if (e.kind === 'approval.requested') open.set(e.pointId, { request: e, answers: [] });
    else if (e.kind === 'approval') open.get(e.pointId)?.answers.push(e);
    else if (e.kind === 'decision' && e.subjectId !== undefined) open.delete(e.subjectId);
    else if (e.kind === 'run.finished' || e.kind === 'run.interrupted') open.clear();
  }
  if (open.size === 0) return null;
  return [...open.values()].map((a) => approvalWaitText(a.request, a.answers, (iso) => iso)).join('; and for ');
}
