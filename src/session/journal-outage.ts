/**
 * A journal server that goes away in the middle of a run (a restart, a
 * dropped network). The running step is not stopped for it: its output
 * still streams and its log is still written. What waits is the journal:
 * each event is appended in order, and an append that cannot reach the
 * server waits for it, retrying with a bounded back-off; since the engine
 * awaits every event before its next action, nothing new starts meanwhile.
 *
 * When the server stays away beyond the limit (`GOLIVE_JOURNAL_OUTAGE_LIMIT`,
 * 60 s by default), the run stops safely: its process groups are killed,
 * and every event it could not record is kept in a local spool file, in
 * order, so that what ended (a step that finished, the killed one's end,
 * their states) is known once the spool is replayed and is never run twice.
 * The engine goes on only until it would act: an event that announces an
 * action (a command about to start, a rollback, a question) is refused with
 * the stop, as is the run's end once it is spooled; the stop names the
 * commands to replay the spool and to continue or undo.
 *
 * Only `JournalUnreachableError` counts as an outage: a full or locked
 * SQLite file, a refused write, a damaged row stop the run as before.
 */

import { existsSync } from 'node:fs';
import type { EngineEvent } from '../engine/events.js';
import type { Clock } from '../engine/ports.js';
import { type GoliveError, JournalError, JournalUnreachableError, RunStoppedError, UsageError } from '../errors.js';
import { canonicalJson } from '../journal/hash-chain.js';
import { shellWord } from '../journal/journal-path.js';
import type { Journal } from '../journal/port.js';
import { readSpool, type SpoolHeader, spoolEvent, spoolPathFor, unrecordedEvents } from '../journal/spool.js';
import { clockTime } from '../output/time-text.js';
import { formatDuration, parseDuration, writtenDuration } from '../runbook/duration.js';

/** How long a run waits for its journal's server by default. */
export const DEFAULT_OUTAGE_LIMIT_MS = 60_000;
/** The environment variable that changes it. */
export const OUTAGE_LIMIT_VARIABLE = 'GOLIVE_JOURNAL_OUTAGE_LIMIT';
/** The first wait between two tries; it doubles up to `MAX_RETRY_DELAY_MS`. */
const FIRST_RETRY_DELAY_MS = 100;
const MAX_RETRY_DELAY_MS = 2_000;

/** Events that announce an action: after the limit they are refused (and not spooled: the action never happens). */
const ANNOUNCES_ACTION: ReadonlySet<EngineEvent['kind']> = new Set(['step.started', 'rollback.started', 'question.asked']);

/**
 * The outage limit from `GOLIVE_JOURNAL_OUTAGE_LIMIT` (a duration: `60s`,
 * `2m`, or seconds), else the default.
 * @throws UsageError (exit 2) for a value that is not a duration above zero.
 */
export function outageLimitFromEnvironment(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[OUTAGE_LIMIT_VARIABLE];
  if (text === undefined || text === '') return DEFAULT_OUTAGE_LIMIT_MS;
  const ms = parseDuration(/^\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : text);
  if (ms === undefined || ms <= 0) {
    throw new UsageError(
      `${OUTAGE_LIMIT_VARIABLE}=${text} is not a duration`,
      `set ${OUTAGE_LIMIT_VARIABLE} to how long a run may wait for an unreachable journal, such as 60s or 5m, or unset it for the default 60s`,
    );
  }
  return ms;
}

/**
 * Before a rollback or resume continues a run: a run of its chain that
 * stopped while its journal was away may have kept events in its spool
 * (under `logRoot`) that the journal does not hold yet. Continuing without
 * them would take a step that finished for one in doubt, and could run it
 * twice, so the command is refused until they are replayed.
 * @throws UsageError (exit 2, nothing executed) naming the spool and the replay command.
 */
export async function refuseWhileSpooled(store: Journal, rootRunId: string, logRoot: string, dbFlag: string): Promise<void> {
  for (const run of await store.chainOf(rootRunId)) {
    const path = spoolPathFor(logRoot, run.id);
    if (!existsSync(path)) continue;
    const spool = readSpool(path);
    // A spool of another journal (the run was copied, or recorded twice) is not this journal's business.
    if (spool.header.journal !== store.location) continue;
    const missing = await unrecordedEvents(store, run.id, spool.events);
    if (missing.length === 0) continue;
    throw new UsageError(
      `run ${run.id} stopped while its journal was unreachable and kept ${missing.length} event${missing.length === 1 ? '' : 's'} in ${path} that ${store.location} does not hold yet; nothing was executed`,
      `record them first with \`golive audit replay ${shellWord(path)}${dbFlag ? ` ${dbFlag}` : ''}\`, then run this command again`,
    );
  }
}

