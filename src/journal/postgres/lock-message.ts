/**
 * What a refused lock says on a shared journal. A holder on this machine is
 * judged by its pid and its heartbeat; one on another machine only by its
 * heartbeat, so the message says who can tell sooner: that machine.
 */
import { LockHeldError } from '../../errors.js';
import { STALE_HEARTBEAT_MS } from '../liveness.js';
import type { LockHolder } from '../types.js';

/** The exit-5 error for a lock whose holder is alive as far as this machine can tell. */
export function lockHeldError(runbook: string, environment: string | null, holder: LockHolder, thisHost: string): LockHeldError {
  const what = environment === null ? `runbook ${runbook}` : `runbook ${runbook} in ${environment}`;
  const message = `${what} is locked by run ${holder.runId} (pid ${holder.pid} on ${holder.host}, operator ${holder.operator}, since ${holder.since}, last heartbeat ${holder.heartbeatAt})`;
  if (holder.host === thisHost) return new LockHeldError(message, `wait for it to finish, or check \`golive status ${holder.runId}\``);
  const staleAfter = `${Math.round(STALE_HEARTBEAT_MS / 60_000)} minutes`;
  return new LockHeldError(
    message,
    `it runs on another machine, whose process golive cannot check from here: wait for it to finish (\`golive status ${holder.runId}\`); if its golive died, someone on ${holder.host} must confirm its step is gone (\`golive show ${holder.runId}\`), and the lock frees itself ${staleAfter} after its last heartbeat`,
  );
}
