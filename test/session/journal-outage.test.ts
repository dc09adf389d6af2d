/**
 * The outage recorder's rules over a journal fake whose server can be made
 * to go away and come back: retried appends land once and in order, an
 * append that committed just before the connection broke is not repeated,
 * the limit kills the running groups and spools what follows (refusing any
 * new action), and failures that are not an outage pass straight through.
 * The real server going away is tested end to end (test/e2e/postgres-outage.test.ts).
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/events.ts';
import { systemClock } from '../../src/engine/ports.ts';
import { JournalError, JournalUnreachableError, RunStoppedError, UsageError } from '../../src/errors.ts';
import type { Journal } from '../../src/journal/port.ts';
import { readSpool } from '../../src/journal/spool.ts';
import type { StoredEvent } from '../../src/journal/types.ts';
import { JournalOutage, outageLimitFromEnvironment } from '../../src/session/journal-outage.ts';

type Recorded = Exclude<EngineEvent, { kind: 'step.output' }>;

/** A journal whose server is `up` or not; `commitThenBreak` makes the next append commit and then lose its answer. */
class FlakyJournal {
  readonly location = 'postgres://li:***@db.example/golive';
  up = true;
  commitThenBreak = false;
  readonly stored: StoredEvent[] = [];
  appendCalls = 0;

  private away(): JournalUnreachableError {
    return new JournalUnreachableError(`cannot reach the audit journal ${this.location}: the connection was refused`);
  }

  async appendEvent(runId: string, event: EngineEvent): Promise<StoredEvent> {
    this.appendCalls++;
    if (!this.up) throw this.away();
    const stored = { seq: this.stored.length + 1, runId, at: event.at, kind: event.kind, event, prevHash: '', hash: '' };
    this.stored.push(stored);
    if (this.commitThenBreak) {
      this.commitThenBreak = false;
      throw this.away();
    }
    return stored;
  }

  async eventsOf(runIds: string[]): Promise<StoredEvent[]> {
    if (!this.up) throw this.away();
    return this.stored.filter((e) => runIds.includes(e.runId));
  }

  async heartbeat(): Promise<boolean> {
    if (!this.up) throw this.away();
    return true;
  }
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function recorder(journal: FlakyJournal, limitMs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'golive-outage-'));
  dirs.push(dir);
  const lines: string[] = [];
  let kills = 0;
  const outage = new JournalOutage({
    store: journal as unknown as Journal,
    runId: 'R1',
    limitMs,
    spoolPath: join(dir, 'spool', 'R1.jsonl'),
    clock: systemClock,
    tell: (line) => lines.push(line),
    dbFlag: '--db postgres://li:***@db.example/golive',
    killRunning: () => kills++,
  });
  return { outage, lines, kills: () => kills, spoolPath: join(dir, 'spool', 'R1.jsonl') };
}

