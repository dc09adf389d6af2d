/** Where a waiting run looks for the answers other processes record (`golive approve`, `golive reject`). */
import { DEFAULT_APPROVAL_POLL_MS } from '../engine/approval.js';
import type { ApprovalInbox } from '../engine/ports.js';
import type { Journal } from '../journal/port.js';
import type { StoredEvent } from '../journal/types.js';
/**
 * The answers to this run's approval requests, as other processes record
 * them: each look reads only the rows after the last one seen (one small
 * indexed query), and keeps them, since the requests are few.
 */
export function journalInbox(store: Journal, runId: string): ApprovalInbox {
  const seen: StoredEvent[] = [];
  let after = 0;
  return {
    pollMs: DEFAULT_APPROVAL_POLL_MS,
    async answersTo(pointId) {
      const fresh = await store.eventsSince(runId, after, ['approval.requested', 'approval']);
      seen.push(...fresh);
      after = fresh.at(-1)?.seq ?? after;
      let from = 0;
      seen.forEach((e, i) => {
        if (e.event.kind === 'approval.requested' && e.event.pointId === pointId) from = i + 1;
      });
      return seen.slice(from).flatMap((e) => (e.event.kind === 'approval' && e.event.pointId === pointId ? [e.event] : []));
    },
  };
}
