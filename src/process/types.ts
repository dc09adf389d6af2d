/**
 * The process runner's contract: run one shell command in its own process
 * group (on this machine, or on a remote target through ssh), stream its
 * output, enforce its timeout, and make sure nothing of its process tree
 * survives. The engine depends on this interface only.
 */

/** A remote host a command runs on through OpenSSH. */
export interface RemoteTarget {
  /** The name the runbook gives it (`web1`): used in messages, logs, journal rows. */
  name: string;
  /** Host name or address passed to ssh. */
  host: string;
  user?: string;
  port?: number;
}

export interface CommandSpec {
  /** The fully resolved command text (secrets included: it is never stored). */
  command: string;
  /** `bash` (run as `bash -e -o pipefail -c`), `sh` (`sh -e -c`), or another shell taking `-c`. */
  shell: string;
  cwd: string;
  /** Extra environment on top of golive's own (vars, secrets, GOLIVE_*). */
  env: Record<string, string>;
  /** Kill the group after this long; undefined = no limit. */
  timeoutMs?: number;
  /** Grace between SIGTERM and SIGKILL of the group (default 5000). */
  killGraceMs?: number;
  /** Append the full (masked) output here; parent directory is created. */
  logPath?: string;
  /** Values to replace with `***` in everything the runner emits or stores. */
  secrets: string[];
  /** Create `$GOLIVE_OUTPUT` for the command and parse its `name=value` lines. */
  captureOutputs?: boolean;
  /**
   * With `captureOutputs`: where `$GOLIVE_OUTPUT` points, in a private
   * directory (created if missing, mode 0700); the step's first append
   * creates the file. Default: a fresh 0600 file in the system temp directory.
   */
  outputsPath?: string;
  /** Bytes of output kept from the start and from the end (default 65536 each). */
  keepBytes?: number;
  /**
   * Bytes of output passed to `onOutput` as text (default: all). Past this,
   * `onOutput` gets one notice naming the log file, and the rest is handled as
   * raw bytes: masked, logged and counted, but never decoded, which keeps a
   * step printing gigabytes close to the cost of copying them.
   */
  streamBytes?: number;
  /**
   * Run the command on this host through ssh instead of locally. Undefined = local (as today).
   * Remote: the command runs in the login directory of the remote user (`cwd` is the local
   * directory of the ssh client only); `env`, the command text and secrets reach the remote side
   * through ssh's stdin, never on a command line (local or remote); `$GOLIVE_OUTPUT` works there
   * and its lines come back in `outputs`; timeout/terminate/kill stop the REMOTE process tree too.
   */
  target?: RemoteTarget;
}

export type OutputStream = 'stdout' | 'stderr';

export interface CommandResult {
  /** Exit status, or null when killed by a signal or never started. */
  exitCode: number | null;
  /** The signal that ended the command's direct child, if any. */
  signal: string | null;
  /** The timeout fired (exit recorded as 124). */
  timedOut: boolean;
  /** terminate() or kill() was called while it ran. */
  stopped: boolean;
  /** The command could not be started at all (e.g. the shell is missing, cwd does not exist). */
  spawnError?: string;
  startedAt: Date;
  endedAt: Date;
  durationMs: number;
  /** First `keepBytes` of combined output (masked). */
  head: string;
  /** Last `keepBytes` of combined output (masked); empty when the whole output fits in head. */
  tail: string;
  /** Total bytes of output seen. */
  outputBytes: number;
  /** Parsed `name=value` lines of `$GOLIVE_OUTPUT`, except those holding a secret. */
  outputs: Record<string, string>;
  /**
   * Outputs written but not kept because their value (or name) contains a
   * secret (names masked); see `readOutputsFile`. Absent when there are none.
   */
  refusedOutputs?: string[];
  /**
   * The ssh transport failed (could not connect, authentication refused, connection lost
   * mid-command) rather than the command: a one-line cause naming the target, e.g.
   * "could not connect to web1 (127.0.0.1:2201): Connection refused". Absent when the
   * transport worked. When set, `ok` is false; exitCode is null if the command's own exit
   * status is unknown.
   */
  transportError?: string;
  /** Convenience: exitCode === 0 and not timed out / stopped / spawnError / transportError. */
  ok: boolean;
}

/** A command that has been started. */
export interface RunningCommand {
  /** Process id of the group leader (undefined if spawning failed). */
  readonly pid: number | undefined;
  /** Settles when the command and its pipes are done; never rejects. */
  readonly result: Promise<CommandResult>;
  /** SIGTERM the whole group, then SIGKILL after the grace period. */
  terminate(): void;
  /** SIGKILL the whole group now. */
  kill(): void;
}

export interface ProcessRunner {
  /**
   * Start a command. `onOutput` receives masked text made of complete lines,
   * each ending in `\n` (batched per chunk: splitting 1 GB into one call per
   * line costs several times the CPU); a last line without `\n` comes at the end.
   */
  start(spec: CommandSpec, onOutput?: (stream: OutputStream, text: string) => void): RunningCommand;
  /**
   * Close the connections kept open for reuse by remote commands (ssh
   * ControlMaster); resolves when they are closed. The session calls it at
   * the end of a run. Runners that keep none need not have it.
   */
  closeConnections?(): Promise<void>;
}
