/**
 * Reading through a journal server that went away, for a read-only watcher
 * (`golive status --watch`): a run waits out an outage within a limit
 * (journal-outage.ts) because it must stop safely; a watcher changes nothing,
 * so it retries until the server answers or the watch is stopped.
 *
 * Only `JournalUnreachableError` is waited out: a damaged journal, one of a
 * newer golive, or a locked SQLite file is not a server restart, and
 * retrying would only hide the real cause.
 */
import type { Clock } from '../engine/ports.js';
import { JournalUnreachableError } from '../errors.js';

/** The first wait after a failed read, doubled after each further failure up to `RETRY_MAX_MS`. */
export const RETRY_FIRST_MS = 500;
/** The longest wait between two reads while the server is away: a restart is noticed within it. */
export const RETRY_MAX_MS = 5_000;

/** What a watcher is told about an outage. */
export interface OutageListener {
  /** The first read that failed, at `since` (once per outage). */
  unreachable(since: Date): void;
}

/**
 * `read()`'s answer, retried with a bounded back-off while the journal is
 * unreachable; undefined when `signal` aborts first (Ctrl-C ends the wait at once).
 * @throws every error other than `JournalUnreachableError`, at once.
 */
export async function readThroughOutage<T>(read: () => Promise<T>, clock: Clock, signal: AbortSignal, listener: OutageListener): Promise<T | undefined> {
  let delayMs = RETRY_FIRST_MS;
  let away = false;
  while (!signal.aborted) {
    try {
      return await read();
    } catch (error) {
      if (!(error instanceof JournalUnreachableError)) throw error;
      if (!away) listener.unreachable(clock.now());
      away = true;
      await clock.sleep(delayMs, signal);
      delayMs = Math.min(delayMs * 2, RETRY_MAX_MS);
    }
  }
  return undefined;
}
