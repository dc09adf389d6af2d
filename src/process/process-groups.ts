/**
 * The process groups of running commands, and the means to signal them.
 * Every command runs detached, in its own group; node does not clean such
 * groups up when it exits, so golive keeps a registry and kills what is left
 * on every way out.
 */

const liveGroups = new Set<number>();
let exitHookInstalled = false;

/**
 * Sends a signal to every process of the group led by `pid`. Returns false
 * when the group no longer exists; never throws.
 */
export function signalGroup(pid: number | undefined, signal: NodeJS.Signals): boolean {
  if (pid === undefined) return false;
  try {
    // A negative pid addresses the whole process group: grandchildren
    // included, which signalling the direct child alone would leave running.
    process.kill(-pid, signal);
    return true;
  } catch {
    return false; // ESRCH: every member is gone.
  }
}

/** Records a running command's group so the exit paths can kill it. */
export function registerGroup(pid: number): void {
  liveGroups.add(pid);
  installExitHook();
}

/** Forgets a group once its command is finished and the group killed. */
export function unregisterGroup(pid: number): void {
  liveGroups.delete(pid);
}

/**
 * Signals the process group of every command still running (default
 * SIGKILL). The CLI calls it on every exit path; a `process.on('exit')` hook
 * does the same as a last resort, including after an uncaught error.
 */
export function killAllProcessGroups(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const pid of liveGroups) signalGroup(pid, signal);
  if (signal === 'SIGKILL') liveGroups.clear();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: process.kill is.
  process.on('exit', () => killAllProcessGroups('SIGKILL'));
}
