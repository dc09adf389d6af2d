/**
 * The listr2 side of the task list: groups and leaf tasks whose functions only
 * wait for their item to settle. listr2 never decides anything here: every
 * task ends the way the engine's events said, and a failed task never stops
 * the list (`exitOnError: false`).
 */
import { Listr, ListrLogger, type ListrTask, ProcessOutput, SimpleRenderer, TestRenderer } from 'listr2';
import { type Deferred, deferred, type TaskHandle, type TaskItem } from './task-list-model.js';
import { markChunk, StreamDefaultRenderer } from './task-list-renderer.js';

/** Which listr2 renderer draws the list. */
export type RendererChoice = 'default' | 'simple' | 'test';

/** A group line (checks, steps, a parallel group, smoke tests, rollback) whose title changes with the run. */
export class GroupLine {
  task?: TaskHandle;
  /** The title it was created with, before any outcome was added to it. */
  readonly base: string | undefined;

  constructor(public title: string | undefined) {
    this.base = title;
  }

  /** Retitle the group now if listr2 has reached it, else when it does. */
  setTitle(title: string): void {
    this.title = title;
    if (this.task) this.task.title = title;
  }
}

/** A step stage as shown: one step, or a parallel group of them. */
export type StageLine = { kind: 'step'; item: TaskItem } | { kind: 'parallel'; group: GroupLine; items: TaskItem[] };

/** Everything the list shows, in order. Groups left undefined are not shown. */
export interface ListLayout {
  checks?: { group: GroupLine; items: TaskItem[] };
  steps?: { group: GroupLine; stages: StageLine[] };
  verify?: { group: GroupLine; items: TaskItem[] };
  /**
   * The rollback phase: its group has no title (so it is invisible) until
   * `opened` resolves with its items. It resolves with undefined when the run
   * ended without a rollback.
   */
  rollback?: { group: GroupLine; opened: Deferred<TaskItem[] | undefined> };
}

/** How the list draws an item: its title as it reads now, and pushing title and output to its task. */
export interface Draw {
  title(item: TaskItem): string;
  refresh(item: TaskItem): void;
}

/** Build the listr2 list for a layout, drawing to `stream`; it ends once every line has settled and `runOver` has resolved. */
export function buildListr(layout: ListLayout, stream: NodeJS.WriteStream, renderer: RendererChoice, draw: Draw, runOver: Promise<void>): Listr {
  const tasks: ListrTask[] = [];
  if (layout.checks)
    tasks.push(
      group(
        layout.checks.group,
        layout.checks.items.map((item) => leaf(item, draw)),
        false,
      ),
    );
  if (layout.steps) {
    const stage = (s: StageLine) =>
      s.kind === 'step'
        ? leaf(s.item, draw)
        : group(
            s.group,
            s.items.map((item) => leaf(item, draw)),
            true,
          );
    const stages = layout.steps.stages;
    tasks.push(group(layout.steps.group, stages.length <= CHUNK_STAGES ? stages.map(stage) : chunks(stages, stage), false));
  }
  if (layout.verify)
    tasks.push(
      group(
        layout.verify.group,
        layout.verify.items.map((item) => leaf(item, draw)),
        false,
      ),
    );
  if (layout.rollback) tasks.push(rollbackGroup(layout.rollback, draw));
  // Last and untitled (never drawn): listr2 ends its list, and draws the last frame, as soon as its last task
  // settles. The events after that (the rollback's final title, run.finished and its summary) reach the view
  // only once the journal has taken them, which may be a while later: the list stays live until the run is over.
  tasks.push({ task: () => runOver });
  // listr2 writes through its logger's ProcessOutput: that is how the list reaches a stream other than process.stdout.
  const logger = new ListrLogger({ useIcons: true, toStderr: [], processOutput: new ProcessOutput(stream) });
  return new Listr(tasks, {
    concurrent: false,
    exitOnError: false,
    // Its own SIGINT handler would call process.exit(127) and leak the steps' process groups: the session handles signals.
    registerSignalListeners: false,
    renderer: rendererClass(renderer),
    rendererOptions: {
      logger,
      collapseSubtasks: false,
      collapseSkips: true,
      showSkipMessage: true,
      collapseErrors: true,
      showErrorMessage: true,
      // One line per task and per output row keeps the list readable on a narrow terminal.
      formatOutput: 'truncate',
      removeEmptyLines: true,
    },
    fallbackRenderer: SimpleRenderer,
    fallbackRendererOptions: { logger },
  });
}

