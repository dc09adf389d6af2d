/**
 * Everything around an engine run that is not the engine: the journal, the
 * locks (machine-wide, then the journal's), the heartbeat, signal handling
 * and the renderer. Used by run,
 * rollback, resume and rehearse, so they behave the same on deployment day.
 */
import { execFileSync } from 'node:child_process';
import { hostname, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { Interruption } from '../engine/context.js';
import type { EngineEvent, RunMode, StopSignal } from '../engine/events.js';
import { type EnginePorts, type EventSink, type Halts, noPrompter, type Prompter, systemClock } from '../engine/ports.js';
import { newRunId } from '../journal/ids.js';
import { dbPathFor, isServerLocation, journalFlagFor, journalForRunbook, printableLocation, projectOfRunbook } from '../journal/journal-path.js';
import { HEARTBEAT_INTERVAL_MS } from '../journal/liveness.js';
import { acquireMachineLock, type MachineLock } from '../journal/machine-lock.js';
import { openJournal } from '../journal/open.js';
import type { Journal } from '../journal/port.js';
import { spoolPathFor } from '../journal/spool.js';
import type { LockHolder, RunIdentity, RunRecord } from '../journal/types.js';
import { createJsonRenderer } from '../output/json-lines.js';
import { canRedraw, paintFor } from '../output/paint.js';
import { createPlainRenderer } from '../output/plain.js';
import { printable } from '../output/printable.js';
import { createProcessRunner, killAllProcessGroups } from '../process/runner.js';
import type { Plan } from '../runbook/plan.js';
import { nextCommands, type RunRef } from '../views/next-steps.js';
import { planFactsOf } from '../views/plan-facts.js';
import { journalInbox } from './approval-inbox.js';
import { KILL_GRACE_MS } from './engine-options.js';
import { canPrompt } from './gates.js';
import { JournalOutage, outageLimitFromEnvironment, refuseWhileSpooled } from './journal-outage.js';
import { notifierFor } from './notifications.js';
import { checkOrphansOf } from './orphans.js';
import { RunStopper } from './run-stop.js';
import { sshOptionsFromEnvironment } from './ssh-config.js';

/** Flags every executing command shares. */
export interface SessionFlags {
  db?: string;
  operator?: string;
  json?: boolean;
}

/** An open run: journal, lock, renderer and signal handling in place. */
export interface Session {
  store: Journal;
  runId: string;
  operator: string;
  /** Who the journal recorded as starting the run (OS user or database role). */
  identity: RunIdentity | null;
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
  /** Wait (bounded) for webhook deliveries and the task list, then release the journal lock, stop the heartbeat and signal handling, close the journal, and release the machine-wide lock last. */
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

/** `--db <path>` for advice lines, when the journal is not the default one. */
export function dbFlagFor(flag?: string): string {
  return flag ? `--db ${flag}` : '';
}

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

/**
 * Take the machine-wide deployment lock, open the journal, take its lock,
 * record the run, and wire signals and rendering. The journal is the
 * runbook's (see journal/journal-path.ts); a run that continues a past one
 * (rollback, resume) writes to the journal that run was read from.
 */
export async function openSession(plan: Plan, mode: RunMode, flags: SessionFlags, extras: SessionExtras = {}): Promise<Session> {
  const { parent, lock = true } = extras;
  let warnings = extras.warnings ?? [];
  const dbPath = parent ? dbPathFor(flags.db) : journalForRunbook(plan.source.absolutePath, { flag: flags.db, cwd: process.cwd(), env: process.env });
  const runId = newRunId();
  // `--db <path>` in advice lines only when the journal would not be found from here.
  const dbFlag = journalFlagFor(dbPath, { cwd: process.cwd(), env: process.env });
  const stopper = new RunStopper({ runId, dbPath: printableLocation(dbPath), dbFlag });
  // Before the journal is opened: a bad GOLIVE_LOG_MAX is a usage error before any run is recorded.
  // GOLIVE_SSH_CONFIG: the ssh_config remote commands use instead of the operator's own (ssh -F).
  const runner = createProcessRunner({ onLogFailure: (path, error) => stopper.logFailed(path, error), ssh: sshOptionsFromEnvironment(process.env) });
  const outageLimitMs = outageLimitFromEnvironment();
  const logRoot = logRootFor(dbPath, plan);
  const operator = operatorName(flags.operator);
  const host = hostname();
  const environment = plan.environment ?? null;
  // Before the journal's own lock, and released after it: no other journal on this machine may run this deployment meanwhile.
  const machineLock: MachineLock | undefined = lock
    ? acquireMachineLock({ runId, pid: process.pid, operator, host, journal: printableLocation(dbPath), runbook: plan.runbook.name, environment })
    : undefined;
  let store: Journal;
  try {
    store = await openJournal(dbPath);
  } catch (error) {
    machineLock?.release();
    throw error;
  }
  let lockTaken = false;
  try {
    let orphansChecked = '';
    if (parent) await refuseWhileSpooled(store, parent.rootRunId, logRoot, dbFlag);
    const refuseWhileOrphansRun = async (previous: LockHolder) => {
      orphansChecked = await checkOrphansOf(store, previous, host);
    };
    const { takenOver } = lock
      ? await store.acquireLock(plan.runbook.name, environment, { runId, pid: process.pid, host, operator }, refuseWhileOrphansRun)
      : { takenOver: undefined };
    lockTaken = lock;
    const created = await store.createRun({
      id: runId,
      parentRunId: parent?.id ?? null,
      rootRunId: parent?.rootRunId,
      mode,
      runbookName: plan.runbook.name,
      runbookVersion: plan.runbook.version ?? null,
      runbookPath: plan.source.absolutePath,
      runbookText: plan.source.text,
      runbookSha256: plan.source.sha256,
      environment,
      operator,
      host,
      pid: process.pid,
      gitCommit: gitCommitOf(plan.source.dir),
      changeId: plan.change ?? null,
      // What the read commands show of this plan, so reading the run later parses no YAML.
      planFacts: planFactsOf(plan),
    });
    const interruption = new Interruption();
    const haltListeners: Array<(cause: string) => void> = [];
    const halts: Halts = { onHalt: (listener) => haltListeners.push(listener) };
    const outage = new JournalOutage({
      store,
      runId,
      limitMs: outageLimitMs,
      spoolPath: spoolPathFor(logRoot, runId),
      clock: systemClock,
      tell: (line) => process.stderr.write(`golive: ${line}\n`),
      dbFlag,
      killRunning: (cause) => {
        // The engine stops its commands first, so each end names the cause rather than the signal.
        for (const listener of haltListeners) listener(cause);
        // SIGTERM now, SIGKILL after the grace period for whatever is left; each step's end is then spooled.
        killAllProcessGroups('SIGTERM');
        setTimeout(() => killAllProcessGroups('SIGKILL'), KILL_GRACE_MS).unref();
      },
    });
    const output = await outputFor(plan, mode, flags, { runId, dbFlag, mode }, interruption, extras.alreadyDone ?? []);
    if (takenOver)
      warnings = [
        ...warnings,
        `took over a stale lock of run ${takenOver.runId} (pid ${takenOver.pid} on ${takenOver.host}, ${takenOver.operator}, last heartbeat ${takenOver.heartbeatAt}); ${orphansChecked}`,
      ];
    const pending: EngineEvent[] = warnings.map((message) => ({ kind: 'warning', at: new Date().toISOString(), message }));
    const seen: EngineEvent[] = [];
    let ended = false;
    const notifier = notifierFor({
      plan,
      runId,
      mode,
      secrets: extras.secrets ?? {},
      events: seen,
      priorEvents: parent && plan.notify.length > 0 ? (await store.eventsOf((await store.chainOf(parent.rootRunId)).map((r) => r.id))).map((e) => e.event) : [],
      // Nothing may follow run.finished in the journal or the --json stream: a late problem goes to stderr.
      // A warning the journal cannot take is dropped: a webhook's trouble must not become the run's.
      warn: (message) =>
        ended
          ? process.stderr.write(`golive: warning: ${message}\n`)
          : record({ kind: 'warning', at: new Date().toISOString(), message })?.catch(() => undefined),
    });
    const deliver = (event: EngineEvent): void => {
      output.render(event);
      if (event.kind !== 'step.output') seen.push(event);
      notifier?.handle(event);
    };
    // The journal first: a webhook never hears of an unrecorded event. Output lines are not
    // journaled (they go to the step's log): they pass at once, in the order they came.
    const record = (event: EngineEvent): Promise<void> | undefined => {
      if (event.kind === 'step.output') {
        stopper.passed(event);
        deliver(event);
        return undefined;
      }
      // From here on a late warning goes to stderr: it must not follow run.finished in the journal.
      if (event.kind === 'run.finished') ended = true;
      return stopper.record(event, () => outage.record(event)).then(() => deliver(event));
    };
    const sink: EventSink = async (event) => {
      // The engine knows nothing of journals: the session says which one this run writes to.
      await record(event.kind === 'run.started' ? { ...event, journal: store.location } : event);
      // Warnings (lock takeover, runbook drift) are recorded right after run.started, so the run's first event stays run.started.
      if (event.kind === 'run.started') for (const warning of pending.splice(0)) await record({ ...warning, at: new Date().toISOString() });
    };
    const heartbeat = setInterval(() => {
      // A missed heartbeat only makes the lock look older; a server that is away starts the wait for it.
      store.heartbeat(runId).catch((error: unknown) => outage.heartbeatFailed(error));
    }, HEARTBEAT_INTERVAL_MS);
    heartbeat.unref();
    const stopListening = listenForStopSignals(interruption);
    return {
      store,
      runId,
      operator,
      host,
      interruption,
      sink,
      prompter: output.prompter,
      events: seen,
      identity: created.identity,
      ports: { runner, clock: systemClock, prompter: output.prompter, sink, approvals: journalInbox(store, runId), halts },
      logDir: join(logRoot, 'logs', runId),
      async close() {
        try {
          await notifier?.close();
          await output.close();
        } finally {
          clearInterval(heartbeat);
          stopListening();
          killAllProcessGroups('SIGKILL');
          // The reused ssh connections end with the run (a failure to close one is no reason to lose the outcome).
          await runner.closeConnections?.().catch(() => undefined);
          try {
            if (lock) await store.releaseLock(plan.runbook.name, environment, runId);
          } catch (error) {
            // Never instead of the real outcome: a lock left behind by an ended process is taken over by the next run.
            if (!stopper.stopped && !outage.stopped)
              process.stderr.write(`golive: warning: ${(error as Error).message}; the next run takes the lock over once this process has ended\n`);
          } finally {
            try {
              await store.close();
            } finally {
              machineLock?.release();
            }
          }
        }
      },
    };
  } catch (error) {
    try {
      if (lockTaken) await store.releaseLock(plan.runbook.name, environment, runId);
      await store.close();
    } finally {
      machineLock?.release();
    }
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
    process.stderr.write(
      first
        ? `\ngolive: ${signal} received: stopping (running steps get SIGTERM, then SIGKILL after a grace period). Press Ctrl-C again to kill them now.\n`
        : `\ngolive: ${signal} again: killing running steps now; they will be recorded as in doubt.\n`,
    );
  };
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((signal) => [signal, () => onSignal(signal)] as const);
  for (const [signal, handler] of handlers) process.on(signal, handler);
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}

/** How the run is shown and who answers questions: the live task list in a terminal, else plain or JSON lines and no prompts. */
async function outputFor(
  plan: Plan,
  mode: RunMode,
  flags: SessionFlags,
  runRef: RunRef,
  interruption: Interruption,
  alreadyDone: string[],
): Promise<{ render: (event: EngineEvent) => void; prompter: Prompter; close: () => Promise<void> }> {
  const write = (text: string) => {
    process.stdout.write(text);
  };
  if (flags.json) return { render: withOutcomeOnStderr(createJsonRenderer(write, runRef.runId), runRef), prompter: noPrompter, close: async () => undefined };
  // A dry run executes nothing and asks nothing: its few events read best as plain lines under the plan.
  // A terminal that cannot be redrawn (TERM=dumb, or one that reports no width) gets plain lines too.
  if (!canPrompt() || mode === 'dry-run' || !canRedraw(process.stdout)) {
    return {
      render: withOutcomeOnStderr(createPlainRenderer(write, paintFor(process.stdout), runRef), runRef),
      prompter: noPrompter,
      close: async () => undefined,
    };
  }
  // Loaded only here: listr2 and inquirer cost start-up time every other command would pay.
  const { createTaskListView } = await import('../output/task-list.js');
  const view = createTaskListView(plan, runRef, { signal: interruption.controller.signal, alreadyDone });
  return { render: view.render, prompter: view.prompter, close: () => view.close() };
}

/**
 * Data goes to stdout, and the operator must still see a failure when stdout
 * goes to a file (`golive run … > run.log`): the outcome of a run that needs
 * someone is also one line on stderr, unless both are the same terminal.
 */
function withOutcomeOnStderr(render: (event: EngineEvent) => void, runRef: RunRef): (event: EngineEvent) => void {
  const sameTerminal = process.stdout.isTTY === true && process.stderr.isTTY === true;
  return (event) => {
    render(event);
    if (event.kind !== 'run.finished' || event.exitCode === 0 || sameTerminal) return;
    const first = event.issues[0] ? `: ${printable(event.issues[0])}` : '';
    process.stderr.write(
      `golive: run ${runRef.runId} ended ${event.outcome} (exit ${event.exitCode})${first}\n${nextCommands(event.outcome, runRef)
        .map((line) => `  ${line}\n`)
        .join('')}`,
    );
  };
}

/**
 * Where a run's logs go: beside the journal file, or, for a journal on a
 * server, in the runbook's project (`.golive/` at its repository root),
 * where its journal file would be.
 */
function logRootFor(journal: string, plan: Plan): string {
  if (!isServerLocation(journal)) return dirname(journal);
  return join(projectOfRunbook(plan.source.absolutePath, process.cwd()), '.golive');
}

/** The commit of the runbook's repository, when it is in one (recorded with the run). */
function gitCommitOf(dir: string): string | null {
  try {
    return (
      execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000 })
        .toString()
        .trim() || null
    );
  } catch {
    return null;
  }
}
