/**
 * Commands a killed golive left running. Before resuming, rolling back or
 * taking over the lock of a dead run, golive looks for them: acting on top
 * of a command that still runs would apply the same change twice, at once.
 */
import { hostname } from 'node:os';
import { inFlightCommands, type RunChainState } from '../engine/run-state.js';
import { processesOfRuns, processGroupAlive } from '../process/process-groups.js';

/** An in-flight command of a dead run that still runs, and how to stop it. */
export interface LiveOrphan {
  /** "step deploy" or "the rollback of step deploy". */
  what: string;
  /** "process group 1234" or "processes 1234, 1240". */
  where: string;
  /** The command that stops it. */
  kill: string;
}

/**
 * The first in-flight command of a chain that still runs on this machine:
 * its recorded process group; or, when golive died before recording the
 * group (between the spawn and the record), any process carrying one of the
 * chain's run ids and the step's id in its environment. With a recorded
 * group the environment is not searched: a service a step started with
 * `setsid` left the group on purpose and is not the step still running.
 * Undefined when none runs, or when the chain ran on another host (its
 * processes cannot be seen from here).
 */
export function liveOrphan(state: RunChainState, chainRunIds: readonly string[], runHost: string): LiveOrphan | undefined {
  if (runHost !== hostname()) return undefined;
  const inFlight = inFlightCommands(state);
  if (inFlight.length === 0) return undefined;
  const unrecorded = inFlight.some((c) => c.pid === undefined);
  const byStep = unrecorded ? processesOfRuns(chainRunIds) : new Map<string, number[]>();
  for (const command of inFlight) {
    if (command.pid !== undefined) {
      if (processGroupAlive(command.pid)) return { what: command.what, where: `process group ${command.pid}`, kill: `kill -TERM -${command.pid}` };
      continue;
    }
    const pids = byStep.get(command.stepId);
    if (pids?.length) return { what: command.what, where: `process${pids.length > 1 ? 'es' : ''} ${pids.join(', ')}`, kill: `kill -TERM ${pids.join(' ')}` };
  }
  return undefined;
}
