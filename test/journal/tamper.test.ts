/**
 * Tampering with the journal file behind golive's back: a second, raw
 * connection drops the append-only triggers (as anyone with the file can)
 * and edits, deletes or reorders rows. `verifyChain` must point at the spot.
 */
import BetterSqlite3 from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/journal/hash-chain.ts';
import { verifyChain } from '../../src/journal/sqlite/chain.ts';
import { SqliteJournal } from '../../src/journal/sqlite/journal.ts';
import { event, newRun, runStarted, tempDbPath } from './helpers.ts';

let path: string;

/**
 * R1: 1 run.started, 2 step.started, 3 step.finished, 4 decision, 5 run.finished
 * R2: 6 run.started, 7 warning, 8 run.finished
 */
beforeEach(async () => {
  path = tempDbPath();
  const store = SqliteJournal.open(path);
  const r1 = newRun({ id: 'R1' });
  const r2 = newRun({ id: 'R2', runbookText: 'golive: 1\nname: webshop-release\nsteps: []\n' });
  await store.createRun(r1);
  await store.appendEvent('R1', runStarted(r1));
  await store.appendEvent(
    'R1',
    event({ kind: 'step.started', phase: 'step', stepId: 'backup', title: 'Backup', attempt: 1, attempts: 1, command: './backup.sh' }),
  );
  await store.appendEvent(
    'R1',
    event({
      kind: 'step.finished',
      phase: 'step',
      stepId: 'backup',
      attempt: 1,
      status: 'passed',
      exitCode: 0,
      signal: null,
      durationMs: 900,
      head: 'backup started',
      tail: 'backup done',
      outputBytes: 24,
      outputs: { backup_id: 'b-77' },
    }),
  );
  await store.appendEvent('R1', event({ kind: 'decision', subject: 'guided-failure', choice: 'retry', by: 'ana', via: 'prompt' }));
  await store.appendEvent('R1', event({ kind: 'run.finished', outcome: 'rolled-back', exitCode: 1, durationMs: 5000, issues: [] }));
  await store.createRun(r2);
  await store.appendEvent('R2', runStarted(r2));
  await store.appendEvent('R2', event({ kind: 'warning', message: 'took over a stale lock' }));
  await store.appendEvent('R2', event({ kind: 'run.finished', outcome: 'succeeded', exitCode: 0, durationMs: 100, issues: [] }));
  await store.close();
});

/** Apply `sql` through a raw connection, as someone editing the file would. */
function tamper(sql: string): void {
  const raw = new BetterSqlite3(path);
  raw.exec('DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete; DROP TRIGGER runs_snapshot_frozen;');
  raw.exec(sql);
  raw.close();
}

async function verify() {
  const store = SqliteJournal.open(path);
  try {
    return await store.verifyChain();
  } finally {
    await store.close();
  }
}

