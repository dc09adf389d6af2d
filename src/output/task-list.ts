/**
 * The live task list for a terminal: one line per
 * check, step, smoke test and rollback, with owner, elapsed / expected time,
 * attempts and the last lines of output, then the summary once the list has
 * ended. The engine's events drive every line: listr2 only draws them, and an
 * event the list cannot place is printed as a plain line instead (never an
 * error). Questions are drawn inside the task they are about.
 */
import { restoreCheckText, rollbackSummary } from './rollback-text.js';
import { dispatch, type EngineEvent, type EventHandlers, type EventOf } from '../engine/events.js';
import type { Prompter } from '../engine/ports.js';
import { formatDuration } from '../runbook/duration.js';
import type { Plan } from '../runbook/plan.js';
import { nextCommands, type RunRef } from '../views/next-steps.js';
import { paintFor } from './paint.js';
import { createPlainRenderer } from './plain.js';
import { buildListr, type RendererChoice } from './task-list-listr.js';
import { deferred, type TaskHandle, type TaskItem } from './task-list-model.js';
import { TaskListState, WAITING_FOR_ANSWER } from './task-list-state.js';
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

/** How often running titles (elapsed time) and output lines are redrawn: each redraw repaints the list. */
const TICK_MS = 250;
/** How long a question waits for listr2 to reach its task before it is asked directly. */
const HOST_WAIT_MS = 2000;

