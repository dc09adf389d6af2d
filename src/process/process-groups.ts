/**
 * The process groups of running commands, and the means to signal them.
 * Every command runs detached, in its own group; node does not clean such
 * groups up when it exits, so golive keeps a registry and kills what is left
 * on every way out.
 */

import { existsSync, readdirSync, readFileSync } from 'node:fs';

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

/**
 * True when a process of the group still runs on this machine (zombies
 * waiting to be reaped do not count): how golive tells a command orphaned by
 * a killed golive from one that is over.
 */
export function processGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (!existsSync('/proc/self/stat')) return true;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
    } catch {
      // the process ended while we looked
    }
  }
  return false;
}

/**
 * Processes on this machine that a command of one of `runIds` started, by
 * step id: every command golive runs gets GOLIVE_RUN_ID and GOLIVE_STEP_ID
 * in its environment, and its descendants inherit them. This finds a killed
 * golive's command even when its process group was never recorded (golive
 * died between the spawn and the record) or a process left the group.
 * Processes of other users, whose environment cannot be read, are not seen.
 */
export function processesOfRuns(runIds: readonly string[]): Map<string, number[]> {
  const found = new Map<string, number[]>();
  if (runIds.length === 0 || !existsSync('/proc/self/environ')) return found;
  const runs = new Set(runIds);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${entry}/environ`, 'latin1');
    } catch {
      continue; // gone, or another user's
    }
    if (!environ.includes('GOLIVE_RUN_ID=')) continue;
    const vars = new Map(environ.split('\0').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
    const runId = vars.get('GOLIVE_RUN_ID');
    const stepId = vars.get('GOLIVE_STEP_ID');
    if (runId === undefined || stepId === undefined || !runs.has(runId)) continue;
    found.set(stepId, [...(found.get(stepId) ?? []), Number(entry)]);
  }
  return found;
}
