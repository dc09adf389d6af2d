/**
 * A command run on a remote target through OpenSSH: the local ssh client in
 * its own process group (like a local command's shell), the remote wrapper
 * of ssh-wrapper.ts on the other side. Output, masking, logs, the timeout
 * and the result are the same as for local commands (execution.ts); what
 * differs is how a stop reaches the command and how its status comes back.
 *
 * Stopping: terminate() and a timeout send `term` over ssh's stdin (the
 * remote group gets SIGTERM); when the grace is over, or on kill(), `kill`
 * follows (SIGKILL to the group). The wrapper then reports the status and
 * ssh exits; if it has not within a margin for the network, the local ssh
 * client is SIGKILLed, which also ends the remote session. A golive that
 * dies closes ssh's stdin (or its exit hook kills the client): the remote
 * watcher then stops the command by itself, SIGTERM and SIGKILL after the
 * grace.
 */

import { spawn } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_KILL_GRACE_MS, Execution, type ExecutionOptions, type Outcome } from './execution.js';
import { parseOutputs, splitSecretOutputs } from './outputs-file.js';
import { signalGroup } from './process-groups.js';
import { commandArguments, controlDirectory, describeTarget, type SshOptions, sshFailureCause, withAdvice } from './ssh-options.js';
import { type WrapperReport, WrapperReportFilter } from './ssh-report.js';
import { KILL_REQUEST, REMOTE_COMMAND_LINE, remoteInput, TERMINATE_REQUEST } from './ssh-wrapper.js';
import type { CommandSpec, RemoteTarget } from './types.js';

/**
 * After `kill` was sent, how long the wrapper's report may take to come back
 * over the network before the local client is killed (and the command's
 * status is lost).
 */
const REMOTE_KILL_WAIT_MS = 3_000;

/** Signal names by number, for a status of 128 + n. */
const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, number]) => [number, name]));

/** Names the ssh log files apart within one golive process. */
let logCounter = 0;

/** One remote command, from spawning ssh to the wrapper's report. */
export class RemoteExecution extends Execution {
  private readonly target: RemoteTarget;
  private report: WrapperReportFilter | undefined;
  private logFile: string | undefined;
  /** Stopped while ssh was still connecting: the client was killed so that the command never starts. */
  private stoppedBeforeStart = false;

