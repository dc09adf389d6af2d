/** Answers to approval requests in words, shared by `show` and the reports. */
import { type ApprovalView, approverText } from '../views/approvals.js';

/** The table every text output shows: when, which point, what, who (identity and display name), how, and the comment or refusal. */
export const APPROVAL_COLUMNS = ['Time', 'Point', 'Answer', 'By', 'Via', 'Note'] as const;

/** One answer as plain cells, in `APPROVAL_COLUMNS` order (the caller escapes them for its format). */
export function approvalCells(a: ApprovalView, time: (iso: string) => string): string[] {
  return [
    time(a.at),
    a.pointId,
    a.verdict === 'refused' ? `refused ${a.answer === 'approve' ? 'approval' : 'rejection'}` : a.answer === 'approve' ? 'approved' : 'rejected',
    approverText(a),
    `${a.carriedFrom ? `carried over from run ${a.carriedFrom}: ` : ''}${a.via === 'prompt' ? `prompt on ${a.host}` : `golive ${a.answer} on ${a.host}`}`,
    a.refusal ?? a.comment ?? '—',
  ];
}
