/**
 * Approvals across a resume. A point (a check, a step, an environment) that
 * was approved and decided in an earlier run of the chain stays approved in
 * the resume: its approvers are not asked again. A request that was never
 * decided is asked again, and so is a rejected or timed-out point: the
 * rejection ended that run, and resuming is a new decision by the operator.
 * The earlier answers are counted again by the resume's own rules
 * (approval-tally.ts), so four eyes hold against whoever resumes. Pure.
 */
import { type ApprovalAnswer, type ApprovalRequest, answeredBy, refusalOf, standingOf } from './approval-tally.js';
import type { CarriedAnswer, EngineEvent } from './events.js';

/** An approval an earlier run of the chain gave, that a resume may rely on. */
export interface CarriedApproval {
  /** The run whose approvers approved the point. */
  runId: string;
  answers: CarriedAnswer[];
}

/** Events of a chain tagged with the run that recorded each (the journal's rows). */
export type ChainEvent = { runId: string; event: EngineEvent };

/** The points the chain's runs approved and decided, and that no later decision took back, by point id. */
export function approvalsToCarry(events: readonly ChainEvent[]): Map<string, CarriedApproval> {
  const carried = new Map<string, CarriedApproval>();
  // Requests of the run being read, with the answers since each.
  const open = new Map<string, { runId: string; request: ApprovalRequest; answers: ApprovalAnswer[] }>();
  for (const { runId, event } of events) {
    switch (event.kind) {
      case 'run.started':
        open.clear(); // a request its run never decided is asked again
        break;
      case 'approval.requested':
        open.set(event.pointId, { runId, request: event, answers: [] });
        break;
      case 'approval':
        open.get(event.pointId)?.answers.push(event);
        break;
      case 'approval.carried':
        carried.set(event.pointId, { runId: event.fromRunId, answers: event.approvedBy });
        break;
      case 'decision': {
        if (event.subjectId === undefined || !isApprovalDecision(event)) break;
        const request = open.get(event.subjectId);
        open.delete(event.subjectId);
        if (event.choice !== 'approved' || event.via !== 'approval') carried.delete(event.subjectId);
        else if (request) {
          const standing = standingOf(request.request, request.answers);
          if (standing.state === 'approved') carried.set(event.subjectId, { runId: request.runId, answers: standing.approvedBy.map(carriedAnswer) });
        }
        break;
      }
      default:
        break; // nothing else approves a point or takes an approval back
    }
  }
  return carried;
}

/** Decisions that end an approval request: the subjects `awaitApproval` decides. */
function isApprovalDecision(event: Extract<EngineEvent, { kind: 'decision' }>): boolean {
  return event.subject === 'confirm' || event.subject === 'protected-environment' || event.subject === 'sign-off';
}

function carriedAnswer(a: ApprovalAnswer): CarriedAnswer {
  return {
    at: a.at,
    identity: a.identity,
    by: a.by,
    ...(a.person ? { person: a.person } : {}),
    ...(a.comment !== undefined ? { comment: a.comment } : {}),
    via: a.via,
    host: a.host,
  };
}

/** A carried answer as the tally counts it: accepted, approving `pointId`. */
export function asAnswer(pointId: string, a: CarriedAnswer): ApprovalAnswer {
  return { kind: 'approval', pointId, answer: 'approve', verdict: 'accepted', ...a };
}

/**
 * Whether the earlier approval still decides the point under this resume's
 * request (its runner may be someone else): the answers that count, or why
 * it does not.
 */
export function recount(request: ApprovalRequest, carried: CarriedApproval): { approvedBy: ApprovalAnswer[] } | { why: string } {
  const answers = carried.answers.map((a) => asAnswer(request.pointId, a));
  const standing = standingOf(request, answers);
  if (standing.state === 'approved') return { approvedBy: standing.approvedBy };
  const refusals = answers.flatMap((a) => refusalOf(request, a.identity, []) ?? []);
  return { why: refusals[0] ?? `${standing.approvedBy.length} of the ${request.minApprovals} approvals needed still count` };
}

/** `Li Wei (dba, liwei) in run 01M8…`: who approved a carried point, and where. */
export function carriedByText(e: Extract<EngineEvent, { kind: 'approval.carried' }>): string {
  return `${e.approvedBy.map((a) => answeredBy(asAnswer(e.pointId, a))).join(', ')} in run ${e.fromRunId}`;
}
