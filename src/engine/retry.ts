/**
 * When and how long to wait before trying a command again: `retry.delay`
 * before the second try, `backoff` times longer before each one after,
 * never longer than `max_delay`; with `on_exit_codes`, only after an exit
 * with one of those codes (a timeout counts as 124, as `timeout(1)` reports).
 */
import type { PlannedRetry } from '../runbook/plan.js';
import type { Execution } from './execute.js';
import { TIMEOUT_EXIT_CODE } from './execute.js';

/** The wait after failed attempt `attempt` (1-based), before attempt `attempt + 1`. */
export function retryDelayMs(retry: PlannedRetry, attempt: number): number {
  const grown = retry.delayMs * (retry.backoff ?? 1) ** (attempt - 1);
  return Math.round(Math.min(grown, retry.maxDelayMs ?? Number.POSITIVE_INFINITY));
}

/**
 * Whether a failed attempt may be tried again under `retry.on_exit_codes`.
 * A failure without an exit code of its own (the command could not start,
 * was killed by a signal, or passed but its validation failed) is retried
 * only when no codes are listed.
 */
export function retriesAfter(retry: PlannedRetry, failed: Execution | undefined): boolean {
  if (retry.onExitCodes === undefined) return true;
  if (failed === undefined) return false;
  const code = failed.status === 'timed-out' ? TIMEOUT_EXIT_CODE : failed.result?.exitCode;
  return typeof code === 'number' && retry.onExitCodes.includes(code);
}

/** Why a step failed without using its remaining attempts, for its recorded reason. */
export function notRetriedReason(retry: PlannedRetry): string {
  return `not retried: only exit codes ${retry.onExitCodes?.join(', ')} are`;
}
