/**
 * The live task list for a terminal: one line per
 * check, step, smoke test and rollback, with owner, elapsed / expected time,
 * attempts and the last lines of output, then the summary once the list has
 * ended. The engine's events drive every line: listr2 only draws them, and an
 * event the list cannot place is printed as a plain line instead (never an
 * error). Questions are drawn inside the task they are about.
 */
import { dispatch, type EngineEvent } from '../engine/events.js';
import type { Prompter } from '../engine/ports.js';
import type { Plan } from '../runbook/plan.js';
import type { RunRef } from '../views/next-steps.js';
import { paintFor } from './paint.js';
import { endList, taskListHandlers, type ViewState } from './task-list-events.js';
import type { RendererChoice } from './task-list-listr.js';
import type { TaskHandle } from './task-list-model.js';
import { TaskListScreen } from './task-list-screen.js';
import { WAITING_FOR_ANSWER } from './task-list-state.js';
import { createTerminalPrompter } from './terminal-prompter.js';

/** The task list of one run: feed it every event, ask through its prompter, close it when the engine returns. */
export interface TaskListView {
  render(event: EngineEvent): void;
  /** Asks inside the running task (interactive: true); refuses when stdin is not a terminal. */
  prompter: Prompter;
  /** Resolves once the list has been drawn for the last time and the summary printed. */
  close(): Promise<void>;
}

/** Options of the task list. */
export interface TaskListOptions {
  /** Where to draw (default process.stdout). */
  stream?: NodeJS.WriteStream;
  /** Force a listr2 renderer (tests); default: `default` on a terminal, `simple` otherwise. */
  renderer?: RendererChoice;
  /** Check and step ids an earlier run finished (resume): shown as already done from the start. */
  alreadyDone?: Iterable<string>;
  /** Ctrl-C at a prompt (default: SIGINT to this process, which the session records). */
  onInterrupt?: () => void | Promise<void>;
  /** Standard input as the prompter checks it (default process.stdin). */
  input?: { isTTY?: boolean };
  /** The run's stop signal (`interruption.controller.signal`): withdraws an open question when the run is stopped. */
  signal?: AbortSignal;
  /** The clock for elapsed times (tests). */
  now?: () => number;
}

/** How long a question waits for listr2 to reach its task before it is asked directly. */
const HOST_WAIT_MS = 2000;

/** Build the task list for `plan`. Nothing is drawn until `run.started`. */
export function createTaskListView(plan: Plan, run: RunRef, options: TaskListOptions = {}): TaskListView {
  const stream = options.stream ?? process.stdout;
  const renderer: RendererChoice = options.renderer ?? (stream.isTTY ? 'default' : 'simple');
  const screen = new TaskListScreen(stream, paintFor(stream), run, renderer, options.now ?? Date.now);
  const view: ViewState = { plan, alreadyDone: new Set(options.alreadyDone ?? []), screen, rollbackReason: '', interrupted: false };
  const handlers = taskListHandlers(view);
  return {
    render(event: EngineEvent) {
      try {
        dispatch(handlers, event);
      } catch (error) {
        // The view must never stop a run: an event it cannot draw becomes a plain line.
        screen.out(`golive: could not draw ${event.kind}: ${(error as Error).message}\n`);
      }
    },
    prompter: createTerminalPrompter({ host: () => promptHost(view), onInterrupt: options.onInterrupt, input: options.input, signal: options.signal }),
    async close() {
      if (view.items && !screen.finished) endList(view, view.items, 'not run (the run ended early)', screen.now());
      await screen.ended;
    },
  };
}

/** The running task a question is drawn in; undefined asks directly (no list on screen). */
async function promptHost(view: ViewState): Promise<TaskHandle | undefined> {
  const { screen } = view;
  const s = view.items;
  if (!s) return undefined;
  await screen.listStarted.promise;
  const item = screen.active ? s.promptItem() : undefined;
  if (!item) return undefined;
  s.reach(item, screen.now());
  if (item.status === 'waiting') {
    item.start(screen.now());
    item.note = WAITING_FOR_ANSWER;
  }
  screen.refresh(item);
  await Promise.race([item.attached.promise, new Promise((resolve) => setTimeout(resolve, HOST_WAIT_MS).unref())]);
  return item.task;
}