/** What the outage recorder is given by the session. */
export interface JournalOutageOptions {
  store: Journal;
  runId: string;
  limitMs: number;
  /** The spool file this run's unrecorded events go to. */
  spoolPath: string;
  clock: Clock;
  /** One line for the operator (stderr). */
  tell(line: string): void;
  /** The `--db …` the printed commands need, or ''. */
  dbFlag: string;
  /** Kill the run's process groups: the limit passed and they could no longer be recorded; `cause` is what their ends say. */
  killRunning(cause: string): void;
}

/** An outage in progress: since when, and the wait that ends when the server is back (true) or the limit passed (false). */
interface Outage {
  since: Date;
  over: Promise<boolean>;
}

/**
 * Appends a run's events in order, waiting out a journal server that is
 * away; after the limit, spools them and fails every append with the stop.
 */
export class JournalOutage {
  private tail: Promise<unknown> = Promise.resolve();
  /** Writes waiting their turn in `tail` (only while the journal is or was just away). */
  private waiting = 0;
  private outage: Outage | undefined;
  private stop: GoliveError | undefined;
  /** When the outage that stopped the run began (the spool's header says so). */
  private unreachableSince: Date | undefined;
  /** Whether a step's start was recorded: then a stop is exit 3 (something ran), before it exit 6. */
  private executed = false;
  /** The steps whose processes run now, as the engine reported them, for the operator's line. */
  private readonly running = new Set<string>();

  constructor(private readonly options: JournalOutageOptions) {}

  /** Whether the run was stopped because the journal stayed away. */
  get stopped(): boolean {
    return this.stop !== undefined;
  }

  /** Record `event` once every event before it is recorded (or spooled, after the limit). */
  record(event: Exclude<EngineEvent, { kind: 'step.output' }>): Promise<void> {
    this.track(event);
    if (this.outage === undefined && this.stop === undefined && this.waiting === 0) {
      // The usual case: straight to the journal, which keeps its appends in order, with no turn in between.
      return this.options.store.appendEvent(this.options.runId, event).then(
        () => this.recorded(event),
        (error: unknown) => {
          if (!(error instanceof JournalUnreachableError)) throw error;
          this.wentAway();
          return this.inTurn(() => this.write(event, true));
        },
      );
    }
    return this.inTurn(() => this.write(event, false));
  }

  /** Run `write` after every write waiting before it: while the journal is away, events keep their order. */
  private inTurn(write: () => Promise<void>): Promise<void> {
    this.waiting++;
    const next = this.tail.then(write).finally(() => this.waiting--);
    this.tail = next.catch(() => undefined);
    return next;
  }

  private recorded(event: EngineEvent): void {
    if (event.kind === 'step.started') this.executed = true;
  }

  /** A heartbeat failed: an unreachable server starts the outage even while no event is due (a long step). */
  heartbeatFailed(error: unknown): void {
    if (error instanceof JournalUnreachableError && this.stop === undefined) this.wentAway();
  }

  private async write(event: EngineEvent, failedBefore: boolean): Promise<void> {
    let retried = failedBefore;
    for (;;) {
      if (this.stop !== undefined) return this.afterStop(event);
      if (this.outage !== undefined) {
        await this.outage.over;
        continue;
      }
      try {
        // After a failed try the event may have been committed just before the connection broke.
        if (!(retried && (await this.alreadyRecorded(event)))) await this.options.store.appendEvent(this.options.runId, event);
        this.recorded(event);
        return;
      } catch (error) {
        if (!(error instanceof JournalUnreachableError)) throw error;
        retried = true;
        this.wentAway();
      }
    }
  }

  private async alreadyRecorded(event: EngineEvent): Promise<boolean> {
    const data = canonicalJson(event);
    return (await this.options.store.eventsOf([this.options.runId])).some((stored) => canonicalJson(stored.event) === data);
  }

