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
import type { Readable } from 'node:stream';
import { ByteMasker } from './byte-masker.js';
import { HeadTailCapture } from './head-tail.js';
import { MaskedLineSplitter } from './line-splitter.js';
import { CappedLog, leftOutNotice, logMaxFromEnvironment } from './log-cap.js';
import { LogFile } from './log-file.js';
import { createMasker, type Masker } from './mask.js';
import { discardOutputsFile, prepareOutputsFile, readOutputsFile } from './outputs-file.js';
import { registerGroup, signalGroup, unregisterGroup } from './process-groups.js';
import { createScriptFile, type ScriptFile, scriptDirectory, shellFlags } from './script-file.js';
import type { CommandResult, CommandSpec, OutputStream, ProcessRunner, RunningCommand } from './types.js';

export { killAllProcessGroups } from './process-groups.js';

/** Bytes kept from each end of the output when the spec does not say. */
const DEFAULT_KEEP_BYTES = 65_536;
/** Grace between SIGTERM and SIGKILL when the spec does not say. */
const DEFAULT_KILL_GRACE_MS = 5_000;
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

/**
 * Creates the process runner. Each command runs as a script (`bash -e -o
 * pipefail <script>`, `sh -e <script>` or `<shell> <script>`) whose text never
 * appears on a command line (see script-file.ts), detached in a new process
 * group, with stdin closed: steps are non-interactive. When it ends, its whole group is
 * SIGKILLed, so background jobs it left behind do not outlive the step; only
 * processes that deliberately leave the group (`setsid`, service managers)
 * survive it. Each log keeps at most `logMaxBytes` (default: from
 * `GOLIVE_LOG_MAX`, else 128 MiB; see log-cap.ts); a bad `GOLIVE_LOG_MAX`
 * throws a UsageError here, before any command runs.
 */
export function createProcessRunner(options: RunnerOptions = {}): ProcessRunner {
  const logMaxBytes = options.logMaxBytes ?? logMaxFromEnvironment();
  return { start: (spec, onOutput) => new CommandExecution(spec, logMaxBytes, onOutput, options.onLogFailure) };
}

/** What the caller of `createProcessRunner` may choose, and hear about besides each command's output. */
export interface RunnerOptions {
  /** Bytes each command's log keeps (head + tail); default from GOLIVE_LOG_MAX, else 128 MiB. */
  logMaxBytes?: number;
  /** A log file could not be written (a full disk, say): the session decides whether the run can go on. */
  onLogFailure?: (logPath: string, error: unknown) => void;
}

/** The command line for a spec's shell, given the path the shell opens the script by. */
export function shellArguments(shell: string, scriptPath: string): string[] {
  return [...shellFlags(shell), scriptPath];
}

/** One started command: its state machine from spawn to result. */
class CommandExecution implements RunningCommand {
  pid: number | undefined;
  readonly result: Promise<CommandResult>;

  private settle!: (result: CommandResult) => void;
  private readonly startedAt = new Date();
  private readonly startedTick = performance.now();
  private readonly masker: Masker;
  private readonly capture: HeadTailCapture;
  private readonly log: CappedLog | undefined;
  private readonly outputsPath: string | undefined;
  private readonly child: ChildProcess | undefined;
  private readonly script: ScriptFile | undefined;
  private readonly splitters: MaskedLineSplitter[] = [];
  private readonly rawStreams: Array<() => ByteMasker | undefined> = [];
  private rawNoticeGiven = false;
  private readonly streamLimit: number;