/**
 * Above this many stages the steps are shown in chunks of this size: a
 * chunk not reached yet is one line, a finished one collapses to one line,
 * so a redraw costs what is on screen, not what the runbook holds.
 */
const CHUNK_STAGES = 20;

/** Stages as chunks of `CHUNK_STAGES`, each its own group ("Steps 21–40"). */
function chunks(stages: StageLine[], stage: (s: StageLine) => ListrTask): ListrTask[] {
  const out: ListrTask[] = [];
  for (let from = 0; from < stages.length; from += CHUNK_STAGES) {
    const part = stages.slice(from, from + CHUNK_STAGES);
    const items = part.flatMap((s) => (s.kind === 'step' ? [s.item] : s.items));
    const title = `Steps ${from + 1}–${from + part.length} of ${stages.length}`;
    out.push(
      markChunk(
        {
          title,
          task: (_ctx, task) => {
            // Reached after the run ended before it (an abort, a NO-GO): one line, not one redraw per step.
            if (items.every((item) => item.outcome === 'skipped')) return task.skip(`${title} — ${items[0].note ?? 'not run'}`);
            // Subtasks that ask to be collapsed: the chunk shows them while it runs, and only its title once it passed.
            return task.newListr(part.map(stage), { concurrent: false, exitOnError: false, rendererOptions: { collapseSubtasks: true } });
          },
        },
        { from: from + 1, to: from + part.length, of: stages.length },
      ),
    );
  }
  return out;
}

function rendererClass(choice: RendererChoice) {
  if (choice === 'simple') return SimpleRenderer;
  if (choice === 'test') return TestRenderer;
  return StreamDefaultRenderer;
}

function leaf(item: TaskItem, draw: Draw): ListrTask {
  return {
    title: draw.title(item),
    rendererOptions: { outputBar: 3, persistentOutput: false },
    task: async (_ctx, task) => {
      item.task = task;
      draw.refresh(item);
      item.attached.resolve();
      const outcome = await item.settled.promise;
      draw.refresh(item);
      if (outcome === 'skipped') task.skip(task.title);
      // A thrown error is listr2's only way to show ✖; with exitOnError false it stops nothing.
      if (outcome === 'failed') throw new Error(task.title);
    },
  };
}

function group(line: GroupLine, children: ListrTask[], concurrent: boolean): ListrTask {
  return {
    title: line.title,
    task: (_ctx, task) => {
      line.task = task;
      if (line.title !== undefined) task.title = line.title;
      return task.newListr(children, { concurrent, exitOnError: false });
    },
  };
}

function rollbackGroup(rollback: NonNullable<ListLayout['rollback']>, draw: Draw): ListrTask {
  return {
    task: async (_ctx, task) => {
      rollback.group.task = task;
      const items = await rollback.opened.promise;
      if (!items) return;
      if (rollback.group.title !== undefined) task.title = rollback.group.title;
      return task.newListr(
        items.map((item) => leaf(item, draw)),
        { concurrent: false, exitOnError: false },
      );
    },
  };
}

/** A rollback phase not opened yet. */
export function closedRollback(): { group: GroupLine; opened: Deferred<TaskItem[] | undefined> } {
  return { group: new GroupLine(undefined), opened: deferred<TaskItem[] | undefined>() };
}
