/**
 * Commands a killed golive left running. Before resuming, rolling back or
 * taking over the lock of a dead run, golive looks for them: acting on top
 * of a command that still runs would apply the same change twice, at once.
 */
import { hostname } from 'node:os';
import { foldRunChain, inFlightCommands, type RunChainState } from '../engine/run-state.js';
import { LockHeldError } from '../errors.js';
import type { Journal } from '../journal/port.js';
import type { LockHolder } from '../journal/types.js';
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

/**
 * Before a dead run's lock is taken over: the commands it left in flight
 * may still run (golive was killed, its step's process group was not). A
 * new run started on top of them would run the same steps alongside them.
 * Returns what was checked, for the takeover warning the run records.
 * @throws LockHeldError while one of them still runs.
 */
export async function checkOrphansOf(store: Journal, previous: LockHolder, host: string): Promise<string> {
  if (previous.host !== host) return `its commands on ${previous.host} cannot be checked from here`;
  const run = await store.getRun(previous.runId);
  if (!run) return 'it left no run record';
  const chainRunIds = (await store.chainOf(run.rootRunId)).map((r) => r.id);
  const state = foldRunChain((await store.eventsOf(chainRunIds)).map((e) => e.event));
  const alive = liveOrphan(state, chainRunIds, previous.host);
  if (alive) {
    throw new LockHeldError(
      `run ${run.id} died (pid ${previous.pid} is gone) but ${alive.what} it started still runs as ${alive.where}; starting now would run the same steps alongside it`,
      `wait for it to end, or stop it: ${alive.kill}; then run the command again (and see \`golive show ${run.id}\`)`,
    );
  }
  const inFlight = inFlightCommands(state);
  const groups = inFlight.flatMap((c) => (c.pid === undefined ? [] : [c.pid]));
  if (inFlight.length === 0) return 'it had no command in flight';
  return `its commands in flight have ended (${groups.length ? `process group${groups.length > 1 ? 's' : ''} ${groups.join(', ')} gone` : 'no process of theirs left'})`;
}
