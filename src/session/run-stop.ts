/**
 * When the journal or the log disk fails half-way through a run: stop the
 * run with the real cause first, and the exact commands to continue or undo.
 * A journal failure before anything ran stays a `JournalError` (exit 6,
 * nothing was executed); after a command started it is a `RunStoppedError`
 * (exit 3), because something may have changed that someone must see to.
 */
import { dirname } from 'node:path';
import type { EngineEvent } from '../engine/events.js';
import { RunStoppedError } from '../errors.js';

/** The advice's first words when a disk filled up; a journal that failed otherwise (a server gone) needs no space freed. */
const FREE_SPACE_FIRST = 'free space on that disk, then continue';

/** The run being recorded, for the advice lines. */
export interface StoppedRunRef {
  runId: string;
  dbPath: string;
  /** `--db <path>` when the journal is not the default one, else ''. */
  dbFlag: string;
}

/** Error codes that mean "the disk is full" (SQLite's and the file system's). */
const DISK_FULL = new Set(['SQLITE_FULL', 'ENOSPC', 'EDQUOT']);

/** True when `error` (or what it wraps) says the disk is full. */
export function isDiskFull(error: unknown): boolean {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.code === 'string' && DISK_FULL.has(e.code)) return true;
  }
  return false;
}

/**
 * Wraps the session's recording of each event. The engine stops a run when
 * its sink throws (the running step is stopped, nothing new starts, and the
 * session's close kills any group left), so stopping is: throw the cause.
 */
export class RunStopper {
  private cause: RunStoppedError | undefined;
  private logCauseUnthrown = false;
  private somethingStarted = false;

  constructor(private readonly ref: StoppedRunRef) {}

  /** Whether the run was stopped by a journal or log failure. */
  get stopped(): boolean {
    return this.cause !== undefined;
  }

  /** The process runner could not write a log file; a full disk stops the run at the next event. */
  logFailed(path: string, error: unknown): void {
    if (!isDiskFull(error) || this.cause !== undefined) return;
    this.cause = this.stopError(`the disk holding ${dirname(path)} is full (a step's log could not be written)`, error);
    this.logCauseUnthrown = true;
  }

  /**
   * Record `event` with `append`; rejects with the run's stop cause when the
   * journal failed (once something ran) or a log disk filled up.
   */
  async record(event: EngineEvent, append: () => Promise<unknown>): Promise<void> {
    try {
      await append();
    } catch (error) {
      // A stop that already says what happened and what to do (the journal stayed away: journal-outage.ts).
      if (error instanceof RunStoppedError) {
        this.cause ??= error;
        throw this.cause;
      }
      if (!this.somethingStarted) throw error;
      const diskFull = isDiskFull(error);
      this.cause ??= this.stopError(
        diskFull ? `the disk holding the audit journal ${this.ref.dbPath} is full` : (error as Error).message,
        error,
        diskFull ? FREE_SPACE_FIRST : 'when the journal can be written again, continue',
      );
      throw this.cause;
    }
    this.passed(event);
  }

  /**
   * `event` was recorded, or needs no recording (output lines): throws the
   * stop cause of a log disk that filled up, once.
   */
  passed(event: EngineEvent): void {
    if (event.kind === 'step.started') this.somethingStarted = true;
    // Thrown once, after the event is recorded: the engine stops the step and records how it ended.
    if (this.logCauseUnthrown) {
      this.logCauseUnthrown = false;
      throw this.cause;
    }
  }

  private stopError(what: string, cause: unknown, advice = FREE_SPACE_FIRST): RunStoppedError {
    const { runId, dbFlag } = this.ref;
    const db = dbFlag ? ` ${dbFlag}` : '';
    return new RunStoppedError(
      `${what}: run ${runId} stopped (nothing more is started; the running step's processes are killed)`,
      `${advice} with \`golive resume ${runId}${db}\` or undo what ran with \`golive rollback ${runId}${db}\``,
      cause,
    );
  }
}
