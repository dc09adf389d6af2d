/**
 * The read paths that cost what they read: the duration history from a
 * bounded window of runs (same samples as reading every run's events one by
 * one), the hash check of some runs only, and the streamed event export.
 */
import BetterSqlite3 from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { SqliteJournal } from '../../src/journal/sqlite/journal.ts';
import type { NewRun } from '../../src/journal/types.ts';
import { durationSamples, HISTORY_RUNS, historicalExpectations } from '../../src/views/duration-history.ts';
import { stepTimings } from '../../src/views/timings.ts';
import { event, newRun, runStarted, tempDbPath } from './helpers.ts';

let path: string;

/** Everything an async iterable yields, in order. */
async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** Record one run: each step takes `ms[step]` (a negative time: the step fails). */
async function record(store: SqliteJournal, run: NewRun, ms: Record<string, number>): Promise<void> {
  await store.createRun(run);
  await store.appendEvent(run.id, runStarted(run));
  for (const [stepId, took] of Object.entries(ms)) {
    const started = event({ kind: 'step.started', phase: 'step', stepId, title: stepId, attempt: 1, attempts: 1, command: 'true' });
    await store.appendEvent(run.id, started);
    const at = new Date(Date.parse(started.at) + Math.abs(took)).toISOString();
    await store.appendEvent(run.id, { kind: 'step.state', stepId, state: took < 0 ? 'failed' : 'succeeded', at });
  }
  await store.appendEvent(run.id, event({ kind: 'run.finished', outcome: 'succeeded', exitCode: 0, durationMs: 10, issues: [] }));
}

/** The samples as golive read them before: every matching run's events, one query per run. */
async function samplesOneRunAtATime(store: SqliteJournal, runbook: string, environment?: string, excludeRunId?: string): Promise<Map<string, number[]>> {
  const samples = new Map<string, number[]>();
  for (const run of await store.listRuns({ runbook, environment, modes: ['run', 'rehearsal', 'resume'] })) {
    if (run.id === excludeRunId) continue;
    for (const [id, t] of stepTimings((await store.eventsOf([run.id])).map((e) => e.event))) {
      if (t.forwardMs !== undefined && t.state !== 'failed') samples.set(id, [...(samples.get(id) ?? []), t.forwardMs]);
    }
  }
  return samples;
}

beforeEach(async () => {
  path = tempDbPath();
  const store = SqliteJournal.open(path);
  await record(store, newRun({ id: 'R1' }), { backup: 900, deploy: 4000 });
  await record(store, newRun({ id: 'R2', mode: 'rehearsal', environment: 'uat' }), { backup: 1200, deploy: -50 });
  await record(store, newRun({ id: 'R3', mode: 'resume' }), { deploy: 3100 });
  await record(store, newRun({ id: 'R4', mode: 'check' }), { backup: 99_999 });
  await record(store, newRun({ id: 'R5', runbookName: 'other' }), { backup: 7 });
  await record(store, newRun({ id: 'R6' }), { backup: 700, deploy: 5200 });
  await store.close();
});

describe('durationSamples', () => {
  it('gives the samples and p90s that reading every run one by one gave', async () => {
    const store = SqliteJournal.open(path, { readonly: true });
    for (const [environment, exclude] of [
      [undefined, undefined],
      ['production', undefined],
      ['uat', undefined],
      [undefined, 'R6'],
    ] as const) {
      const samples = await durationSamples(store, 'webshop-release', environment, exclude);
      expect(samples).toEqual(await samplesOneRunAtATime(store, 'webshop-release', environment, exclude));
      expect(historicalExpectations(samples)).toEqual(historicalExpectations(await samplesOneRunAtATime(store, 'webshop-release', environment, exclude)));
    }
    expect((await durationSamples(store, 'webshop-release')).get('deploy')).toEqual([5200, 3100, 4000]);
    await store.close();
  });

  it('reads only the latest runs of the window', async () => {
    const store = SqliteJournal.open(path);
    for (let i = 0; i < HISTORY_RUNS; i++) await record(store, newRun({ id: `W${String(i).padStart(4, '0')}` }), { backup: 10 });
    const samples = await durationSamples(store, 'webshop-release');
    expect(samples.get('backup')).toHaveLength(HISTORY_RUNS);
    expect(new Set(samples.get('backup'))).toEqual(new Set([10]));
    expect(samples.has('deploy')).toBe(false);
    await store.close();
  });
});

/** Apply `sql` through a raw connection, as someone editing the file would. */
function tamper(sql: string): void {
  const raw = new BetterSqlite3(path);
  raw.exec('DROP TRIGGER IF EXISTS events_no_update; DROP TRIGGER IF EXISTS events_no_delete; DROP TRIGGER IF EXISTS runs_snapshot_frozen;');
  raw.exec(sql);
  raw.close();
}

async function verifyRuns(runIds: string[]) {
  const store = SqliteJournal.open(path, { readonly: true });
  try {
    return await store.verifyRuns(runIds);
  } finally {
    await store.close();
  }
}

describe('verifyRuns', () => {
  it('checks the events of the runs named, and says it checked only those', async () => {
    expect(await verifyRuns(['R1'])).toEqual({ ok: true, checked: 6, scope: 'runs' });
    expect(await verifyRuns(['R1', 'R3'])).toEqual({ ok: true, checked: 10, scope: 'runs' });
  });

  it('finds an edited event of the run', async () => {
    tamper(`UPDATE events SET data = replace(data, '"deploy"', '"deploy2"') WHERE run_id = 'R1' AND kind = 'step.state'`);
    expect(await verifyRuns(['R1'])).toMatchObject({ ok: false, firstBad: { runId: 'R1', reason: expect.stringContaining('does not match its hash') } });
    expect(await verifyRuns(['R2'])).toMatchObject({ ok: true });
  });

  it('finds a deleted event just before the run, or inside it', async () => {
    tamper(`DELETE FROM events WHERE seq = (SELECT max(seq) FROM events WHERE run_id = 'R1')`);
    expect(await verifyRuns(['R2'])).toMatchObject({ ok: false, firstBad: { runId: 'R2', reason: expect.stringContaining('missing before it') } });
    tamper(`DELETE FROM events WHERE run_id = 'R3' AND kind = 'step.started'`);
    expect(await verifyRuns(['R3'])).toMatchObject({ ok: false, firstBad: { runId: 'R3', reason: expect.stringContaining('missing before it') } });
  });

  it('finds an edited run row of the runs named', async () => {
    tamper(`UPDATE runs SET outcome = 'failed' WHERE id = 'R6'`);
    expect(await verifyRuns(['R6'])).toMatchObject({ ok: false, firstBad: { runId: 'R6', reason: expect.stringContaining('the run row was edited') } });
  });
});

describe('iterateEvents', () => {
  it('streams what eventsOf returns, for some runs and for all', async () => {
    const store = SqliteJournal.open(path, { readonly: true });
    expect(await collect(store.iterateEvents(['R2', 'R5']))).toEqual(await store.eventsOf(['R2', 'R5']));
    expect(await collect(store.iterateEvents())).toEqual(await store.eventsOf((await store.listRuns()).map((run) => run.id)));
    await store.close();
  });
});
