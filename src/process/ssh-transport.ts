/**
 * The ssh side of the process runner: starts remote commands and remembers
 * which destinations they went to, so that the connections ssh keeps open
 * for reuse (ControlMaster) are closed at the end of the run instead of
 * lingering for ControlPersist.
 */

import { spawn } from 'node:child_process';
import type { ExecutionOptions } from './execution.js';
import { RemoteExecution } from './ssh-execution.js';
import { closeArguments, controlDirectory, destinationKey, type SshOptions } from './ssh-options.js';
import type { CommandSpec, RemoteTarget, RunningCommand } from './types.js';

/** How long `ssh -O exit` may take; it only talks to a local socket. */
const CLOSE_TIMEOUT_MS = 5_000;

/** Remote commands of one runner, and the connections they opened. */
export class SshTransport {
  private readonly used = new Map<string, RemoteTarget>();

  constructor(private readonly options: SshOptions) {}

  start(spec: CommandSpec & { target: RemoteTarget }, executionOptions: ExecutionOptions): RunningCommand {
    return new RemoteExecution(spec, executionOptions, this.options, (target) => this.used.set(destinationKey(target), target));
  }

  /** Closes every shared connection a command of this runner used (`ssh -O exit`); never rejects. */
  async closeConnections(): Promise<void> {
    const targets = [...this.used.values()];
    this.used.clear();
    if (targets.length === 0) return;
    let controlDir: string;
    try {
      controlDir = controlDirectory();
    } catch {
      return; // no directory, no sockets to close
    }
    await Promise.all(targets.map((target) => closeConnection(closeArguments(target, this.options, controlDir))));
  }
}

function closeConnection(args: string[]): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn('ssh', args, { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), CLOSE_TIMEOUT_MS);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    child.once('exit', done);
    child.once('error', done);
  });
}
