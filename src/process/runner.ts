/**
 * The process runner: one shell command in its own process group, output
 * streamed and masked, a timeout, and nothing of its process tree left behind.
 *
 * Built on `node:child_process` directly: the runner needs its own group
 * kill, streaming, masking and pipe draining, and a wrapper library would
 * add its own per-step cost and start-up import time on top.
 * bench/runner-floor.mjs holds the runner's per-step cost against a bare
 * `spawn` of the same command.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { LogFailureHandler } from './command-output.js';
import { DEFAULT_KILL_GRACE_MS, Execution, type ExecutionOptions, type Outcome } from './execution.js';
import { logMaxFromEnvironment } from './log-cap.js';
import { discardOutputsFile, prepareOutputsFile, readOutputsFile } from './outputs-file.js';
import { signalGroup } from './process-groups.js';
import { createScriptFile, type ScriptFile, scriptDirectory, shellFlags } from './script-file.js';
import type { SshOptions } from './ssh-options.js';
import { SshTransport } from './ssh-transport.js';
import type { CommandSpec, ProcessRunner } from './types.js';

export { killAllProcessGroups } from './process-groups.js';

/**
 * Creates the process runner. Each command runs as a script (`bash -e -o
 * pipefail <script>`, `sh -e <script>` or `<shell> <script>`) whose text never
 * appears on a command line (see script-file.ts), detached in a new process
 * group, with stdin closed: steps are non-interactive. Its environment is golive's as it
 * was when the runner was made, plus the spec's. When it ends, its whole group is
 * SIGKILLed, so background jobs it left behind do not outlive the step; only
 * processes that deliberately leave the group (`setsid`, service managers)
 * survive it. A spec with a `target` runs on that host through ssh instead
 * (ssh-execution.ts), with the same output handling and the same guarantee
 * for the remote process tree. Each log keeps at most `logMaxBytes` (default: from
 * `GOLIVE_LOG_MAX`, else 128 MiB; see log-cap.ts); a bad `GOLIVE_LOG_MAX`
 * throws a UsageError here, before any command runs.
 */
export function createProcessRunner(options: RunnerOptions = {}): ProcessRunner {
  const logMaxBytes = options.logMaxBytes ?? logMaxFromEnvironment();
  const ssh = new SshTransport(options.ssh ?? {});
  // process.env is read through an accessor: copying it costs tens of microseconds
  // a command. golive never changes its own environment, so one copy serves every command.
  const inherited: NodeJS.ProcessEnv = { ...process.env };
  return {
    start(spec, onOutput) {
      const executionOptions = { logMaxBytes, onOutput, onLogFailure: options.onLogFailure };
      const { target } = spec;
      return target === undefined ? new LocalExecution(spec, executionOptions, inherited) : ssh.start({ ...spec, target }, executionOptions);
    },
    closeConnections: () => ssh.closeConnections(),
  };
}

/** What the caller of `createProcessRunner` may choose, and hear about besides each command's output. */
export interface RunnerOptions {
  /** Bytes each command's log keeps (head + tail); default from GOLIVE_LOG_MAX, else 128 MiB. */
  logMaxBytes?: number;
  /** A log file could not be written (a full disk, say): the session decides whether the run can go on. */
  onLogFailure?: LogFailureHandler;
  /** How remote commands reach their targets (the session passes GOLIVE_SSH_CONFIG as `configFile`). */
  ssh?: SshOptions;
}

/** The command line for a spec's shell, given the path the shell opens the script by. */
export function shellArguments(shell: string, scriptPath: string): string[] {
  return [...shellFlags(shell), scriptPath];
}

/** A command run on this machine: the shell in its own process group, stopped by signals to that group. */
class LocalExecution extends Execution {
  private readonly outputsPath: string | undefined;
  private readonly script: ScriptFile | undefined;

  /** `inherited`: golive's environment when the runner was made, which every command starts from. */
  constructor(spec: CommandSpec, options: ExecutionOptions, inherited: NodeJS.ProcessEnv) {
    super(spec, options);
    const env: NodeJS.ProcessEnv = { ...inherited, ...spec.env };
    if (spec.captureOutputs) {
      try {
        this.outputsPath = prepareOutputsFile(spec.outputsPath);
      } catch (error) {
        this.fail(`cannot create the $GOLIVE_OUTPUT file: ${(error as Error).message}`);
        return;
      }
      env.GOLIVE_OUTPUT = this.outputsPath;
    }

    if (spec.command.includes('\0')) {
      this.fail('the command contains null bytes, which no shell can take');
      return;
    }
    try {
      this.script = createScriptFile(scriptDirectory(spec), spec.shell, spec.command, tmpdir());
    } catch (error) {
      this.fail(`cannot write the command for the shell: ${(error as Error).message}`);
      return;
    }

    let child: ChildProcess;
    try {
      child = spawn(spec.shell, this.script.args, {
        cwd: spec.cwd,
        env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe', ...this.script.extraStdio],
      });
    } catch (error) {
      // Invalid arguments (a NUL byte in the command or env) throw at once.
      this.fail((error as Error).message);
      return;
    }
    if (child.pid === undefined) {
      // A missing shell or cwd is reported asynchronously, as 'error'.
      child.once('error', (error) => this.fail(describeSpawnError(error, spec)));
      return;
    }
    this.attach(child, [
      [child.stdout!, (chunk) => this.output.write('stdout', chunk)],
      [child.stderr!, (chunk) => this.output.write('stderr', chunk)],
    ]);
  }

  protected askToStop(): void {
    signalGroup(this.pid, 'SIGTERM');
  }

  protected stopGraceMs(): number {
    return this.spec.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  }

  protected askToKill(): number {
    return 0; // the group is SIGKILLed at once
  }

  protected override onExit(): void {
    this.script?.close();
  }

  protected outcome(): Outcome {
    const { outputs, refused } = this.outputsPath === undefined ? { outputs: {}, refused: [] } : readOutputsFile(this.outputsPath, this.output.masker);
    return { exitCode: this.exitCode, signal: this.exitSignal, outputs, ...(refused.length > 0 ? { refusedOutputs: refused } : {}) };
  }

  private fail(message: string): void {
    this.script?.close();
    if (this.outputsPath !== undefined) discardOutputsFile(this.outputsPath);
    this.failToStart(message);
  }
}

/** Node reports a missing cwd as a missing shell (`spawn bash ENOENT`): tell them apart. */
function describeSpawnError(error: NodeJS.ErrnoException, spec: CommandSpec): string {
  let cwdIsDirectory = false;
  try {
    cwdIsDirectory = statSync(spec.cwd).isDirectory();
  } catch {
    return `the working directory ${spec.cwd} does not exist`;
  }
  if (!cwdIsDirectory) return `the working directory ${spec.cwd} is not a directory`;
  if (error.code === 'ENOENT') return `the shell ${spec.shell} was not found`;
  if (error.code === 'EACCES') return `the shell ${spec.shell} cannot be executed (permission denied)`;
  return `cannot start ${spec.shell}: ${error.message}`;
}
