/**
 * The SQLite journal commits the events handed over in one turn of the event
 * loop (a parallel group's start events) in one transaction: in call order,
 * none resolving before all are committed, and all or none recorded.
 */
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteJournal } from '../../src/journal/sqlite/journal.ts';
import { event, newRun, tempDbPath } from './helpers.ts';

function started(stepId: string) {
  return event({ kind: 'step.started', phase: 'step', stepId, title: stepId, attempt: 1, attempts: 1, command: 'true' });
}

describe('events handed over in one turn', () => {
  it('are chained in call order and all committed by the time the first promise resolves', async () => {
    const path = tempDbPath();
    const journal = SqliteJournal.open(path);
    try {
      await journal.createRun(newRun());
      const seen: number[] = [];
      const appends = ['web-1', 'web-2', 'web-3'].map((id) =>
        journal.appendEvent('RUN-A', started(id)).then((stored) => {
          // Another process reading now sees every event of the turn, not only this one.
          const reader = new BetterSqlite3(path, { readonly: true });
          seen.push(reader.prepare('SELECT count(*) FROM events').pluck().get() as number);
          reader.close();
          return stored;
        }),
      );
      const stored = await Promise.all(appends);
      expect(stored.map((s) => [s.seq, (s.event as { stepId: string }).stepId])).toEqual([
        [1, 'web-1'],
        [2, 'web-2'],
        [3, 'web-3'],
      ]);
      expect(seen).toEqual([3, 3, 3]);
      expect(stored[1].prevHash).toBe(stored[0].hash);
      expect(await journal.verifyChain()).toMatchObject({ ok: true, checked: 3 });
    } finally {
      await journal.close();
    }
  });

  it('are recorded all or none: when one cannot be, each promise rejects and the chain is as it was', async () => {
    const journal = SqliteJournal.open(tempDbPath());
    try {
      await journal.createRun(newRun());
      const results = await Promise.allSettled([
        journal.appendEvent('RUN-A', started('web-1')),
        journal.appendEvent('NO-SUCH-RUN', started('web-2')),
        journal.appendEvent('RUN-A', started('web-3')),
      ]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
      const reasons = results.map((r) => (r as PromiseRejectedResult).reason as Error);
      expect(reasons[0].message).toMatch(/FOREIGN KEY/);
      expect(new Set(reasons).size).toBe(1);
      expect(await journal.eventsOf(['RUN-A'])).toEqual([]);
      expect((await journal.appendEvent('RUN-A', started('web-1'))).seq).toBe(1);
    } finally {
      await journal.close();
    }
  });

  it('are committed by close, should it come in the same turn', async () => {
    const path = tempDbPath();
    const journal = SqliteJournal.open(path);
    await journal.createRun(newRun());
    const append = journal.appendEvent('RUN-A', started('web-1'));
    await journal.close();
    expect((await append).seq).toBe(1);
    const reader = SqliteJournal.open(path, { readonly: true });
    expect(await reader.eventsOf(['RUN-A'])).toHaveLength(1);
    await reader.close();
  });
});