let clock = 0;
const at = () => new Date(Date.UTC(2026, 11, 1, 9, 0, 0, ++clock)).toISOString();
const started = (stepId: string): Recorded => ({
  kind: 'step.started',
  at: at(),
  phase: 'step',
  stepId,
  title: stepId,
  attempt: 1,
  attempts: 1,
  command: 'true',
});
const spawned = (stepId: string): Recorded => ({ kind: 'step.spawned', at: at(), phase: 'step', stepId, attempt: 1, pid: 4242 });
const finished = (stepId: string): Recorded => ({
  kind: 'step.finished',
  at: at(),
  phase: 'step',
  stepId,
  attempt: 1,
  status: 'passed',
  exitCode: 0,
  signal: null,
  durationMs: 5,
  head: '',
  tail: '',
  outputBytes: 0,
  outputs: {},
});
const runFinished = (): Recorded => ({ kind: 'run.finished', at: at(), outcome: 'aborted', exitCode: 3, durationMs: 9, issues: [] });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a journal server that goes away during a run', () => {
  it('back within the limit: every event is appended once, in order, and the operator is told both ways', async () => {
    const journal = new FlakyJournal();
    const { outage, lines, kills } = recorder(journal, 10_000);
    for (const step of ['migrate', 'warm-cache']) {
      await outage.record(started(step));
      await outage.record(spawned(step));
    }
    journal.up = false;
    // warm-cache ends while the server is away; migrate, beside it, still runs.
    const first = outage.record(finished('warm-cache'));
    const second = outage.record(started('announce'));
    await sleep(300);
    // Nothing after the waiting event is recorded while the server is away: the next step cannot start.
    expect(journal.stored).toHaveLength(4);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^journal postgres:\/\/li:\*\*\*@db\.example\/golive unreachable since \d\d:\d\d:\d\d, retrying for up to 10s \(step migrate still running;/,
    );
    journal.up = true;
    await Promise.all([first, second]);
    expect(journal.stored.slice(4).map((e) => `${e.kind}:${(e.event as { stepId: string }).stepId}`)).toEqual([
      'step.finished:warm-cache',
      'step.started:announce',
    ]);
    expect(lines[1]).toMatch(/^journal postgres:\/\/li:\*\*\*@db\.example\/golive back after /);
    expect(kills()).toBe(0);
    expect(outage.stopped).toBe(false);
  });

  it('an append that committed just before the connection broke is not appended again', async () => {
    const journal = new FlakyJournal();
    const { outage } = recorder(journal, 10_000);
    journal.commitThenBreak = true;
    await outage.record(started('migrate'));
    expect(journal.stored.map((e) => e.kind)).toEqual(['step.started']);
    await outage.record(finished('migrate'));
    expect(journal.stored.map((e) => e.kind)).toEqual(['step.started', 'step.finished']);
  });

  it('a failed heartbeat starts the wait while a long step runs; beyond the limit the groups are killed and what follows is spooled', async () => {
    const journal = new FlakyJournal();
    const { outage, lines, kills, spoolPath } = recorder(journal, 300);
    await outage.record(started('migrate'));
    await outage.record(spawned('migrate'));
    journal.up = false;
    outage.heartbeatFailed(new JournalUnreachableError('gone'));
    expect(lines[0]).toContain('step migrate still running');
    await sleep(600);
    expect(kills()).toBe(1);
    expect(outage.stopped).toBe(true);
    // The killed step's end is kept; a new start is refused; the run's end is kept and still ends the command with the stop.
    await outage.record(finished('migrate'));
    await expect(outage.record(started('announce'))).rejects.toBeInstanceOf(RunStoppedError);
    const stop = await outage.record(runFinished()).catch((error: unknown) => error);
    expect(stop).toBeInstanceOf(RunStoppedError);
    expect((stop as RunStoppedError).message).toMatch(
      /has been unreachable since \d\d:\d\d:\d\d \(longer than 300ms, GOLIVE_JOURNAL_OUTAGE_LIMIT\): run R1 stopped/,
    );
    expect((stop as RunStoppedError).message).toContain(`kept in ${spoolPath}`);
    expect((stop as RunStoppedError).hint).toContain(`golive audit replay ${spoolPath} --db postgres://li:***@db.example/golive`);
    expect((stop as RunStoppedError).hint).toContain('golive resume R1 --db');
    expect((stop as RunStoppedError).hint).toContain('golive rollback R1 --db');
    expect(statSync(spoolPath).mode & 0o777).toBe(0o600);
    const spool = readSpool(spoolPath);
    expect(spool.header).toMatchObject({ runId: 'R1', journal: journal.location });
    expect(spool.events.map((e) => e.kind)).toEqual(['warning', 'step.finished', 'run.finished']);
    expect(spool.events[0]).toMatchObject({ message: expect.stringMatching(/unreachable since .*: golive stopped the run and killed step migrate$/) });
    expect(readFileSync(spoolPath, 'utf8')).not.toContain('step.started');
  });

  it('stopped before any step started: exit 6 (nothing executed), the events still spooled', async () => {
    const journal = new FlakyJournal();
    const { outage, kills, spoolPath } = recorder(journal, 200);
    journal.up = false;
    const error = await outage.record(started('migrate')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JournalError);
    expect(error).not.toBeInstanceOf(RunStoppedError);
    expect((error as JournalError).exitCode).toBe(6);
    expect(kills()).toBe(1);
    await outage.record(runFinished()).catch(() => undefined);
    expect(readSpool(spoolPath).events.map((e) => e.kind)).toEqual(['warning', 'run.finished']);
  });

  it('a failure that is not an outage (a full disk, a refused write) stops at once, as before', async () => {
    const journal = new FlakyJournal();
    const full = new JournalError('the disk is full');
    journal.appendEvent = async () => {
      journal.appendCalls++;
      throw full;
    };
    const { outage, lines } = recorder(journal, 10_000);
    await expect(outage.record(started('migrate'))).rejects.toBe(full);
    expect(journal.appendCalls).toBe(1);
    expect(lines).toEqual([]);
  });
});

describe('GOLIVE_JOURNAL_OUTAGE_LIMIT', () => {
  it('is a duration or seconds; unset is 60 s; anything else is a usage error', () => {
    expect(outageLimitFromEnvironment({})).toBe(60_000);
    expect(outageLimitFromEnvironment({ GOLIVE_JOURNAL_OUTAGE_LIMIT: '2m' })).toBe(120_000);
    expect(outageLimitFromEnvironment({ GOLIVE_JOURNAL_OUTAGE_LIMIT: '1m30s' })).toBe(90_000);
    expect(outageLimitFromEnvironment({ GOLIVE_JOURNAL_OUTAGE_LIMIT: '45' })).toBe(45_000);
    for (const bad of ['soon', '0', '0s', '-5']) {
      expect(() => outageLimitFromEnvironment({ GOLIVE_JOURNAL_OUTAGE_LIMIT: bad })).toThrow(UsageError);
    }
  });
});
