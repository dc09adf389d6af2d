/** How a rollback ended, in words: one wording for the terminal, plain lines and webhooks. */
import type { EventOf } from '../engine/events.js';

/**
 * "rollback complete", "rollback incomplete: failed x", or — when every
 * rollback command passed but completed steps have none — that the system
 * is NOT fully rolled back and why, never "complete" alone.
 */
export function rollbackSummary(e: EventOf<'rollback.finished'>): string {
  const verified = restoreCheckText(e);
  if (!e.complete) return `rollback incomplete${e.failed.length ? `: failed ${e.failed.join(', ')}` : ''}`;
  const left = e.unrestorable ?? [];
  if (left.length === 0) return `rollback complete${verified}`;
  const which = left.length === 1 ? `step ${left[0]} has` : `steps ${left.join(', ')} have`;
  return `every rollback command passed${verified}; NOT fully rolled back: ${which} no rollback`;
}

/** True when the rollback restored everything it had to (and proved it, where it could). */
export function rollbackRestored(e: EventOf<'rollback.finished'>): boolean {
  return e.complete && e.verified !== false && (e.unrestorable ?? []).length === 0;
}

/** ", restore verified", ", but rollback.verify FAILED", or nothing when no restore check ran. */
export function restoreCheckText(e: EventOf<'rollback.finished'>): string {
  return e.verified === true ? ', restore verified' : e.verified === false ? ', but rollback.verify FAILED' : '';
}