describe('verifyChain', () => {
  it('verifies an intact journal', async () => {
    expect(await verify()).toEqual({ ok: true, checked: 8 });
  });

  it('verifies through a read-only connection', async () => {
    const db = new BetterSqlite3(path, { readonly: true });
    try {
      expect(verifyChain(db)).toEqual({ ok: true, checked: 8 });
    } finally {
      db.close();
    }
  });

  it('reports an event whose data had one character changed', async () => {
    tamper("UPDATE events SET data = replace(data, 'b-77', 'b-78') WHERE seq = 3");
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.checked).toBe(2);
    expect(report.firstBad).toEqual({ seq: 3, runId: 'R1', reason: 'event 3: its content does not match its hash: the row was edited or moved' });
  });

  it('reports a deleted middle row at the row after the gap', async () => {
    tamper('DELETE FROM events WHERE seq = 4');
    expect((await verify()).firstBad).toEqual({ seq: 5, runId: 'R1', reason: 'event 5: row 4 is missing before it: events were deleted' });
  });

  it('reports a deleted row even when the later rows were renumbered', async () => {
    tamper('DELETE FROM events WHERE seq = 4; UPDATE events SET seq = seq - 1 WHERE seq > 4');
    expect((await verify()).firstBad).toMatchObject({ seq: 4, runId: 'R1', reason: expect.stringMatching(/prev_hash/) });
  });

  it('reports two rows whose data were swapped', async () => {
    tamper(`
      UPDATE events SET data = CASE seq WHEN 2 THEN (SELECT data FROM events WHERE seq = 3)
                                        WHEN 3 THEN (SELECT data FROM events WHERE seq = 2) END,
                        kind = CASE seq WHEN 2 THEN 'step.finished' WHEN 3 THEN 'step.started' END
      WHERE seq IN (2, 3)`);
    expect((await verify()).firstBad).toMatchObject({ seq: 2, runId: 'R1' });
  });

  it('reports two whole rows swapped, hashes included', async () => {
    tamper(`
      CREATE TEMP TABLE saved AS SELECT * FROM events WHERE seq IN (6, 7);
      UPDATE events SET (run_id, at, kind, data, prev_hash, hash) =
        (SELECT run_id, at, kind, data, prev_hash, hash FROM saved WHERE saved.seq = 13 - events.seq)
      WHERE seq IN (6, 7)`);
    expect((await verify()).firstBad).toMatchObject({ seq: 6, runId: 'R2', reason: expect.stringMatching(/prev_hash/) });
  });

  it("reports an edited run's runbook snapshot", async () => {
    tamper("UPDATE runs SET runbook_text = replace(runbook_text, 'steps: []', 'steps: [x]') WHERE id = 'R2'");
    expect((await verify()).firstBad).toEqual({
      seq: 6,
      runId: 'R2',
      reason: 'the runbook snapshot of run R2 does not match its runbook_sha256: the snapshot was edited',
    });
  });

  it('reports a snapshot replaced together with its sha256', async () => {
    const text = 'golive: 1\nname: something-else\nsteps: []\n';
    tamper(`UPDATE runs SET runbook_text = '${text}', runbook_sha256 = '${sha256Hex(text)}' WHERE id = 'R1'`);
    expect((await verify()).firstBad).toMatchObject({ seq: 1, runId: 'R1', reason: expect.stringMatching(/run\.started/) });
  });

  it("reports a whole run's events deleted from the middle of the chain", async () => {
    tamper("DELETE FROM events WHERE run_id = 'R1'");
    expect((await verify()).firstBad).toMatchObject({ seq: 6, runId: 'R2', reason: 'event 6: rows 1-5 are missing before it: events were deleted' });
  });

  it("reports the last run's events deleted from the end of the chain", async () => {
    tamper("DELETE FROM events WHERE run_id = 'R2'");
    const report = await verify();
    expect(report.checked).toBe(5);
    expect(report.firstBad).toMatchObject({ seq: 0, runId: 'R2', reason: expect.stringMatching(/no run\.started event/) });
  });

  it('reports the final run.finished deleted', async () => {
    tamper('DELETE FROM events WHERE seq = 8');
    expect((await verify()).firstBad).toMatchObject({ seq: 6, runId: 'R2', reason: expect.stringMatching(/run\.finished event is missing/) });
  });

  it("reports a run's outcome rewritten", async () => {
    tamper("UPDATE runs SET outcome = 'succeeded', exit_code = 0 WHERE id = 'R1'");
    expect((await verify()).firstBad).toMatchObject({ runId: 'R1', reason: expect.stringMatching(/run row was edited/) });
  });

  it('reports an edited kind column', async () => {
    tamper("UPDATE events SET kind = 'warning' WHERE seq = 4");
    expect((await verify()).firstBad).toMatchObject({ seq: 4, reason: expect.stringMatching(/kind column/) });
  });

  it('reports a deleted run row', async () => {
    tamper("PRAGMA foreign_keys = OFF; DELETE FROM runs WHERE id = 'R2'");
    expect((await verify()).firstBad).toMatchObject({ seq: 6, runId: 'R2', reason: expect.stringMatching(/missing from the runs table/) });
  });
});

describe('verifiedEventsOf', () => {
  it('reports an edited event as verifyRuns does, and still gives back every event of the run', async () => {
    tamper(`UPDATE events SET data = replace(data, 'backup done', 'all fine') WHERE seq = 3`);
    const store = SqliteJournal.open(path, { readonly: true });
    try {
      const { events, audit } = await store.verifiedEventsOf(['R1']);
      expect(audit).toEqual(await store.verifyRuns(['R1']));
      expect(audit).toMatchObject({ ok: false, checked: 2, scope: 'runs', firstBad: { seq: 3, runId: 'R1' } });
      expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(events).toEqual(await store.eventsOf(['R1']));
    } finally {
      await store.close();
    }
  });
});
