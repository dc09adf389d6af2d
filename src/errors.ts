/**
 * Errors are values with an exit code. Only `cli/main.ts` turns them into a
 * process exit status; every other layer throws or returns them.
 */

/** The stable exit codes, as the README's "Exit codes" table documents them. */
export const ExitCode = {
  /** Succeeded (including CONDITIONAL GO and recorded minor smoke-test issues). */
  Ok: 0,
  /** The deployment failed and was rolled back cleanly. */
  RolledBack: 1,
  /** Invalid runbook, bad flag or usage error: nothing was executed. */
  Usage: 2,
  /** Failed and NOT fully rolled back: someone must act. */
  NeedsAction: 3,
  /** NO-GO: a blocking pre-deployment check failed; no step was executed. */
  NoGo: 4,
  /** Another run holds the lock for this runbook and environment. */
  Locked: 5,
  /**
   * The audit journal cannot be used (missing, not a journal, damaged, locked
   * beyond the busy timeout, newer version, unreachable): nothing was executed.
   */
  JournalUnusable: 6,
  /** A bug in golive itself (EX_SOFTWARE); the message says where to report it. */
  Internal: 70,
  /** Interrupted by SIGINT. */
  Sigint: 130,
  /** Interrupted by SIGTERM. */
  Sigterm: 143,
  /** Interrupted by SIGHUP (the terminal or SSH session went away). */
  Sighup: 129,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Base class of every error golive expects: printed as a message (+ hint), never a stack. */
export class GoliveError extends Error {
  readonly exitCode: ExitCodeValue;
  /** One line telling the user what to do about it, naming the flag when there is one. */
  readonly hint?: string;
  /** The problems behind it, as data (e.g. a runbook's diagnostics), for `--json` answers. */
  readonly problems?: readonly object[];

  constructor(message: string, options: { exitCode?: ExitCodeValue; hint?: string; cause?: unknown; problems?: readonly object[] } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options.exitCode ?? ExitCode.Usage;
    this.hint = options.hint;
    this.problems = options.problems;
  }
}

/** A bad flag, a missing file, an unknown run id: nothing was executed. */
export class UsageError extends GoliveError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: ExitCode.Usage, hint });
  }
}

/** The lock for this runbook and environment is held by a live run. */
export class LockHeldError extends GoliveError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: ExitCode.Locked, hint });
  }
}

/**
 * The audit journal cannot be used (missing, not a journal, damaged, locked,
 * newer, unreachable). Thrown before anything executes, hence exit 6; a
 * journal failure after something ran becomes a `RunStoppedError` instead.
 */
export class JournalError extends GoliveError {
  constructor(message: string, hint?: string, cause?: unknown) {
    super(message, { exitCode: ExitCode.JournalUnusable, hint, cause });
  }
}

/**
 * The journal's server cannot be reached right now (refused, reset, shutting
 * down, not answering): unlike a refusal or damage, this may pass, so a run
 * in progress waits and retries (session/journal-outage.ts) before it stops.
 */
export class JournalUnreachableError extends JournalError {}

/** The journal file is damaged (SQLite reports corruption): evidence, to keep and recover from, never to write to. */
export class JournalDamagedError extends JournalError {
  /** What is wrong, without the file name ("its table events is missing"). */
  readonly problem: string;

  constructor(path: string, problem: string, hint?: string, cause?: unknown) {
    super(`the audit journal ${path} is damaged: ${problem}`, hint, cause);
    this.problem = problem;
  }
}

/**
 * A run stopped half-way because golive could no longer record or log it
 * (a full disk, a journal gone bad): something already executed, so this is
 * exit 3 (someone must act), never 6.
 */
export class RunStoppedError extends GoliveError {
  constructor(message: string, hint?: string, cause?: unknown) {
    super(message, { exitCode: ExitCode.NeedsAction, hint, cause });
  }
}
