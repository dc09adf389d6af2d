/**
 * listr2's default renderer, adapted to golive's live view: it draws to the
 * view's own stream, at most once per frame, and a frame shows what fits on
 * screen rather than the whole runbook (runs of finished or waiting chunks of
 * steps fold into one line while the run is live; the list printed at the end
 * shows every chunk).
 */
import { DefaultRenderer, ListrDefaultRendererLogLevels, type ListrTask } from 'listr2';
import { createFrameWriter, type FrameWriter, knownWidth, type Wrap } from './frame-writer.js';

/**
 * At most one redraw per frame: listr2 redraws the whole list on every
 * title, state or output change. The spinner turns at this rate too.
 */
const FRAME_MS = 100;
/** Formatted lines kept between frames; beyond this many the cache starts over (titles with elapsed times keep changing). */
const FORMAT_CACHE_LINES = 1000;

/** The steps a chunk task stands for (1-based, inclusive) out of how many stages. */
interface ChunkRange {
  from: number;
  to: number;
  of: number;
}

/** Chunk task definitions and their ranges, so a frame can fold neighbouring chunks into one line. */
const chunkRanges = new WeakMap<ListrTask, ChunkRange>();

/** Declare `task` a chunk of steps `from`–`to` of `of` (see task-list-listr.ts). */
export function markChunk(task: ListrTask, range: ChunkRange): ListrTask {
  chunkRanges.set(task, range);
  return task;
}

/** The parts of a listr2 task the renderer reads (listr2 does not export the type it hands renderers). */
interface Node {
  id: string;
  task: ListrTask;
  subtasks?: Node[];
  isPrompt(): boolean;
  isStarted(): boolean;
  isCompleted(): boolean;
  hasFinalized(): boolean;
  hasFailed(): boolean;
  hasRolledBack(): boolean;
  isPending(): boolean;
}

/** The private members of DefaultRenderer this class builds on (listr2 9.0.5, pinned). */
interface Internals {
  tasks: Node[];
  cache: { rendererOptions: Map<string, unknown> };
  logger: { icon(level: ListrDefaultRendererLogLevels): string; process: { stdout: { write(text: string): unknown; columns?: number; rows?: number } } };
  renderer(tasks: Node[], level?: number): string[];
  updater: FrameWriter;
  wrap: Wrap;
  truncate: (text: string, columns: number, options?: object) => string;
}

/** How a chunk reads on screen when it is one line: only these fold with their neighbours. */
function foldKind(chunk: Node): 'done' | 'waiting' | undefined {
  if (!chunk.isStarted() && !chunk.hasFinalized() && !chunk.isPrompt()) return 'waiting';
  const expanded = chunk.subtasks?.some((s) => s.hasFailed() || s.hasRolledBack()) ?? false;
  return chunk.isCompleted() && !expanded ? 'done' : undefined;
}

/**
 * listr2 picks its renderer from `process.stdout.isTTY` only. The view
 * decides from its own stream instead, so the default renderer is declared
 * usable anywhere (`nonTTY`). Redraws are throttled to a frame rate: a burst
 * of events (fast steps) costs one redraw, not one each.
 */
export class StreamDefaultRenderer extends DefaultRenderer {
  static override nonTTY = true;
  private lastDrawn = 0;
  private scheduled: NodeJS.Timeout | undefined;
  /** False once the list has ended: the list printed last shows every chunk. */
  private live = true;
  /** Lines as listr2 formatted them (icon, indentation, truncation to the width), by what they say. */
  private readonly formatted = new Map<string, string[]>();

  constructor(...args: ConstructorParameters<typeof DefaultRenderer>) {
    super(...args);
    // listr2 renders each level of tasks through this private method (recursively): a chunked level is folded first.
    const internals = this as unknown as Internals;
    const renderLevel = internals.renderer.bind(this);
    internals.renderer = (tasks, level = 0) =>
      this.live && tasks.some((t) => chunkRanges.has(t.task)) ? this.foldChunks(tasks, level, renderLevel) : renderLevel(tasks, level);
  }

