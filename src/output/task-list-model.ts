/**
 * What the live task list knows about each line it shows: one item per check,
 * step, smoke test and rollback, fed by engine events. An item only records
 * what the events said; the listr2 task that displays it awaits `settled`, so
 * the engine drives and listr2 only draws.
 */
import type { ListrTaskWrapper } from 'listr2';
import { formatDuration } from '../runbook/duration.js';
import type { Paint } from './paint.js';
import { printable } from './printable.js';

/** The part of the run an item belongs to. */
export type Section = 'checks' | 'steps' | 'verify' | 'rollback';

/** How a line ends: ✔, ✖ or skipped (↓). In doubt is shown as ✖ with its reason. */
export type Outcome = 'passed' | 'failed' | 'skipped';

/** A listr2 task as handed to a task function (the view never needs its generic types). */
// biome-ignore lint/suspicious/noExplicitAny: listr2's task wrapper is generic over context and renderers that golive never reads
export type TaskHandle = ListrTaskWrapper<any, any, any>;

/** The fixed facts of an item, from the plan. */
export interface ItemSpec {
  section: Section;
  id: string;
  title: string;
  owner?: string;
  expectedMs?: number;
  /** Position in the forward order (checks, then step stages, then smoke tests); members of a parallel group share one. */
  stage: number;
  /** A `confirm:` check or step: it has no start event, only a question. */
  manual: boolean;
}

/** Lines of output kept per item: the renderer shows the last few under the running task. */
const KEPT_LINES = 3;
/** Long output lines are cut here: the list must stay one line per output row. */
const MAX_LINE = 240;

/** A promise with its resolver, for values that events supply later. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

/** Make a deferred value. */
export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** One line of the task list. */
export class TaskItem {
  /** Waiting: not reached. Running: started (or asked). Settled: its outcome is final. */
  status: 'waiting' | 'running' | 'settled' = 'waiting';
  /** Failed, but the engine may still ask about it or retry it, so its task stays open (and hosts that question). */
  awaitingDecision = false;
  outcome?: Outcome;
  startedAt?: number;
  endedAt?: number;
  /**
   * Since when it waits for named approvers, before anything of it started:
   * shown as its own clock, so the step's elapsed time (against its
   * expected duration) counts only its command.
   */
  waitingSince?: number;
  private waitEndedAt?: number;
  attempt = 1;
  attempts = 1;
  /** What is happening or what happened, shown after the timing ("validating", "failed: exited with status 1"). */
  note?: string;
  /** The last output lines, newest last. */
  readonly lines: string[] = [];
  /** Lines not yet handed to the renderer. */
  private unsent = 0;
  /** The listr2 task showing this item, once listr2 has reached it. */
  task?: TaskHandle;
  /** Resolves when listr2 runs the item's task (a prompt needs a running task to live in). */
  readonly attached = deferred<void>();
  /** Resolves when the engine has said how the item ended. */
  readonly settled = deferred<Outcome>();
  private lastTitle?: string;

  constructor(readonly spec: ItemSpec) {}

  /** Started, or not yet ended (running or failed and awaiting a decision). */
  get open(): boolean {
    return this.status !== 'settled';
  }

  /** The engine started it (again): a new attempt, a validation poll, or a question about it. */
  start(at: number, attempt?: number, attempts?: number): void {
    if (this.status === 'settled') return;
    // The wait for approval is over: from here the clock is the command's.
    this.waitingSince = undefined;
    this.status = 'running';
    this.awaitingDecision = false;
    this.startedAt ??= at;
    this.endedAt = undefined;
    if (attempt !== undefined) this.attempt = attempt;
    if (attempts !== undefined) this.attempts = attempts;
  }

  /** The engine waits for named approvers at it (`approval.requested`): a clock of the wait runs until it starts or ends. */
  waitForApproval(at: number): void {
    if (this.status === 'settled' || this.startedAt !== undefined) return;
    this.waitingSince ??= at;
    this.waitEndedAt = undefined;
  }

  /** It failed; the listr2 task stays open until the engine decides what happens next. */
  fail(at: number, note: string): void {
    if (this.status === 'settled') return;
    this.status = 'running';
    this.awaitingDecision = true;
    // Refused or unanswered while it waited for approval: the line keeps how long it waited.
    if (this.waitingSince !== undefined) this.waitEndedAt ??= at;
    else this.startedAt ??= at;
    this.endedAt = at;
    this.note = note;
  }

  /** Its outcome is final; the listr2 task ends with it. Later calls are ignored (the first word stands). */
  settle(outcome: Outcome, at: number | undefined, note?: string): void {
    if (this.status === 'settled') return;
    this.status = 'settled';
    this.awaitingDecision = false;
    this.outcome = outcome;
    if (this.startedAt !== undefined) this.endedAt ??= at;
    if (this.waitingSince !== undefined) this.waitEndedAt ??= at;
    if (note !== undefined) this.note = note;
    this.settled.resolve(outcome);
  }

  /** Keep the last lines of a batch of output. */
  addOutput(text: string): void {
    for (const raw of text.split('\n')) {
      const line = raw.replace(/\r/g, '').trimEnd();
      if (line === '') continue;
      this.lines.push(line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…` : line);
      this.unsent++;
    }
    if (this.lines.length > KEPT_LINES) this.lines.splice(0, this.lines.length - KEPT_LINES);
    this.unsent = Math.min(this.unsent, this.lines.length);
  }

  /** The title as it reads now: id — title [owner] elapsed / expected (attempt n/m) — note. */
  title(now: number, paint: Paint): string {
    const { id, title, owner } = this.spec;
    // Escaped: a title with an escape sequence or newline would break the redrawn list.
    const name = printable(`${id}${title !== id ? ` — ${title}` : ''}`);
    const who = owner ? paint.dim(` [${printable(owner)}]`) : '';
    const attempt = this.attempts > 1 ? ` (attempt ${this.attempt}/${this.attempts})` : '';
    const note = this.note ? ` — ${printable(this.note)}` : '';
    return `${name}${who}${this.timing(now, paint)}${attempt}${note}`;
  }

  /** Push the current title and any new output lines to the listr2 task (only what changed: each push redraws). */
  refresh(now: number, paint: Paint): void {
    const task = this.task;
    if (!task) return;
    const title = this.title(now, paint);
    if (title !== this.lastTitle) {
      this.lastTitle = title;
      task.title = title;
    }
    for (const line of this.lines.slice(this.lines.length - this.unsent)) task.output = line;
    this.unsent = 0;
  }

  private timing(now: number, paint: Paint): string {
    const expected = this.spec.expectedMs;
    // Just the clock: the note beside it says whom it waits for, and must stay on a terminal's line.
    if (this.startedAt === undefined && this.waitingSince !== undefined)
      return paint.dim(` ${formatDuration(Math.max(0, (this.waitEndedAt ?? now) - this.waitingSince))}`);
    if (this.startedAt === undefined) return expected === undefined ? '' : paint.dim(` expected ${formatDuration(expected)}`);
    const elapsed = Math.max(0, (this.endedAt ?? now) - this.startedAt);
    const text = expected === undefined ? formatDuration(elapsed) : `${formatDuration(elapsed)} / ${formatDuration(expected)}`;
    // Over the estimate is the one timing fact the room must notice during the run.
    return ` ${expected !== undefined && elapsed > expected ? paint.yellow(`${text} over expected`) : paint.dim(text)}`;
  }
}
