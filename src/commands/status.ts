/**
 * `golive status [run-id]`: the status update template for a run, read from
 * the journal. Opens it read-only, so it works (and changes nothing) while
 * the run writes from another terminal; `--watch` re-reads it until the run ends.
 */

import { systemClock } from '../engine/ports.js';
import { ExitCode, JournalUnreachableError, UsageError } from '../errors.js';
import { dbPathFor, printableLocation } from '../journal/journal-path.js';
import type { Journal } from '../journal/port.js';
import type { RunRecord } from '../journal/types.js';
import { canRedraw, paintFor } from '../output/paint.js';
import { formatStatus, formatUnreachable, statusAsJson } from '../output/status-text.js';
import { MAX_DURATION_MS, MAX_DURATION_WORDS, parseDuration } from '../runbook/duration.js';
import { findRun, latestRun, openExistingJournal, planFactsOfRun, readRunChain } from '../session/reader.js';
import { dbFlagFor } from '../session/session.js';
import { type OutageListener, readThroughOutage } from '../session/watch-retry.js';
import { durationSamples, historicalExpectations } from '../views/duration-history.js';
import { statusPlanFrom } from '../views/plan-facts.js';
import { type StatusInput, type StatusUpdate, statusUpdate } from '../views/status.js';
import { watchStatus } from './status-watch.js';

/** Flags of `golive status`. */
export interface StatusFlags {
  db?: string;
  json?: boolean;
  watch?: boolean;
  /** How often `--watch` re-reads the journal (a duration: `5s`, `1m`). */
  interval?: string;
}

/**
 * Print the status of a run (default: the live one, else the latest); exit 0,
 * or 2 when there is no such run. `--watch` without a run id and with no run
 * live waits for the next one to start, rather than show a finished one.
 */
