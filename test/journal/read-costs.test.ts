/**
 * The read paths that cost what they read: the duration history from a
 * bounded window of runs (same samples as reading every run's events one by
 * one), the hash check of some runs only, and the streamed event export.
 */
import BetterSqlite3 from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { AuditStore } from '../../src/journal/sqlite/store.ts';
import type { NewRun } from '../../src/journal/types.ts';
import { durationSamples, historicalExpectations, HISTORY_RUNS } from '../../src/views/duration-history.ts';
import { stepTimings } from '../../src/views/timings.ts';
import { event, newRun, runStarted, tempDbPath } from './helpers.ts';

let path: string;

/** Record one run: each step takes `ms[step]` (a negative time: the step fails). */
function record(store: AuditStore, run: NewRun, ms: Record<string, number>): void {
  store.createRun(run);
  store.appendEvent(run.id, runStarted(run));
  for (const [stepId, took] of Object.entries(ms)) {
    const started = event({ kind: 'step.started', phase: 'step', stepId, title: stepId, attempt: 1, attempts: 1, command: 'true' });
    store.appendEvent(run.id, started);
    const at = new Date(Date.parse(started.at) + Math.abs(took)).toISOString();
    store.appendEvent(run.id, { kind: 'step.state', stepId, state: took < 0 ? 'failed' : 'succeeded', at });
  }
  store.appendEvent(run.id, event({ kind: 'run.finished', outcome: 'succeeded', exitCode: 0, durationMs: 10, issues: [] }));
}

/** The samples as golive read them before: every matching run's events, one query per run. */
function samplesOneRunAtATime(store: AuditStore, runbook: string, environment?: string, excludeRunId?: string): Map<string, number[]> {
  const samples = new Map<string, number[]>();
  for (const run of store.listRuns({ runbook, environment, modes: ['run', 'rehearsal', 'resume'] })) {
    if (run.id === excludeRunId) continue;
    for (const [id, t] of stepTimings(store.eventsOf([run.id]).map((e) => e.event))) {
      if (t.forwardMs !== undefined && t.state !== 'failed') samples.set(id, [...(samples.get(id) ?? []), t.forwardMs]);
    }
  }
  return samples;
}

beforeEach(() => {
  path = tempDbPath();
  const store = AuditStore.open(path);
  record(store, newRun({ id: 'R1' }), { backup: 900, deploy: 4000 });
  record(store, newRun({ id: 'R2', mode: 'rehearsal', environment: 'uat' }), { backup: 1200, deploy: -50 });
  record(store, newRun({ id: 'R3', mode: 'resume' }), { deploy: 3100 });
  record(store, newRun({ id: 'R4', mode: 'check' }), { backup: 99_999 });
  record(store, newRun({ id: 'R5', runbookName: 'other' }), { backup: 7 });
  record(store, newRun({ id: 'R6' }), { backup: 700, deploy: 5200 });
  store.close();
});

describe('durationSamples', () => {
  it('gives the samples and p90s that reading every run one by one gave', () => {
    const store = AuditStore.open(path, { readonly: true });
    for (const [environment, exclude] of [[undefined, undefined], ['production', undefined], ['uat', undefined], [undefined, 'R6']] as const) {
      const samples = durationSamples(store, 'webshop-release', environment, exclude);
      expect(samples).toEqual(samplesOneRunAtATime(store, 'webshop-release', environment, exclude));
      expect(historicalExpectations(samples)).toEqual(historicalExpectations(samplesOneRunAtATime(store, 'webshop-release', environment, exclude)));
    }
    expect(durationSamples(store, 'webshop-release').get('deploy')).toEqual([5200, 3100, 4000]);
    store.close();
  });

  it('reads only the latest runs of the window', () => {
    const store = AuditStore.open(path);
    for (let i = 0; i < HISTORY_RUNS; i++) record(store, newRun({ id: `W${String(i).padStart(4, '0')}` }), { backup: 10 });
    const samples = durationSamples(store, 'webshop-release');
    expect(samples.get('backup')).toHaveLength(HISTORY_RUNS);
    expect(new Set(samples.get('backup'))).toEqual(new Set([10]));
    expect(samples.has('deploy')).toBe(false);
    store.close();
  });
});

/** Apply `sql` through a raw connection, as someone editing the file would. */
function tamper(sql: string): void {
  const raw = new BetterSqlite3(path);
  raw.exec('DROP TRIGGER IF EXISTS events_no_update; DROP TRIGGER IF EXISTS events_no_delete; DROP TRIGGER IF EXISTS runs_snapshot_frozen;');
  raw.exec(sql);
  raw.close();
}

function verifyRuns(runIds: string[]) {
  const store = AuditStore.open(path, { readonly: true });
  try {
    return store.verifyRuns(runIds);
  } finally {
    store.close();
  }
}

describe('verifyRuns', () => {
  it('checks the events of the runs named, and says it checked only those', () => {
    expect(verifyRuns(['R1'])).toEqual({ ok: true, checked: 6, scope: 'runs' });
    expect(verifyRuns(['R1', 'R3'])).toEqual({ ok: true, checked: 10, scope: 'runs' });
  });

  it('finds an edited event of the run', () => {
    tamper(`UPDATE events SET data = replace(data, '"deploy"', '"deploy2"') WHERE run_id = 'R1' AND kind = 'step.state'`);
    expect(verifyRuns(['R1'])).toMatchObject({ ok: false, firstBad: { runId: 'R1', reason: expect.stringContaining('does not match its hash') } });
    expect(verifyRuns(['R2'])).toMatchObject({ ok: true });
  });

  it('finds a deleted event just before the run, or inside it', () => {
    tamper(`DELETE FROM events WHERE seq = (SELECT max(seq) FROM events WHERE run_id = 'R1')`);
    expect(verifyRuns(['R2'])).toMatchObject({ ok: false, firstBad: { runId: 'R2', reason: expect.stringContaining('missing before it') } });
    tamper(`DELETE FROM events WHERE run_id = 'R3' AND kind = 'step.started'`);
    expect(verifyRuns(['R3'])).toMatchObject({ ok: false, firstBad: { runId: 'R3', reason: expect.stringContaining('missing before it') } });
  });

  it('finds an edited run row of the runs named', () => {
    tamper(`UPDATE runs SET outcome = 'failed' WHERE id = 'R6'`);
    expect(verifyRuns(['R6'])).toMatchObject({ ok: false, firstBad: { runId: 'R6', reason: expect.stringContaining('the run row was edited') } });
  });
});

describe('iterateEvents', () => {
  it('streams what eventsOf returns, for some runs and for all', () => {
    const store = AuditStore.open(path, { readonly: true });
    expect([...store.iterateEvents(['R2', 'R5'])]).toEqual(store.eventsOf(['R2', 'R5']));
    expect([...store.iterateEvents()]).toEqual(store.eventsOf(store.listRuns().map((run) => run.id)));
    store.close();
  });
});
