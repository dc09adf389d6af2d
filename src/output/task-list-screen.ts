/**
 * Where the task list is drawn: listr2's list while it is active, plain
 * lines before and after it (kept aside while the list is on screen, so they
 * never tear it), and the run's summary once the list has ended.
 */
import type { EngineEvent, EventOf } from '../engine/events.js';
import { formatDuration } from '../runbook/duration.js';
import { nextCommands, type RunRef } from '../views/next-steps.js';
import type { Paint } from './paint.js';
import { createPlainRenderer } from './plain.js';
import { buildListr, type RendererChoice } from './task-list-listr.js';
import { deferred, type TaskItem } from './task-list-model.js';
import type { TaskListState } from './task-list-state.js';

/** How often running titles (elapsed time) and output lines are redrawn: each redraw repaints the list. */
const TICK_MS = 250;

/** The screen of one run's task list. */
export class TaskListScreen {
  /** Resolves once listr2 has been started, or it is known there is no list. */
  readonly listStarted = deferred<void>();
  /** Resolves once the list has been drawn for the last time and the summary printed. */
  ended: Promise<void> = Promise.resolve();
  /** The run's expected duration (from run.started), for the summary. */
  expectedMs = 0;
  /** How the run ended, once told: its summary is the last thing printed. */
  finished: EventOf<'run.finished'> | undefined;
  /** Resolves once the run is over (run.finished, or the view closed without it): the list ends no earlier. */
  private readonly runOver = deferred<void>();
  /** listr2 is drawing: lines that are not tasks wait in `notes` until it is done. */
  private listActive = false;
  private readonly notes: string[] = [];
  private written = 0;
  private readonly plainLine: (e: EngineEvent) => void;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    readonly paint: Paint,
    private readonly run: RunRef,
    private readonly renderer: RendererChoice,
    readonly now: () => number,
  ) {
    this.plainLine = createPlainRenderer((text) => this.out(text), paint, run);
  }

  /** True while listr2 draws the list (a question can then be drawn inside a task). */
  get active(): boolean {
    return this.listActive;
  }

  /** Print a line that is not a task: now, or after the list when it is on screen. */
  out(text: string): void {
    this.written++;
    if (this.listActive) this.notes.push(text);
    else this.stream.write(text);
  }

  /** Print an event as a line; the plain renderer stays quiet about some (a passing state), so say something then. */
  plain(e: EngineEvent): void {
    const before = this.written;
    this.plainLine(e);
    if (this.written === before) this.out(`${this.paint.yellow('!')} ${describe(e)}\n`);
  }

  /** Push an item's title and new output lines to its task. */
  refresh(item: TaskItem): void {
    item.refresh(this.now(), this.paint);
  }

  /** When an event happened, on this screen's clock when its time cannot be read. */
  at(e: { at: string }): number {
    return Number.isNaN(Date.parse(e.at)) ? this.now() : Date.parse(e.at);
  }

  /** Start drawing the list of `s`; `ended` resolves once it has been drawn for the last time. */
  show(s: TaskListState): void {
    let ticker: NodeJS.Timeout | undefined;
    let listDone: Promise<void> = Promise.resolve();
    // Deferred a turn so the warnings and decisions recorded right after run.started print above the list.
    setImmediate(() => {
      this.listActive = true;
      // Only running lines have an elapsed time to update: waiting ones would cost a title per tick each.
      ticker = setInterval(() => {
        for (const item of s.all()) if (item.status === 'running') this.refresh(item);
      }, TICK_MS);
      ticker.unref();
      const draw = { refresh: (item: TaskItem) => this.refresh(item), title: (item: TaskItem) => item.title(this.now(), this.paint) };
      listDone = buildListr(s.layout, this.stream, this.renderer, draw, this.runOver.promise)
        .run()
        .then(
          () => undefined,
          () => undefined,
        );
      this.listStarted.resolve();
    });
    this.ended = this.listStarted.promise
      .then(() => listDone)
      .then(() => {
        clearInterval(ticker);
        this.listActive = false;
        this.printEnd();
      });
  }

  /** The run is over: the list ends once it has drawn every line as it now reads. */
  endRun(): void {
    this.runOver.resolve();
  }

  /** There is no list to draw (a dry run): nothing waits for one. */
  noList(): void {
    this.listStarted.resolve();
  }

  /** Print the lines kept aside while the list was drawn, then the summary once the run has ended. */
  printEnd(): void {
    if (this.notes.length > 0) this.stream.write(`\n${this.notes.splice(0).join('')}`);
    if (this.finished) this.stream.write(`\n${this.summary(this.finished)}\n`);
  }

  private summary(e: EventOf<'run.finished'>): string {
    const { paint, expectedMs, run } = this;
    const mark = e.exitCode === 0 ? paint.green('✔') : paint.red('✖');
    const over = expectedMs > 0 && e.durationMs > expectedMs;
    const time = `${formatDuration(e.durationMs)}${expectedMs > 0 ? ` (expected ${formatDuration(expectedMs)})` : ''}`;
    const head = `${mark} ${paint.bold(e.outcome)} in ${over ? paint.yellow(time) : time} — run ${run.runId}, exit ${e.exitCode}`;
    return [head, ...e.issues.map((i) => `  ${paint.yellow('!')} ${i}`), ...nextCommands(e.outcome, run).map((c) => `  ${c}`)].join('\n');
  }
}

/** A short description of an event the list could not place. */
function describe(e: EngineEvent): string {
  const id = 'stepId' in e ? e.stepId : 'checkId' in e ? e.checkId : 'verifyId' in e ? e.verifyId : undefined;
  const what = 'state' in e ? e.state : 'status' in e ? e.status : undefined;
  return `${e.kind}${id === undefined ? '' : ` ${id}`}${what === undefined ? '' : `: ${what}`}`;
}
