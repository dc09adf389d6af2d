/**
 * Everything around an engine run that is not the engine: the journal, the
 * lock, the heartbeat, signal handling and the renderer. Used by run,
 * rollback, resume and rehearse, so they behave the same on deployment day.
 */
import { execFileSync } from 'node:child_process';
import { hostname, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { defaultDbPath } from '../audit/database.js';
import { AuditStore, HEARTBEAT_INTERVAL_MS } from '../audit/store.js';
import { newRunId } from '../audit/ids.js';
import type { RunRecord } from '../audit/types.js';
import { Interruption } from '../engine/context.js';
import type { EngineEvent, RunMode, StopSignal } from '../engine/events.js';
import { noPrompter, systemClock, type EnginePorts, type EventSink, type Prompter } from '../engine/ports.js';
import { createProcessRunner, killAllProcessGroups } from '../process/runner.js';
import { createJsonRenderer } from '../render/json-lines.js';
import { paintFor } from '../render/paint.js';
import { createPlainRenderer } from '../render/plain.js';
import type { Plan } from '../runbook/plan.js';
import { canPrompt } from './gates.js';
import { notifierFor } from './notifications.js';
import { RunStopper } from './run-stop.js';

/** Flags every executing command shares. */
export interface SessionFlags {
  db?: string;
  operator?: string;
  json?: boolean;
}

/** An open run: journal, lock, renderer and signal handling in place. */
export interface Session {
  store: AuditStore;
  runId: string;
  operator: string;
  host: string;
  logDir: string;
  interruption: Interruption;
  sink: EventSink;
  /** Who answers questions: the terminal, or nobody (then the engine applies its non-interactive rules). */
  prompter: Prompter;
  /** The engine's ports for this session: the real process runner, the system clock, this prompter and sink. */
  ports: EnginePorts;
  /** This run's events so far, output lines excepted (for reports printed at the end). */
  events: readonly EngineEvent[];
  /** Wait (bounded) for webhook deliveries and the task list, then release the lock, stop the heartbeat and signal handling, close the journal. */
  close(): Promise<void>;
}

/** The operator's name: `--operator`, else the OS user. */
export function operatorName(flag?: string): string {
  if (flag) return flag;
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

/** The journal path for `--db` / GOLIVE_DB / the default. */
export function dbPathFor(flag?: string): string {
  return flag ? resolve(flag) : defaultDbPath(process.cwd());
}

/** `--db <path>` for advice lines, when the journal is not the default one. */
export function dbFlagFor(flag?: string): string {
  return flag ? `--db ${flag}` : '';
}

/** Open the journal, take the lock, record the run, and wire signals and rendering. */
/** What else a session may carry: the run it continues, warnings to record, whether it takes the deployment lock. */
export interface SessionExtras {
  parent?: RunRecord;
  warnings?: string[];
  /** Default true; the checklist alone (`golive check`) changes nothing and does not lock. */
  lock?: boolean;
  /** Secret values, for webhook URLs that come from secrets. */
  secrets?: Record<string, string>;
  /** Check and step ids an earlier run finished (resume): the task list shows them done. */
  alreadyDone?: string[];
}

export async function openSession(plan: Plan, mode: RunMode, flags: SessionFlags, extras: SessionExtras = {}): Promise<Session> {
  const { parent, lock = true } = extras;
  let warnings = extras.warnings ?? [];
  const dbPath = dbPathFor(flags.db);
  const store = AuditStore.open(dbPath);
  const runId = newRunId();
  const operator = operatorName(flags.operator);
  const host = hostname();
  const environment = plan.environment ?? null;
  let lockTaken = false;
  try {
    const { takenOver } = lock ? store.acquireLock(plan.runbook.name, environment, { runId, pid: process.pid, host, operator }) : { takenOver: undefined };
    lockTaken = lock;
    store.createRun({
      id: runId, parentRunId: parent?.id ?? null, rootRunId: parent?.rootRunId, mode,
      runbookName: plan.runbook.name, runbookVersion: plan.runbook.version ?? null, runbookPath: plan.source.absolutePath,
      runbookText: plan.source.text, runbookSha256: plan.source.sha256, environment, operator, host, pid: process.pid,
      gitCommit: gitCommitOf(plan.source.dir), changeId: plan.change ?? null,
    });
    const interruption = new Interruption();
    const output = await outputFor(plan, mode, flags, runId, interruption, extras.alreadyDone ?? []);
    if (takenOver) warnings = [...warnings, `took over a stale lock of run ${takenOver.runId} (pid ${takenOver.pid} on ${takenOver.host}, ${takenOver.operator}, last heartbeat ${takenOver.heartbeatAt})`];
    const pending: EngineEvent[] = warnings.map((message) => ({ kind: 'warning', at: new Date().toISOString(), message }));
    const seen: EngineEvent[] = [];
    let ended = false;
    const notifier = notifierFor({
      plan, runId, mode, secrets: extras.secrets ?? {}, events: seen,
      priorEvents: parent && plan.notify.length > 0 ? store.eventsOf(store.chainOf(parent.rootRunId).map((r) => r.id)).map((e) => e.event) : [],
      // Nothing may follow run.finished in the journal or the --json stream: a late problem goes to stderr.
      warn: (message) => (ended ? process.stderr.write(`golive: warning: ${message}\n`) : record({ kind: 'warning', at: new Date().toISOString(), message })),
    });
    const stopper = new RunStopper({ runId, dbPath, dbFlag: dbFlagFor(flags.db) });
    const record = (event: EngineEvent): void => {
      stopper.record(event, () => store.appendEvent(runId, event)); // the journal first: a webhook never hears of an unrecorded event
      output.render(event);
      if (event.kind !== 'step.output') seen.push(event);
      notifier?.handle(event);
      if (event.kind === 'run.finished') ended = true;
    };
    const sink: EventSink = (event) => {
      record(event);
      // Warnings (lock takeover, runbook drift) are recorded right after run.started, so the run's first event stays run.started.
      if (event.kind === 'run.started') pending.splice(0).forEach((warning) => record({ ...warning, at: new Date().toISOString() }));
    };
    const heartbeat = setInterval(() => {
      try { store.heartbeat(runId); } catch { /* a missed heartbeat only makes the lock look older */ }
    }, HEARTBEAT_INTERVAL_MS);
    heartbeat.unref();
    const stopListening = listenForStopSignals(interruption);
    return {
      store, runId, operator, host, interruption, sink, prompter: output.prompter, events: seen,
      ports: { runner: createProcessRunner({ onLogFailure: (path, error) => stopper.logFailed(path, error) }), clock: systemClock, prompter: output.prompter, sink },
      logDir: join(dirname(dbPath), 'logs', runId),
      async close() {
        try {
          await notifier?.close();
          await output.close();
        } finally {
          clearInterval(heartbeat);
          stopListening();
          killAllProcessGroups('SIGKILL');
          try {
            if (lock) store.releaseLock(plan.runbook.name, environment, runId);
          } catch (error) {
            // Never instead of the real outcome: a lock left behind by an ended process is taken over by the next run.
            if (!stopper.stopped) process.stderr.write(`golive: warning: ${(error as Error).message}; the next run takes the lock over once this process has ended\n`);
          } finally {
            store.close();
          }
        }
      },
    };
  } catch (error) {
    if (lockTaken) store.releaseLock(plan.runbook.name, environment, runId);
    store.close();
    throw error;
  }
}

/**
 * SIGINT, SIGTERM and SIGHUP stop the run gracefully; a second one forces it.
 * SIGHUP too: a dropped SSH session must stop the run the same careful way,
 * not kill golive and orphan the step. Returns the unsubscribe function.
 */
function listenForStopSignals(interruption: Interruption): () => void {
  const onSignal = (signal: StopSignal) => {
    const first = !interruption.requested;
    interruption.request(signal);
    process.stderr.write(first
      ? `\ngolive: ${signal} received: stopping (running steps get SIGTERM, then SIGKILL after a grace period). Press Ctrl-C again to kill them now.\n`
      : `\ngolive: ${signal} again: killing running steps now; they will be recorded as in doubt.\n`);
  };
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((signal) => [signal, () => onSignal(signal)] as const);
  for (const [signal, handler] of handlers) process.on(signal, handler);
  return () => { for (const [signal, handler] of handlers) process.off(signal, handler); };
}

/** How the run is shown and who answers questions: the live task list in a terminal, else plain or JSON lines and no prompts. */
async function outputFor(plan: Plan, mode: RunMode, flags: SessionFlags, runId: string, interruption: Interruption, alreadyDone: string[]): Promise<{ render: (event: EngineEvent) => void; prompter: Prompter; close: () => Promise<void> }> {
  const write = (text: string) => { process.stdout.write(text); };
  const runRef = { runId, dbFlag: dbFlagFor(flags.db) };
  if (flags.json) return { render: createJsonRenderer(write, runId), prompter: noPrompter, close: async () => undefined };
  // A dry run executes nothing and asks nothing: its few events read best as plain lines under the plan.
  if (!canPrompt() || mode === 'dry-run') return { render: createPlainRenderer(write, paintFor(process.stdout), runRef), prompter: noPrompter, close: async () => undefined };
  // Loaded only here: listr2 and inquirer cost start-up time every other command would pay.
  const { createTaskListView } = await import('../render/task-list.js');
  const view = createTaskListView(plan, runRef, { signal: interruption.controller.signal, alreadyDone });
  return { render: view.render, prompter: view.prompter, close: () => view.close() };
}

/** The commit of the runbook's repository, when it is in one (recorded with the run). */
function gitCommitOf(dir: string): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000 }).toString().trim() || null;
  } catch {
    return null;
  }
}