/** Build the task list for `plan`. Nothing is drawn until `run.started`. */
export function createTaskListView(plan: Plan, run: RunRef, options: TaskListOptions = {}): TaskListView {
  const stream = options.stream ?? process.stdout;
  const paint = paintFor(stream);
  const now = options.now ?? Date.now;
  const renderer: RendererChoice = options.renderer ?? (stream.isTTY ? 'default' : 'simple');
  const alreadyDone = new Set(options.alreadyDone ?? []);
  let state: TaskListState | undefined;
  let expectedMs = 0;
  let rollbackReason = '';
  let interrupted = false;
  let finished: EventOf<'run.finished'> | undefined;
  let listActive = false;
  let ended: Promise<void> = Promise.resolve();
  const listStarted = deferred<void>();
  // Lines that are not tasks: printed directly before and after the list, kept for after it while it is drawn.
  const notes: string[] = [];
  let written = 0;
  const out = (text: string) => {
    written++;
    if (listActive) notes.push(text);
    else stream.write(text);
  };
  const plainLine = createPlainRenderer(out, paint, run);
  /** Print an event as a line; the plain renderer stays quiet about some (a passing state), so say something then. */
  const plain = (e: EngineEvent) => {
    const before = written;
    plainLine(e);
    if (written === before) out(`${paint.yellow('!')} ${describe(e)}\n`);
  };
  const refresh = (item: TaskItem) => item.refresh(now(), paint);
  const at = (e: { at: string }) => (Number.isNaN(Date.parse(e.at)) ? now() : Date.parse(e.at));

  function startList(s: TaskListState): void {
    let ticker: NodeJS.Timeout | undefined;
    let listDone: Promise<void> = Promise.resolve();
    // Deferred a turn so the warnings and decisions recorded right after run.started print above the list.
    setImmediate(() => {
      listActive = true;
      // Only running lines have an elapsed time to update: waiting ones would cost a title per tick each.
      ticker = setInterval(() => s.all().forEach((item) => { if (item.status === 'running') refresh(item); }), TICK_MS);
      ticker.unref();
      listDone = buildListr(s.layout, stream, renderer, { refresh, title: (item) => item.title(now(), paint) }).run().then(() => undefined, () => undefined);
      listStarted.resolve();
    });
    ended = listStarted.promise.then(() => listDone).then(() => {
      clearInterval(ticker);
      listActive = false;
      printEnd();
    });
  }

  function printEnd(): void {
    if (notes.length > 0) stream.write(`\n${notes.splice(0).join('')}`);
    if (finished) stream.write(`\n${summary(finished)}\n`);
  }

  function summary(e: EventOf<'run.finished'>): string {
    const mark = e.exitCode === 0 ? paint.green('✔') : paint.red('✖');
    const over = expectedMs > 0 && e.durationMs > expectedMs;
    const time = `${formatDuration(e.durationMs)}${expectedMs > 0 ? ` (expected ${formatDuration(expectedMs)})` : ''}`;
    const head = `${mark} ${paint.bold(e.outcome)} in ${over ? paint.yellow(time) : time} — run ${run.runId}, exit ${e.exitCode}`;
    return [head, ...e.issues.map((i) => `  ${paint.yellow('!')} ${i}`), ...nextCommands(e.outcome, run).map((c) => `  ${c}`)].join('\n');
  }

  /** Close everything still open: the run is over (or the engine stopped without saying so). */
  function endList(s: TaskListState, note: string, time: number): void {
    const unfinished = interrupted ? 'interrupted' : 'no end recorded';
    s.closeForward(time, () => true, note, unfinished);
    for (const item of s.openRollbackItems()) item.settle(item.status === 'waiting' ? 'skipped' : 'failed', time, item.status === 'waiting' ? 'not run' : unfinished);
    if (!s.rollbackOpened) s.layout.rollback?.opened.resolve(undefined);
    s.retitleGroupsNotRun();
  }

  const handlers: EventHandlers<void> = {
    'run.started': (e) => {
      plain(e);
      if (state) return;
      expectedMs = e.expectedMs;
      state = new TaskListState(plan, e.mode, alreadyDone);
      if (state.hasList) startList(state);
      else listStarted.resolve();
      // Without a list (a dry run), nothing waits to print the summary: run.finished does.
    },
    'check.finished': (e) => withItem(state?.byPhase('check', e.checkId), e, (item, s, t) => {
      s.reach(item, t);
      item.settle(e.passed ? 'passed' : 'failed', t, e.passed ? item.note : `failed${e.blocking ? '' : ' (non-blocking)'}: ${e.reason ?? 'failed'}`);
    }),
    decision: (e) => onDecision(e),
    'step.started': (e) => withItem(state?.byPhase(e.phase, e.stepId), e, (item, s, t) => {
      s.reach(item, t);
      const validating = e.phase === 'validate' || e.phase === 'rollback-validate';
      item.start(t, validating ? undefined : e.attempt, validating ? undefined : e.attempts);
      item.note = validating ? `validating${e.attempts > 1 ? ` (check ${e.attempt}/${e.attempts})` : ''}` : undefined;
    }),
    'step.spawned': () => undefined,
    'question.asked': () => undefined, // the prompt itself is on screen
    'step.output': (e) => {
      const item = state?.byPhase(e.phase, e.stepId);
      if (item) item.addOutput(e.text);
      else plain(e);
    },
    'step.finished': (e) => withItem(state?.byPhase(e.phase, e.stepId), e, (item, _s, t) => {
      const why = e.message ?? e.status;
      if (e.phase === 'rollback-verify') item.settle(e.status === 'passed' ? 'passed' : 'failed', t, e.status === 'passed' ? undefined : why);
      else if (e.status !== 'passed') item.note = `${e.phase.endsWith('validate') ? 'validation: ' : item.attempts > 1 ? `attempt ${e.attempt}: ` : ''}${why}`;
    }),
    'step.retrying': (e) => withItem(state?.byPhase(e.phase, e.stepId), e, (item) => {
      item.note = `${item.note ? `${item.note} — ` : ''}retrying in ${formatDuration(e.delayMs)}`;
    }),
    'step.state': (e) => {
      const rollbackState = e.state === 'rolled-back' || e.state === 'rollback-failed' || e.state === 'no-rollback';
      // no-rollback repeats what rollback.started already showed: not worth a line.
      withItem(rollbackState ? state?.rollbackOf(e.stepId) : state?.step(e.stepId), e, (item, s, t) => {
        if (!rollbackState) s.reach(item, t);
        switch (e.state) {
          case 'succeeded':
            // A confirmed step keeps "approved by …"; any other note (validating, an earlier attempt's failure) is over.
            if (e.reason !== 'confirmed') item.note = e.reason;
            return item.settle('passed', t);
          case 'failed': return item.fail(t, `failed: ${e.reason ?? 'failed'}`);
          case 'skipped': return item.settle('skipped', t, `skipped: ${e.reason ?? 'no reason given'}`);
          case 'in-doubt': return item.settle('failed', t, `in doubt: ${e.reason ?? 'its end is unknown'}`);
          case 'rolled-back': return item.settle('passed', t, 'rolled back');
          case 'rollback-failed': return item.settle('failed', t, `rollback failed: ${e.reason ?? 'failed'}`);
          case 'no-rollback': return item.settle('skipped', t, e.reason ?? 'no rollback defined');
        }
      }, e.state === 'no-rollback');
    },
    'verify.finished': (e) => withItem(state?.smokeTest(e.verifyId), e, (item, s, t) => {
      s.reach(item, t);
      if (e.passed) {
        item.note = undefined;
        item.settle('passed', t);
      } else if (e.severity === 'minor') item.settle('failed', t, `failed (minor, recorded as an issue): ${e.reason ?? 'failed'}`);
      else item.fail(t, `failed (${e.severity}): ${e.reason ?? 'failed'}`);
    }),
    'rollback.started': (e) => {
      const items = state?.openRollback(e.order, e.withoutRollback, at(e));
      if (!state || !items) return plain(e);
      rollbackReason = e.reason;
      state.retitleGroupsNotRun();
      state.layout.rollback?.group.setTitle(`Rolling back — ${e.reason}`);
      state.layout.rollback?.opened.resolve(items);
    },
    'rollback.finished': (e) => {
      if (!state?.rollbackOpened) return plain(e);
      for (const item of state.openRollbackItems()) item.settle(item.status === 'waiting' ? 'skipped' : 'failed', at(e), item.status === 'waiting' ? 'not run' : 'no end recorded');
      const summary = !e.complete ? `Rollback incomplete${e.failed.length ? ` (failed: ${e.failed.join(', ')})` : ''}`
        : e.unrestorable?.length ? rollbackSummary(e).replace(/^./, (c) => c.toUpperCase()) : `Rolled back${restoreCheckText(e)}`;
      state.layout.rollback?.group.setTitle(`${summary} — ${rollbackReason}`);
    },
    'run.interrupted': (e) => {
      interrupted = true;
      plain(e);
    },
    'run.finished': (e) => {
      if (!state || finished) return plain(e);
      finished = e;
      const ok = e.outcome === 'succeeded' || e.outcome === 'succeeded-with-issues';
      endList(state, ok ? 'not run' : `not run (${e.outcome})`, at(e));
      if (!state.hasList) printEnd();
    },
    warning: (e) => {
      const item = e.stepId ? state?.openItem(e.stepId) : undefined;
      item?.addOutput(`! ${e.message}`);
      plain(e);
    },
  };

  /**
   * Apply `change` to the event's item, or print the event when the list has
   * no such item, or the item has ended already (unless that is expected: `quietWhenEnded`).
   */
  function withItem<E extends EngineEvent>(item: TaskItem | undefined, e: E, change: (item: TaskItem, s: TaskListState, at: number) => void, quietWhenEnded = false): void {
    if (!item || !state) return plain(e);
    if (!item.open) return quietWhenEnded ? undefined : plain(e);
    change(item, state, at(e));
    refresh(item);
  }

  function onDecision(e: EventOf<'decision'>): void {
    const s = state;
    const t = at(e);
    const by = e.via === 'prompt' ? ` by ${e.by}` : e.via === 'flag' ? ' (command line)' : '';
    if (!s) return plain(e);
    switch (e.subject) {
      case 'go-no-go':
        if (!s.layout.checks) return plain(e);
        return s.layout.checks.group.setTitle(`Pre-deployment checks: ${e.choice}`);
      case 'confirm':
        return withItem(e.subjectId ? s.confirmed(e.subjectId) : undefined, e, (item) => {
          item.note = e.choice === 'approved' || e.choice === 'declined' ? `${e.choice}${by}` : `${e.choice}: ${e.reason ?? ''}`;
        }, true);
      case 'guided-failure': {
        // A parallel group's failed members are decided together (the engine retries or leaves them all).
        // subjectId names every failed member ("web,api").
        const awaiting = s.forward.filter((i) => i.awaitingDecision);
        const named = (e.subjectId ?? '').split(',').map((id) => s.step(id)).filter((i) => i !== undefined);
        if (named.length === 0 && awaiting.length === 0) return plain(e);
        // After "skip" the steps already ended as skipped: nothing left to show.
        const targets = awaiting.length > 0 ? awaiting : named.filter((i) => i.open);
        const what: Record<string, string> = { retry: 'retrying', continue: 'continuing anyway', abort: 'run aborted', rollback: 'rolling back' };
        for (const target of targets) {
          if (e.choice === 'retry') { target.awaitingDecision = false; target.note = `${target.note ?? 'failed'} — retrying${by}`; }
          else target.settle('failed', t, `${target.note ?? 'failed'} — ${what[e.choice] ?? e.choice}${by}`);
          refresh(target);
        }
        return;
      }
      case 'smoke-test':
        return withItem(e.subjectId ? s.smokeTest(e.subjectId) : undefined, e, (item) => {
          item.settle('failed', t, `${item.note ?? 'failed'} — ${e.choice === 'accept' ? 'accepted as an issue' : e.choice === 'rollback' ? 'rolling back' : e.choice}${by}`);
        }, true);
      case 'in-doubt':
        return withItem(e.subjectId ? s.step(e.subjectId) : undefined, e, (item) => {
          if (e.choice === 'stop') item.settle('failed', t, `in doubt, stopped: ${e.reason ?? ''}`);
          else item.note = e.choice === 'done' ? 'in doubt: its validation passed' : `in doubt: running it again${by}`;
        }, true);
      default:
        return plain(e);
    }
  }

  /** The running task a question is drawn in; undefined asks directly (no list on screen). */
  async function promptHost(): Promise<TaskHandle | undefined> {
    if (!state) return undefined;
    await listStarted.promise;
    const item = listActive ? state.promptItem() : undefined;
    if (!item) return undefined;
    state.reach(item, now());
    if (item.status === 'waiting') {
      item.start(now());
      item.note = WAITING_FOR_ANSWER;
    }
    refresh(item);
    await Promise.race([item.attached.promise, new Promise((resolve) => setTimeout(resolve, HOST_WAIT_MS).unref())]);
    return item.task;
  }

  return {
    render(event) {
      try {
        dispatch(handlers, event);
      } catch (error) {
        // The view must never stop a run: an event it cannot draw becomes a plain line.
        out(`golive: could not draw ${event.kind}: ${(error as Error).message}\n`);
      }
    },
    prompter: createTerminalPrompter({ host: promptHost, onInterrupt: options.onInterrupt, input: options.input, signal: options.signal }),
    async close() {
      if (state && !finished) endList(state, 'not run (the run ended early)', now());
      await ended;
    },
  };
}

/** A short description of an event the list could not place. */
function describe(e: EngineEvent): string {
  const id = 'stepId' in e ? e.stepId : 'checkId' in e ? e.checkId : 'verifyId' in e ? e.verifyId : undefined;
  const what = 'state' in e ? e.state : 'status' in e ? e.status : undefined;
  return `${e.kind}${id === undefined ? '' : ` ${id}`}${what === undefined ? '' : `: ${what}`}`;
}