export async function statusCommand(runId: string | undefined, flags: StatusFlags): Promise<number> {
  const intervalMs = parseInterval(flags.interval);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  if (flags.watch) {
    // Ctrl-C ends a watch quietly: watching is not the deployment.
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  // The watch may open the journal again while it waits for a first run (nextLiveRun): whichever is open is closed at the end.
  const opened: { store?: Journal } = {};
  try {
    opened.store = flags.watch ? await openThroughOutage(flags.db, stop.signal, flags.json === true) : await openExistingJournal(flags.db);
    if (!opened.store) return ExitCode.Ok;
    const reopen = () => openThroughOutage(flags.db, stop.signal, flags.json === true);
    const run =
      runId === undefined && flags.watch
        ? await nextLiveRun(opened as { store: Journal }, reopen, intervalMs, stop.signal, flags.json === true)
        : await selectRun(opened.store, runId);
    if (!run) return ExitCode.Ok;
    const store = opened.store;
    const journal = store;
    // A watch waits out a server that went away here too; a one-shot status says so (exit 6).
    const plan = flags.watch
      ? await readThroughOutage(() => plannedOf(journal, run), systemClock, stop.signal, outageNote(store.location, flags.json === true))
      : await plannedOf(store, run);
    if (!plan) return ExitCode.Ok;
    const read = () => readStatus(journal, run.id, plan, dbFlagFor(flags.db));
    const print = (update: StatusUpdate) => (flags.json ? `${statusAsJson(update)}\n` : `${formatStatus(update, paintFor(process.stdout))}\n`);
    if (!flags.watch) process.stdout.write(print((await read()).update));
    else {
      const json = flags.json === true;
      await watchStatus({ read, print, intervalMs, redraw: !json && canRedraw(process.stdout), location: store.location, json, signal: stop.signal });
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await opened.store?.close();
  }
  return ExitCode.Ok;
}

/**
 * The journal a watch reads, waiting for a server that is not answering yet
 * (started before it, or down) with the same line and back-off as an outage
 * during the watch; undefined when the watch is stopped first. Only an
 * unreachable server is waited for: a SQLite journal that is missing,
 * damaged or not a journal, and a server journal that answers but cannot be
 * used, are exit 6 at once, as for a one-shot status.
 */
async function openThroughOutage(dbFlag: string | undefined, signal: AbortSignal, json: boolean): Promise<Journal | undefined> {
  const location = printableLocation(dbPathFor(dbFlag));
  return readThroughOutage(
    () => openExistingJournal(dbFlag),
    systemClock,
    signal,
    outageNote(location, json, () => null),
  );
}

/**
 * The live run to watch; with none live, say so once and poll until one
 * starts (null when the watch is stopped first). The note goes to stderr
 * under `--json`, so stdout stays one status object per line.
 */
async function nextLiveRun(
  opened: { store: Journal },
  reopen: () => Promise<Journal | undefined>,
  intervalMs: number,
  signal: AbortSignal,
  json: boolean,
): Promise<RunRecord | null> {
  let told = false;
  let answeredAt = systemClock.now();
  const note = outageNote(opened.store.location, json, () => answeredAt);
  while (!signal.aborted) {
    const store = opened.store;
    const running = await readThroughOutage(() => store.runningRuns(), systemClock, signal, note);
    if (running === undefined) return null;
    answeredAt = systemClock.now();
    const live = running.find((r) => store.runStatus(r) === 'running');
    if (live) return live;
    if (!told) {
      (json ? process.stderr : process.stdout).write(`No run is live in ${store.location}: waiting for one to start (Ctrl-C to stop).\n`);
      told = true;
    }
    await systemClock.sleep(intervalMs, signal);
    // A server database no golive had written to when the watch opened it is read as having no tables
    // (journal/postgres/empty.ts): while it holds no run, open it again so that the first run is seen.
    if (!signal.aborted && (await readThroughOutage(() => latestRun(store), systemClock, signal, note)) === null) {
      const again = await reopen();
      if (again === undefined) return null;
      await store.close();
      opened.store = again;
    }
  }
  return null;
}

/** Before the first status block, the outage line stands alone; `lastAnswer` is when the journal last answered (null: not yet in this watch). */
function outageNote(location: string, json: boolean, lastAnswer: () => Date | null = () => systemClock.now()): OutageListener {
  return { unreachable: (since) => (json ? process.stderr : process.stdout).write(`${formatUnreachable(location, since, lastAnswer())}\n`) };
}

function parseInterval(raw: string | undefined): number {
  const ms = parseDuration(raw ?? '5s');
  if (ms === undefined || ms <= 0) throw new UsageError(`--interval ${raw}: expected a duration such as 5s, 30s or 1m`, 'e.g. --interval 10s');
  if (ms > MAX_DURATION_MS) throw new UsageError(`--interval ${raw}: longer than the longest duration, ${MAX_DURATION_WORDS}`, 'e.g. --interval 10s');
  return ms;
}

/** The named run, else the latest live run, else the latest run of any kind. */
async function selectRun(store: Journal, runId: string | undefined): Promise<RunRecord> {
  if (runId !== undefined) return findRun(store, runId, 'run `golive status` for the live one');
  // Only the runs recorded as running are looked at, not every run the journal holds.
  const run = (await store.runningRuns()).find((r) => store.runStatus(r) === 'running') ?? (await latestRun(store));
  if (!run) throw new UsageError(`no runs recorded in ${store.location} yet`, 'start one with `golive run <runbook>`, or name another journal with --db');
  return run;
}

/**
 * Steps, checks and smoke tests of the plan the run was made with (not
 * today's file), read once: its plan facts, else its stored runbook
 * snapshot, loaded quietly. Should neither be there, the status still works
 * from the events alone.
 */
async function plannedOf(store: Journal, run: RunRecord): Promise<Pick<StatusInput, 'steps' | 'checks' | 'smokeTests'>> {
  try {
    const facts = await planFactsOfRun(store, run, async () => (await readRunChain(store, run)).events);
    if (!facts) return { steps: [] };
    const planned = statusPlanFrom(facts);
    // Once the journal has history of this runbook here, ETAs rest on what steps really took (p90), as `golive estimate` suggests.
    const history = historicalExpectations(await durationSamples(store, run.runbookName, run.environment ?? undefined, run.id));
    return { ...planned, steps: planned.steps.map((step) => (history.has(step.id) ? { ...step, expectedMs: history.get(step.id) } : step)) };
  } catch (error) {
    if (error instanceof JournalUnreachableError) throw error;
    return { steps: [] };
  }
}

/** The run's status now, and how many events it is based on (what `--watch` compares). */
async function readStatus(
  store: Journal,
  runId: string,
  plan: Pick<StatusInput, 'steps' | 'checks' | 'smokeTests'>,
  dbFlag: string,
): Promise<{ update: StatusUpdate; eventCount: number }> {
  const { run, runEvents: events, priorEvents } = await readRunChain(store, (await store.getRun(runId))!);
  const update = statusUpdate({
    runId: run.id,
    runbook: { name: run.runbookName, version: run.runbookVersion },
    environment: run.environment,
    mode: run.mode,
    ...plan,
    events,
    priorEvents,
    runStatus: store.runStatus(run),
    now: new Date(),
    dbFlag,
  });
  return { update, eventCount: events.length };
}
