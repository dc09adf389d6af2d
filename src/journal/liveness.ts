/**
 * Is the process behind a run or a lock still there? A run whose golive died
 * must show as `interrupted` and its lock must be taken over, never wait
 * forever. Two signals, because each alone is wrong sometimes: a pid can only
 * be probed on its own host, and a heartbeat only goes stale after a while.
 */

/**
 * A run or lock whose heartbeat is older than this is presumed dead, on any
 * host. Comfortably above `HEARTBEAT_INTERVAL_MS`, so a busy machine that
 * misses a beat or two is not robbed of its lock.
 */
export const STALE_HEARTBEAT_MS = 120_000;

/** How often a live run should call `Journal.heartbeat`. */
export const HEARTBEAT_INTERVAL_MS = 15_000;

/**
 * Whether `pid` is a live process on this host. Signal 0 only checks: ESRCH
 * means no such process; EPERM means it exists but belongs to someone else.
 */
export function isProcessAlive(pid: number): boolean {
  // 0 and negative pids address process groups; a stored pid is never one.
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Who holds something, as stored: enough to decide whether they are gone. */
export interface Liveness {
  pid: number;
  host: string;
  heartbeatAt: string;
}

/**
 * True when the holder is gone: its heartbeat is stale, or it ran on this
 * host and its pid no longer exists. A holder on another host with a fresh
 * heartbeat is alive as far as anyone here can tell.
 */
export function isStale(holder: Liveness, now: Date, thisHost: string): boolean {
  const beat = Date.parse(holder.heartbeatAt);
  // An unreadable timestamp cannot prove liveness.
  if (Number.isNaN(beat) || now.getTime() - beat > STALE_HEARTBEAT_MS) return true;
  return holder.host === thisHost && !isProcessAlive(holder.pid);
}
