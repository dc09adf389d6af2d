/**
 * `golive status [run-id]`: the status update template for a run, read from
 * the journal. Opens it read-only, so it works (and changes nothing) while
 * the run writes from another terminal; `--watch` re-reads it until the run ends.
 */

import { systemClock } from '../engine/ports.js';
import { ExitCode, UsageError } from '../errors.js';
import type { Journal } from '../journal/port.js';
import type { RunRecord } from '../journal/types.js';
import { withoutColour } from '../output/frame-writer.js';
import { canRedraw, paintFor } from '../output/paint.js';
import { formatStatus, statusAsJson } from '../output/status-text.js';
import { MAX_DURATION_MS, MAX_DURATION_WORDS, parseDuration } from '../runbook/duration.js';
import { findRun, latestRun, openExistingJournal, planFactsOfRun, readRunChain } from '../session/reader.js';
import { dbFlagFor } from '../session/session.js';
import { durationSamples, historicalExpectations } from '../views/duration-history.js';
import { statusPlanFrom } from '../views/plan-facts.js';
import { type StatusInput, type StatusUpdate, statusUpdate } from '../views/status.js';

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
  const store = await openExistingJournal(flags.db);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  if (flags.watch) {
    // Ctrl-C ends a watch quietly: watching is not the deployment.
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  try {
    const run = runId === undefined && flags.watch ? await nextLiveRun(store, intervalMs, stop.signal, flags.json === true) : await selectRun(store, runId);
    if (!run) return ExitCode.Ok;
    const plan = await plannedOf(store, run);
    const read = () => readStatus(store, run.id, plan, dbFlagFor(flags.db));
    const print = (update: StatusUpdate) => (flags.json ? `${statusAsJson(update)}\n` : `${formatStatus(update, paintFor(process.stdout))}\n`);
    if (!flags.watch) process.stdout.write(print((await read()).update));
    else await watch(read, print, intervalMs, !flags.json && canRedraw(process.stdout), stop.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await store.close();
  }
  return ExitCode.Ok;
}

/**
 * The live run to watch; with none live, say so once and poll until one
 * starts (null when the watch is stopped first). The note goes to stderr
 * under `--json`, so stdout stays one status object per line.
 */
async function nextLiveRun(store: Journal, intervalMs: number, signal: AbortSignal, json: boolean): Promise<RunRecord | null> {
  let told = false;
  while (!signal.aborted) {
    const live = (await store.runningRuns()).find((r) => store.runStatus(r) === 'running');
    if (live) return live;
    if (!told) {
      (json ? process.stderr : process.stdout).write(`No run is live in ${store.location}: waiting for one to start (Ctrl-C to stop).\n`);
      told = true;
    }
    await systemClock.sleep(intervalMs, signal);
  }
  return null;
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
  } catch {
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

/**
 * Re-print until the run ends. On a terminal the block is redrawn in place
 * each time (elapsed times move; what scrolled above stays); elsewhere
 * (a pipe, `TERM=dumb`) a block is printed only when something happened
 * (a new event, or the verdict changed), so a log of `--watch` reads like a
 * list of status updates.
 */
async function watch(
  read: () => Promise<{ update: StatusUpdate; eventCount: number }>,
  print: (update: StatusUpdate) => string,
  intervalMs: number,
  redraw: boolean,
  signal: AbortSignal,
): Promise<void> {
  let lastKey = '';
  let drawnRows = 0;
  while (!signal.aborted) {
    const { update, eventCount } = await read();
    const key = `${eventCount}|${update.runStatus}|${update.status}`;
    const text = print(update);
    if (redraw) {
      // Back to the top of the previous block, clear it and what is below, draw the new one.
      process.stdout.write(`${drawnRows > 0 ? `\x1b[${drawnRows}F\x1b[J` : ''}${text}`);
      drawnRows = rowsOf(text, process.stdout.columns ?? 80);
    } else if (key !== lastKey) {
      process.stdout.write(text);
    }
    lastKey = key;
    if (update.finished) return;
    await systemClock.sleep(intervalMs, signal);
  }
}

/** How many terminal rows `text` (ending in a newline) takes at `columns` wide, counting wrapped lines. */
function rowsOf(text: string, columns: number): number {
  const lines = withoutColour(text).split('\n').slice(0, -1);
  return lines.reduce((rows, line) => rows + Math.max(1, Math.ceil([...line].length / Math.max(1, columns))), 0);
}