  /**
   * listr2 starts drawing with log-update and truncates every line with
   * cli-truncate; the frame writer draws the same frames, and a line whose
   * width is known without measuring it (see frame-writer.ts) is not
   * measured again to learn that it fits.
   */
  override async render(): Promise<void> {
    await super.render();
    const internals = this as unknown as Internals;
    internals.updater = createFrameWriter(internals.logger.process.stdout, internals.wrap);
    const truncate = internals.truncate;
    internals.truncate = (text, columns, options) => {
      const width = knownWidth(text);
      return width !== undefined && columns >= 1 && width <= columns ? text : truncate(text, columns, options);
    };
  }

  override update(): void {
    if (this.mustDrawNow()) return this.draw();
    if (this.scheduled) return;
    const wait = this.lastDrawn + FRAME_MS - Date.now();
    if (wait <= 0) return this.draw();
    this.scheduled = setTimeout(() => this.draw(), wait);
  }

  override end(): void {
    clearTimeout(this.scheduled);
    this.scheduled = undefined;
    this.live = false;
    super.end();
  }

  /**
   * Draw at once when a task is asking, or has started and was never drawn:
   * listr2 starts listening for a task's output and its prompt in the redraw
   * that first sees it, so a throttled redraw would lose what it sent first.
   */
  private mustDrawNow(): boolean {
    const { tasks, cache } = this as unknown as Internals;
    const urgent = (list: Node[]): boolean =>
      list.some((t) => !t.hasFinalized() && (t.isPrompt() || (t.isStarted() && !cache.rendererOptions.has(t.id)) || urgent(t.subtasks ?? [])));
    return urgent(tasks);
  }

  /**
   * listr2 formats every line of every frame again (measuring its width and
   * truncating it costs more than the rest of a frame); most lines read as
   * they did in the last frame, so they are formatted once. The arrays are
   * only ever copied from, never changed.
   */
  protected override format(message: string, icon: string, level: number): string[] {
    const key = `${process.stdout.columns}\u0000${level}\u0000${icon}\u0000${message}`;
    let lines = this.formatted.get(key);
    if (lines === undefined) {
      if (this.formatted.size >= FORMAT_CACHE_LINES) this.formatted.clear();
      lines = super.format(message, icon, level);
      this.formatted.set(key, lines);
    }
    return lines;
  }

  private draw(): void {
    // An immediate draw replaces the one scheduled: a timer left running would start a second frame clock.
    clearTimeout(this.scheduled);
    this.scheduled = undefined;
    this.lastDrawn = Date.now();
    super.update();
  }

  /**
   * Neighbouring chunks that are each one line and read alike (passed, or
   * not reached yet) become one line ("Steps 1–400 of 1000"), so a frame
   * holds the running chunk and a few lines around it at any runbook length.
   */
  private foldChunks(tasks: Node[], level: number, renderLevel: Internals['renderer']): string[] {
    const { logger } = this as unknown as Internals;
    const lines: string[] = [];
    let run: Node[] = [];
    const flush = () => {
      if (run.length === 0) return;
      const first = chunkRanges.get(run[0].task);
      const last = chunkRanges.get(run[run.length - 1].task);
      if (run.length === 1 || !first || !last) lines.push(...renderLevel(run, level));
      else {
        const icon = logger.icon(foldKind(run[0]) === 'done' ? ListrDefaultRendererLogLevels.COMPLETED : ListrDefaultRendererLogLevels.WAITING);
        lines.push(...this.format(`Steps ${first.from}–${last.to} of ${first.of}`, icon, level));
      }
      run = [];
    };
    for (const task of tasks) {
      const kind = chunkRanges.has(task.task) ? foldKind(task) : undefined;
      if (kind === undefined || (run.length > 0 && foldKind(run[0]) !== kind)) flush();
      if (kind === undefined) lines.push(...renderLevel([task], level));
      else run.push(task);
    }
    flush();
    return lines;
  }
}
