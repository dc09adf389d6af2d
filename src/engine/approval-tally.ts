/**
 * Counting the answers to an approval request: who may answer, what counts,
 * and when the point is decided. The one place these rules live, so the run
 * that waits, `golive approve` / `reject` (which refuse an answer that would
 * not count) and `status` can never disagree. Pure.
 */
import type { RunIdentity } from '../journal/types.js';
import type { Approver, EventOf } from './events.js';

export type ApprovalRequest = EventOf<'approval.requested'>;
export type ApprovalAnswer = EventOf<'approval'>;

/** Where a request stands after the answers so far. */
export type ApprovalStanding =
  | { state: 'waiting'; approvedBy: ApprovalAnswer[]; missing: number }
  | { state: 'approved'; approvedBy: ApprovalAnswer[] }
  | { state: 'rejected'; rejectedBy: ApprovalAnswer; approvedBy: ApprovalAnswer[] };

/** The approver an identity is, if it is one of the request's. */
export function approverOf(request: ApprovalRequest, identity: RunIdentity): Approver | undefined {
  return request.approvers.find((a) => a.user === identity.user);
}

/** `Li Wei (dba)`, `Li Wei (dba) or Ana Ruiz (deployment-lead)`. */
export function approversText(approvers: Approver[]): string {
  const names = approvers.map((a) => `${a.name} (${a.role})`);
  return names.length <= 1 ? (names[0] ?? 'nobody') : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

/**
 * Why this identity's answer would not count, or undefined when it would.
 * `counted` are the answers already accepted for the request.
 */
export function refusalOf(request: ApprovalRequest, identity: RunIdentity, counted: ApprovalAnswer[]): string | undefined {
  const point = `${request.pointId}`;
  if (approverOf(request, identity) === undefined)
    return `${identity.user} is not an approver of ${point}: it must be approved by ${approversText(request.approvers)}`;
  if (!request.selfApproval && request.runner !== null && identity.user === request.runner)
    return `${identity.user} started this run and ${point} needs four eyes (self_approval is false): ${approversText(
      request.approvers.filter((a) => a.user !== request.runner),
    )} must approve it`;
  const earlier = counted.find((a) => a.identity.user === identity.user);
  if (earlier)
    return `${identity.user} already ${earlier.answer === 'approve' ? 'approved' : 'rejected'} ${point} at ${earlier.at}; an answer counts once per person`;
  return undefined;
}

/**
 * Count the answers recorded since the request, in journal order: each is
 * checked against the rules again (whoever recorded it), so an answer that
 * should have been refused never counts. One rejection decides.
 */
export function standingOf(request: ApprovalRequest, answers: readonly ApprovalAnswer[]): ApprovalStanding {
  const counted: ApprovalAnswer[] = [];
  for (const answer of answers) {
    if (answer.pointId !== request.pointId || answer.verdict !== 'accepted') continue;
    if (refusalOf(request, answer.identity, counted) !== undefined) continue;
    // Named as the request knows them, whatever the answering process wrote.
    counted.push({ ...answer, person: approverOf(request, answer.identity) });
    if (answer.answer === 'reject')
      return { state: 'rejected', rejectedBy: counted[counted.length - 1] ?? answer, approvedBy: counted.filter((a) => a.answer === 'approve') };
    if (counted.length >= request.minApprovals) return { state: 'approved', approvedBy: counted };
  }
  return { state: 'waiting', approvedBy: counted, missing: request.minApprovals - counted.length };
}

/** `Li Wei (dba, liwei)` for an answer: the display name with the identity and the role it was counted under. */
export function answeredBy(answer: ApprovalAnswer): string {
  const name = answer.person?.name ?? answer.by;
  const extra = [
    answer.person?.role,
    answer.identity.user !== name ? answer.identity.user : undefined,
    answer.by !== name && answer.by !== answer.identity.user ? `as "${answer.by}"` : undefined,
  ];
  const shown = extra.filter(Boolean);
  return shown.length ? `${name} (${shown.join(', ')})` : name;
}

/** The approvers whose answer is still awaited: not yet counted, and not the runner where four eyes apply. */
export function stillAsked(request: ApprovalRequest, standing: ApprovalStanding): Approver[] {
  return request.approvers.filter(
    (a) => !standing.approvedBy.some((b) => b.identity.user === a.user) && (request.selfApproval || request.runner === null || a.user !== request.runner),
  );
}
