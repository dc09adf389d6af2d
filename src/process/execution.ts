/**
 * The life of one started command, from spawn to result, shared by local
 * commands and remote ones: the process golive spawns (the shell itself, or
 * the ssh client) runs detached in its own process group; its pipes are
 * followed until they close; a timeout, terminate() or kill() stops it; and
 * the result settles once the process has exited and its pipes are done.
 * How a stop reaches the command (signals to a local group, a message to the
 * remote wrapper) and what the result says are each subclass's.
 */

import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { CommandOutput, type LogFailureHandler } from './command-output.js';
import { registerGroup, signalGroup, unregisterGroup } from './process-groups.js';
import type { CommandResult, CommandSpec, OutputStream, RunningCommand } from './types.js';

/** Grace between SIGTERM and SIGKILL when the spec does not say. */
export const DEFAULT_KILL_GRACE_MS = 5_000;
/**
 * How long pipes still held open after the direct child exited may delay the
 * result: long enough for background jobs to finish their last writes, short
 * enough that a daemon which escaped the group (`setsid`) cannot hang a step.
 */
const PIPE_DRAIN_MS = 200;
/** After killing the group, time for the dead members' pipe ends to close. */
const AFTER_KILL_MS = 50;
/** setTimeout fires at once for anything longer than this (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** How the process ended, as the subclass reads it: what the result reports beyond output and timing. */
export type Outcome = Pick<CommandResult, 'exitCode' | 'signal' | 'outputs' | 'refusedOutputs' | 'spawnError' | 'transportError'>;

/** What every execution is given besides its spec. */
export interface ExecutionOptions {
  logMaxBytes: number;
  onOutput?: (stream: OutputStream, text: string) => void;
  onLogFailure?: LogFailureHandler;
}

/** One started command: the state machine from spawn to result. */
export abstract class Execution implements RunningCommand {
  pid: number | undefined;
  readonly result: Promise<CommandResult>;

  protected readonly output: CommandOutput;
  protected child: ChildProcess | undefined;
  /** The direct child's own exit status and signal. */
  protected exitCode: number | null = null;
  protected exitSignal: string | null = null;
  protected timedOut = false;
  protected stopped = false;
  /** The process was SIGKILLed from here (the grace ran out, or kill()). */
  protected forced = false;

  private settle!: (result: CommandResult) => void;
  private readonly startedAt = new Date();
  private readonly startedTick = performance.now();
  private openPipes = 0;
  private leaderExited = false;
  /** A stop was asked for and the grace period before SIGKILL is running. */
  private inGrace = false;
  private finished = false;
  private timeoutTimer: NodeJS.Timeout | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private drainTimer: NodeJS.Timeout | undefined;

  constructor(
    protected readonly spec: CommandSpec,
    options: ExecutionOptions,
  ) {
    this.result = new Promise((resolve) => (this.settle = resolve));
    this.output = new CommandOutput(spec, options.logMaxBytes, options.onOutput, options.onLogFailure);
  }

  terminate(): void {
    if (this.finished || this.pid === undefined) return;
    this.stopped = true;
    this.beginStop();
  }

  kill(): void {
    if (this.finished || this.pid === undefined) return;
    this.stopped = true;
    this.escalate();
  }

  /** Ask the command to stop (SIGTERM, or its remote equivalent); the grace before SIGKILL starts now. */
  protected abstract askToStop(): void;
  /** How long after askToStop() the command is asked to die (askToKill). */
  protected abstract stopGraceMs(): number;
  /** Ask the command to die now; returns how long to wait before SIGKILLing the spawned process (0: at once). */
  protected abstract askToKill(): number;
  /** Exit status, outputs and the like, read once the process and its pipes are done. */
  protected abstract outcome(): Outcome;
  /** The process has exited (its pipes may still be open). */
  protected onExit(): void {}

  /**
   * Follow a spawned child: its group is registered for the exit paths, the
   * given pipes are read (through `read`, by default straight into the
   * output), and the timeout starts.
   */
  protected attach(child: ChildProcess, pipes: Array<[Readable, (chunk: Buffer) => void]>): void {
    this.child = child;
    this.pid = child.pid;
    registerGroup(child.pid!);
    for (const [pipe, read] of pipes) this.follow(pipe, read);
    child.on('exit', (code, signal) => this.onLeaderExit(code, signal));
    // After a successful spawn, 'error' only reports a failed kill(), which
    // the group signals replace; listening keeps it from being thrown.
    child.on('error', () => {});
    if (this.spec.timeoutMs !== undefined) {
      this.timeoutTimer = setTimeout(() => {
        this.timedOut = true;
        this.beginStop();
      }, clampDelay(this.spec.timeoutMs));
    }
  }