  /** `onConnect` hears of each destination a command was started on (for closing the shared connections later). */
  constructor(spec: CommandSpec & { target: RemoteTarget }, options: ExecutionOptions, sshOptions: SshOptions, onConnect: (target: RemoteTarget) => void) {
    super(spec, options);
    this.target = spec.target;
    const input = remoteInput(spec, this.remoteGraceMs());
    if ('refused' in input) {
      this.failToStart(input.refused);
      return;
    }
    let controlDir: string;
    try {
      controlDir = controlDirectory();
    } catch (error) {
      this.failToStart(`cannot prepare the ssh connection to ${describeTarget(this.target)}: ${(error as Error).message}`);
      return;
    }
    logCounter += 1;
    this.logFile = join(controlDir, `log-${process.pid}-${logCounter}`);
    const child = spawn('ssh', [...commandArguments(this.target, sshOptions, controlDir, this.logFile), REMOTE_COMMAND_LINE], {
      cwd: spec.cwd,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    if (child.pid === undefined) {
      child.once('error', (error: NodeJS.ErrnoException) => this.failToStart(describeSshSpawnError(error, spec.cwd)));
      return;
    }
    onConnect(this.target);
    const report = new WrapperReportFilter(input.token, (chunk) => this.output.write('stderr', chunk));
    this.report = report;
    // ssh gone before it read everything: its exit tells why, the write error does not.
    child.stdin!.on('error', () => {});
    child.stdin!.write(input.bytes);
    this.attach(child, [
      [child.stdout!, (chunk) => this.output.write('stdout', chunk)],
      [child.stderr!, (chunk) => report.write(chunk)],
    ]);
  }

  protected askToStop(): void {
    this.afterPendingOutput(() => {
      const stdin = this.child?.stdin;
      if (!this.killBeforeStart() && stdin && !stdin.writableEnded) stdin.write(TERMINATE_REQUEST);
    });
  }

  protected stopGraceMs(): number {
    return this.remoteGraceMs();
  }

  protected askToKill(): number {
    this.afterPendingOutput(() => {
      const stdin = this.child?.stdin;
      if (!this.killBeforeStart() && stdin && !stdin.writableEnded) stdin.end(KILL_REQUEST);
    });
    return REMOTE_KILL_WAIT_MS;
  }

  /**
   * Runs `decide` once the output already in the pipes has been read
   * (setImmediate follows the poll phase): whether the wrapper reported
   * `started` may be sitting there unread when a stop comes.
   */
  private afterPendingOutput(decide: () => void): void {
    setImmediate(decide);
  }

  protected outcome(): Outcome {
    const report = this.report?.end() ?? { started: false };
    const sshLog = this.takeSshLog();
    if (report.setupFailure !== undefined) {
      return { exitCode: null, signal: null, outputs: {}, spawnError: `on ${describeTarget(this.target)}: ${report.setupFailure}` };
    }
    if (report.exitStatus !== undefined) return { ...this.statusOf(report.exitStatus), ...this.outputsOf(report) };
    if (this.stoppedBeforeStart) return { exitCode: null, signal: null, outputs: {} };
    // Killed from here after the stop's grace ran out: the stop is the cause, the remote status is unknown.
    if (this.forced) return { exitCode: null, signal: this.exitSignal, outputs: {} };
    return { exitCode: null, signal: null, outputs: {}, transportError: this.transportFailure(report.started, sshLog) };
  }

  /**
   * A stop while ssh is still connecting (or authenticating) kills the local
   * client at once: closing its stdin would let the connection complete and
   * the command start, only to be stopped again. Returns whether it did.
   */
  private killBeforeStart(): boolean {
    if (this.report?.started !== false) return false;
    this.stoppedBeforeStart = true;
    signalGroup(this.pid, 'SIGKILL');
    return true;
  }

  private remoteGraceMs(): number {
    return this.spec.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  }

  /**
   * The remote status as a result: the wrapper's `wait` gives 128 + n for a
   * command killed by signal n. Read as a signal only while golive was
   * stopping the command, where a signal is what ended it; otherwise it is
   * the status the command exited with.
   */
  private statusOf(status: number): Pick<Outcome, 'exitCode' | 'signal'> {
    const signal = status > 128 ? SIGNAL_NAMES.get(status - 128) : undefined;
    if ((this.timedOut || this.stopped) && signal !== undefined) return { exitCode: null, signal };
    return { exitCode: status, signal: null };
  }

  /** The outputs the command wrote remotely, with the same refusal of secrets as local ones. */
  private outputsOf(report: WrapperReport): Pick<Outcome, 'outputs' | 'refusedOutputs'> {
    if (!this.spec.captureOutputs || report.outputsText === undefined) return { outputs: {} };
    const { outputs, refused } = splitSecretOutputs(parseOutputs(report.outputsText), this.output.masker);
    return { outputs, ...(refused.length > 0 ? { refusedOutputs: refused } : {}) };
  }

  /** One line: what went wrong with ssh, naming the target, in ssh's words where it gave some. */
  private transportFailure(started: boolean, sshLog: string): string {
    const where = describeTarget(this.target);
    const said = this.output.masker.mask(sshFailureCause(sshLog));
    const status = this.exitSignal !== null ? `ssh was killed by ${this.exitSignal}` : `ssh exited with status ${this.exitCode}`;
    const cause = said !== '' ? withAdvice(said) : status;
    if (started)
      return `lost the connection to ${where} while the command ran: ${said !== '' ? cause : `the connection closed (${status})`}; its remote status is unknown`;
    if (this.exitCode === 255 || said !== '') return `could not connect to ${where}: ${cause}`;
    return `could not start the command on ${where}: the remote shell ended first (${status})`;
  }

  private takeSshLog(): string {
    if (this.logFile === undefined) return '';
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    } finally {
      rmSync(this.logFile, { force: true });
    }
  }
}

/** Why ssh could not be spawned: no ssh on PATH, or no such working directory. */
function describeSshSpawnError(error: NodeJS.ErrnoException, cwd: string): string {
  try {
    if (!statSync(cwd).isDirectory()) return `the working directory ${cwd} is not a directory`;
  } catch {
    return `the working directory ${cwd} does not exist`;
  }
  if (error.code === 'ENOENT') return 'ssh was not found on PATH: install the OpenSSH client';
  return `cannot start ssh: ${error.message}`;
}