  private outputBytes = 0;
  private openPipes = 0;
  private leaderExited = false;
  private exitCode: number | null = null;
  private exitSignal: string | null = null;
  private timedOut = false;
  private stopped = false;
  /** SIGTERM was sent and the grace period before SIGKILL is running. */
  private inGrace = false;
  private finished = false;
  private timeoutTimer: NodeJS.Timeout | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private drainTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly spec: CommandSpec,
    private readonly logMaxBytes: number,
    private readonly onOutput?: (stream: OutputStream, text: string) => void,
    private readonly onLogFailure?: RunnerOptions['onLogFailure'],
  ) {
    this.result = new Promise((resolve) => (this.settle = resolve));
    this.masker = createMasker(spec.secrets);
    this.capture = new HeadTailCapture(spec.keepBytes ?? DEFAULT_KEEP_BYTES);
    this.streamLimit = spec.streamBytes ?? Number.POSITIVE_INFINITY;

    const env: NodeJS.ProcessEnv = { ...process.env, ...spec.env };
    if (spec.captureOutputs) {
      try {
        this.outputsPath = prepareOutputsFile(spec.outputsPath);
      } catch (error) {
        this.failToStart(`cannot create the $GOLIVE_OUTPUT file: ${(error as Error).message}`);
        return;
      }
      env.GOLIVE_OUTPUT = this.outputsPath;
    }

    if (spec.command.includes('\0')) {
      this.failToStart('the command contains null bytes, which no shell can take');
      return;
    }
    try {
      this.script = createScriptFile(scriptDirectory(spec), spec.shell, spec.command, tmpdir());
    } catch (error) {
      this.failToStart(`cannot write the command for the shell: ${(error as Error).message}`);
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
      this.failToStart((error as Error).message);
      return;
    }
    this.child = child;
    this.pid = child.pid;
    if (child.pid === undefined) {
      // A missing shell or cwd is reported asynchronously, as 'error'.
      child.once('error', (error) => this.failToStart(describeSpawnError(error, spec)));
      return;
    }
    registerGroup(child.pid);

    if (spec.logPath !== undefined) {
      // The command is told in its output; the session decides whether the run can go on (a full disk cannot).
      const failed = (message: string, error: unknown) => {
        this.onLogFailure?.(spec.logPath!, error);
        this.emit('stderr', this.masker.mask(`golive: ${message}\n`));
      };
      const file = new LogFile(spec.logPath, { failed });
      this.log = new CappedLog(file, spec.logPath, logMaxBytes, failed);
    }
    this.follow(child.stdout!, 'stdout');
    this.follow(child.stderr!, 'stderr');
    child.on('exit', (code, signal) => this.onLeaderExit(code, signal));
    // After a successful spawn, 'error' only reports a failed kill(), which
    // the group signals replace; listening keeps it from being thrown.
    child.on('error', () => {});

    if (spec.timeoutMs !== undefined) {
      this.timeoutTimer = setTimeout(() => {
        this.timedOut = true;
        this.beginStop();
      }, clampDelay(spec.timeoutMs));
    }
  }

  terminate(): void {
    if (this.finished || this.pid === undefined) return;
    this.stopped = true;
    this.beginStop();
  }

  kill(): void {
    if (this.finished || this.pid === undefined) return;
    this.stopped = true;
    this.forceKill();
  }

  private follow(pipe: Readable, stream: OutputStream): void {
    const splitter = new MaskedLineSplitter(this.masker, (text) => this.emit(stream, text));
    this.splitters.push(splitter);
    this.openPipes += 1;
    let raw: ByteMasker | undefined;
    this.rawStreams.push(() => raw);
    pipe.on('data', (chunk: Buffer) => {
      this.outputBytes += chunk.length;
      if (raw) return this.keepRaw(raw.write(chunk));
      splitter.write(chunk);
      // Switch to raw bytes past the streamed part, at a chunk that ends on a whole (ASCII) character.
      if (this.outputBytes > this.streamLimit && chunk[chunk.length - 1] < 0x80) {
        raw = new ByteMasker(this.masker.patterns, Buffer.from(splitter.takePending(), 'utf8'));
        this.noticeRawOutput(stream);
      }
    });
    // 'close' rather than 'end': a destroyed pipe never ends, but it closes.
    pipe.on('close', () => {
      this.openPipes -= 1;
      this.maybeFinish();
    });
    pipe.on('error', () => {}); // a read error ends the stream; 'close' follows
  }

  /** Tell the watcher (once) that it sees no more of the output, and where the rest is. */
  private noticeRawOutput(stream: OutputStream): void {
    if (this.rawNoticeGiven) return;
    this.rawNoticeGiven = true;
    const where = this.spec.logPath ? `: the full output is in ${this.spec.logPath}` : '';
    this.onOutput?.(stream, `… [golive shows the first ${Math.round(this.streamLimit / 1024)} KiB of a command's output${where}]\n`);
  }

  private keepRaw(bytes: Buffer): void {
    this.log?.write(bytes);
    this.capture.addBytes(bytes);
  }

  private emit(stream: OutputStream, text: string): void {
    this.onOutput?.(stream, text);
    this.log?.write(text);
    this.capture.add(text);
  }

  private forEachPipe(action: (pipe: Readable) => void): void {
    if (this.child?.stdout) action(this.child.stdout);
    if (this.child?.stderr) action(this.child.stderr);
  }

  private beginStop(): void {
    if (this.finished || this.inGrace) return;
    this.inGrace = true;
    signalGroup(this.pid, 'SIGTERM');
    this.graceTimer = setTimeout(() => this.forceKill(), clampDelay(this.spec.killGraceMs ?? DEFAULT_KILL_GRACE_MS));
  }

  private forceKill(): void {
    clearTimeout(this.graceTimer);
    this.inGrace = false;
    signalGroup(this.pid, 'SIGKILL');
    this.maybeFinish();
  }

  private onLeaderExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.leaderExited = true;
    this.script?.close();
    this.exitCode = code;
    this.exitSignal = signal;
    clearTimeout(this.timeoutTimer);
    this.maybeFinish();
  }

  /**
   * Finishes once the direct child has exited and both pipes have closed.
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
    setImmediate(() => this.forEachPipe((pipe) => pipe.destroy()));
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
    for (const splitter of this.splitters) splitter.end();
    for (const raw of this.rawStreams) {
      const masker = raw();
      if (masker) this.keepRaw(masker.end());
    }
    const { outputs, refused } = this.outputsPath === undefined ? { outputs: {}, refused: [] } : readOutputsFile(this.outputsPath, this.masker);
    const leftOut = (await this.log?.close()) ?? 0;
    // One line for the watcher; the log itself has the marker where the bytes are missing.
    if (leftOut > 0) this.onOutput?.('stderr', leftOutNotice(this.spec.logPath!, leftOut, this.logMaxBytes));
    const { head, tail } = this.capture.result();
    this.settle({
      exitCode: this.exitCode,
      signal: this.exitSignal,
      timedOut: this.timedOut,
      stopped: this.stopped,
      startedAt: this.startedAt,
      endedAt,
      durationMs,
      head,
      tail,
      outputBytes: this.outputBytes,
      outputs,
      ...(refused.length > 0 ? { refusedOutputs: refused } : {}),
      ok: this.exitCode === 0 && !this.timedOut && !this.stopped,
    });
  }

  private failToStart(message: string): void {
    if (this.finished) return;
    this.finished = true;
    this.script?.close();
    this.forEachPipe((pipe) => pipe.destroy());
    if (this.outputsPath !== undefined) discardOutputsFile(this.outputsPath);
    const endedAt = new Date();
    this.settle({
      exitCode: null,
      signal: null,
      timedOut: false,
      stopped: false,
      spawnError: message,
      startedAt: this.startedAt,
      endedAt,
      durationMs: performance.now() - this.startedTick,
      head: '',
      tail: '',
      outputBytes: 0,
      outputs: {},
      ok: false,
    });
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

function clampDelay(ms: number): number {
  return Math.min(Math.max(0, ms), MAX_TIMER_MS);
}