  /** Start the outage (once): tell the operator and probe the server until it answers or the limit passes. */
  private wentAway(): void {
    // Once stopped, an append that was already under way when the limit passed just joins the spool.
    if (this.outage !== undefined || this.stop !== undefined) return;
    const since = this.options.clock.now();
    const steps = [...this.running];
    const what = steps.length === 0 ? 'nothing is running' : `${steps.length === 1 ? 'step' : 'steps'} ${steps.join(', ')} still running`;
    this.options.tell(
      `journal ${this.options.store.location} unreachable since ${clockTime(since.toISOString())}, retrying for up to ${asWritten(this.options.limitMs)} (${what}; nothing new starts meanwhile)`,
    );
    this.outage = { since, over: this.probeUntilBack(since) };
  }

  private async probeUntilBack(since: Date): Promise<boolean> {
    const { clock, limitMs, store, runId } = this.options;
    for (let delay = FIRST_RETRY_DELAY_MS; ; delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS)) {
      const waited = clock.now().getTime() - since.getTime();
      if (waited >= limitMs) {
        this.giveUp(since);
        this.outage = undefined;
        return false;
      }
      await clock.sleep(Math.min(delay, limitMs - waited));
      try {
        await store.heartbeat(runId);
      } catch {
        continue;
      }
      this.outage = undefined;
      this.options.tell(`journal ${store.location} back after ${formatDuration(clock.now().getTime() - since.getTime())}; recording goes on`);
      return true;
    }
  }

  private giveUp(since: Date): void {
    const { store, runId, limitMs, spoolPath, dbFlag } = this.options;
    const db = dbFlag ? ` ${dbFlag}` : '';
    const what = `the audit journal ${store.location} has been unreachable since ${clockTime(since.toISOString())} (longer than ${asWritten(limitMs)}, ${OUTAGE_LIMIT_VARIABLE})`;
    const kept = `the events it could not record are kept in ${spoolPath}`;
    const replay = `golive audit replay ${shellWord(spoolPath)}${db}`;
    this.stop = this.executed
      ? new RunStoppedError(
          `${what}: run ${runId} stopped (nothing more is started; the running steps' processes are killed); ${kept}`,
          `when the server is back, record them with \`${replay}\`, then continue with \`golive resume ${runId}${db}\` or undo what ran with \`golive rollback ${runId}${db}\``,
        )
      : new JournalError(`${what}: run ${runId} stopped before any step was executed; ${kept}`, `when the server is back, record them with \`${replay}\``);
    this.unreachableSince = since;
    // First in the spool: once replayed, the run's record says why its running steps were killed.
    const running = [...this.running];
    this.spool({
      kind: 'warning',
      at: this.options.clock.now().toISOString(),
      message: `${what}: golive stopped the run${running.length > 0 ? ` and killed ${running.length === 1 ? 'step' : 'steps'} ${running.join(', ')}` : ''}`,
    });
    this.options.killRunning(`the audit journal was unreachable for longer than ${asWritten(limitMs)} (${OUTAGE_LIMIT_VARIABLE})`);
  }

  /** After the limit: keep `event` in the spool, or refuse it with the stop when it would start something (or ends the run). */
  private afterStop(event: EngineEvent): void {
    const stop = this.stop as GoliveError;
    if (ANNOUNCES_ACTION.has(event.kind)) throw stop;
    this.spool(event);
    // The run's end is kept; the command still ends with the stop, since the journal does not have it yet.
    if (event.kind === 'run.finished') throw stop;
  }

  private spool(event: EngineEvent): void {
    const header: SpoolHeader = {
      spool: 'golive-journal-spool',
      version: 1,
      runId: this.options.runId,
      journal: this.options.store.location,
      unreachableSince: (this.unreachableSince ?? this.options.clock.now()).toISOString(),
    };
    spoolEvent(this.options.spoolPath, header, event);
  }

  private track(event: EngineEvent): void {
    if (event.kind === 'step.spawned') this.running.add(event.stepId);
    if (event.kind === 'step.finished') this.running.delete(event.stepId);
  }
}

/** The limit as it is set (`60s`, `2m`, `1m30s`), for the operator to recognise. */
function asWritten(ms: number): string {
  return ms % 1000 === 0 ? writtenDuration(ms / 1000) : formatDuration(ms);
}