  private follow(pipe: Readable, read: (chunk: Buffer) => void): void {
    this.openPipes += 1;
    pipe.on('data', read);
    // 'close' rather than 'end': a destroyed pipe never ends, but it closes.
    pipe.on('close', () => {
      this.openPipes -= 1;
      this.maybeFinish();
    });
    pipe.on('error', () => {}); // a read error ends the stream; 'close' follows
  }

  private beginStop(): void {
    if (this.finished || this.inGrace) return;
    this.inGrace = true;
    this.askToStop();
    this.graceTimer = setTimeout(() => this.escalate(), clampDelay(this.stopGraceMs()));
  }

  /** The grace is over, or kill() was called: ask the command to die now, and SIGKILL the spawned process if it has not when asked. */
  private escalate(): void {
    if (this.finished) return;
    clearTimeout(this.graceTimer);
    const waitMs = this.askToKill();
    if (waitMs <= 0) return this.forceKill();
    this.inGrace = true;
    this.graceTimer = setTimeout(() => this.forceKill(), waitMs);
  }

  private forceKill(): void {
    clearTimeout(this.graceTimer);
    this.inGrace = false;
    this.forced = true;
    signalGroup(this.pid, 'SIGKILL');
    this.maybeFinish();
  }

  private onLeaderExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.leaderExited = true;
    this.exitCode = code;
    this.exitSignal = signal;
    clearTimeout(this.timeoutTimer);
    this.onExit();
    this.maybeFinish();
  }

  /**
   * Finishes once the direct child has exited and its pipes have closed.
   * Pipes still open after that are held by background jobs or by processes
   * that escaped the group: they get PIPE_DRAIN_MS, then the group is killed
   * and the pipes destroyed. During a stop's grace period, members holding
   * the pipes get the whole grace instead, to clean up.
   */
  private maybeFinish(): void {
    if (this.finished || !this.leaderExited) return;
    if (this.openPipes === 0) {
      void this.finish();
      return;
    }
    if (this.inGrace || this.drainTimer !== undefined) return;
    this.drainTimer = setTimeout(() => {
      signalGroup(this.pid, 'SIGKILL');
      this.drainTimer = setTimeout(() => this.destroyPipes(), AFTER_KILL_MS);
    }, PIPE_DRAIN_MS);
  }

  private destroyPipes(): void {
    if (this.finished) return;
    // setImmediate runs after the poll phase, so output already sitting in
    // the pipes is read first even if the event loop was busy until now.
    setImmediate(() => {
      this.child?.stdout?.destroy();
      this.child?.stderr?.destroy();
    });
  }

  private async finish(): Promise<void> {
    this.finished = true;
    clearTimeout(this.timeoutTimer);
    clearTimeout(this.graceTimer);
    clearTimeout(this.drainTimer);
    const endedAt = new Date();
    const durationMs = performance.now() - this.startedTick;
    // Background jobs that closed their output are still in the group.
    signalGroup(this.pid, 'SIGKILL');
    if (this.pid !== undefined) unregisterGroup(this.pid);
    const { head, tail } = await this.output.close();
    const outcome = this.outcome();
    this.settle({
      ...withoutUndefined(outcome),
      timedOut: this.timedOut,
      stopped: this.stopped,
      startedAt: this.startedAt,
      endedAt,
      durationMs,
      head,
      tail,
      outputBytes: this.output.bytes,
      ok: outcome.exitCode === 0 && !this.timedOut && !this.stopped && outcome.transportError === undefined && outcome.spawnError === undefined,
    });
  }

  /** The command could not be started: settle at once, with no output. */
  protected failToStart(message: string): void {
    if (this.finished) return;
    this.finished = true;
    this.child?.stdout?.destroy();
    this.child?.stderr?.destroy();
    this.settle({
      exitCode: null,
      signal: null,
      timedOut: false,
      stopped: false,
      spawnError: message,
      startedAt: this.startedAt,
      endedAt: new Date(),
      durationMs: performance.now() - this.startedTick,
      head: '',
      tail: '',
      outputBytes: 0,
      outputs: {},
      ok: false,
    });
  }
}

/** The fields that have a value: a result carries no `spawnError: undefined` and the like. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

/** A delay setTimeout honours: never negative, never past its 24.8-day limit. */
export function clampDelay(ms: number): number {
  return Math.min(Math.max(0, ms), MAX_TIMER_MS);
}
