import { describe, expect, it } from 'vitest';
import { LockHeldError } from '../../src/errors.ts';
import { isProcessAlive, isStale, STALE_HEARTBEAT_MS } from '../../src/journal/liveness.ts';
import { SqliteJournal } from '../../src/journal/sqlite/journal.ts';
import { deadPid, newRun, tempDbPath } from './helpers.ts';

const T0 = Date.parse('2026-12-01T09:00:00.000Z');
const HOST = 'deploy-host';

/** A store on this "host" with a clock the test moves. */
function openStore(clock: { ms: number }, hostname = HOST): SqliteJournal {
  return SqliteJournal.open(tempDbPath(), { now: () => new Date(clock.ms), hostname });
}

async function catchError(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('liveness', () => {
  it('tells a live pid from a dead one', async () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(deadPid())).toBe(false);
    expect(isProcessAlive(0)).toBe(false);
  });

  it('only probes pids of this host; heartbeats count everywhere', async () => {
    const now = new Date(T0);
    const fresh = new Date(T0 - 1000).toISOString();
    const old = new Date(T0 - STALE_HEARTBEAT_MS - 1).toISOString();
    const dead = deadPid();
    expect(isStale({ pid: dead, host: HOST, heartbeatAt: fresh }, now, HOST)).toBe(true);
    expect(isStale({ pid: dead, host: 'other-host', heartbeatAt: fresh }, now, HOST)).toBe(false);
    expect(isStale({ pid: process.pid, host: HOST, heartbeatAt: fresh }, now, HOST)).toBe(false);
    expect(isStale({ pid: process.pid, host: HOST, heartbeatAt: old }, now, HOST)).toBe(true);
    expect(isStale({ pid: process.pid, host: 'other-host', heartbeatAt: new Date(T0 - STALE_HEARTBEAT_MS).toISOString() }, now, HOST)).toBe(false);
  });
});

describe('locks', () => {
  it('refuses a second run while a live process holds the lock, naming the holder', async () => {
    const clock = { ms: T0 };
    const store = openStore(clock);
    try {
      expect(await store.acquireLock('webshop-release', 'production', { runId: 'R1', pid: process.pid, host: HOST, operator: 'ana' })).toEqual({});
      clock.ms += 5000;
      const error = await catchError(() => store.acquireLock('webshop-release', 'production', { runId: 'R2', pid: 99, host: HOST, operator: 'li' }));
      expect(error).toBeInstanceOf(LockHeldError);
      const lockError = error as LockHeldError;
      expect(lockError.exitCode).toBe(5);
      expect(lockError.message).toBe(
        `runbook webshop-release in production is locked by run R1 (pid ${process.pid} on ${HOST}, operator ana, ` +
          'since 2026-12-01T09:00:00.000Z, last heartbeat 2026-12-01T09:00:00.000Z)',
      );
      expect(lockError.hint).toBe('wait for it to finish, or check `golive status R1`');
      expect((await store.lockHolder('webshop-release', 'production'))?.runId).toBe('R1');
    } finally {
      await store.close();
    }
  });

  it('keeps environments and runbooks apart; no environment is its own key', async () => {
    const clock = { ms: T0 };
    const store = openStore(clock);
    try {
      const holder = { pid: process.pid, host: HOST, operator: 'ana' };
      await store.acquireLock('webshop-release', 'production', { runId: 'R1', ...holder });
      expect(await store.acquireLock('webshop-release', 'uat', { runId: 'R2', ...holder })).toEqual({});
      expect(await store.acquireLock('webshop-release', null, { runId: 'R3', ...holder })).toEqual({});
      expect(await store.acquireLock('other', 'production', { runId: 'R4', ...holder })).toEqual({});
      await expect(store.acquireLock('webshop-release', null, { runId: 'R5', ...holder })).rejects.toThrow(/runbook webshop-release is locked by run R3/);
    } finally {
      await store.close();
    }
  });

  it('takes over a lock whose process died on this host', async () => {
    const clock = { ms: T0 };
    const store = openStore(clock);
    try {
      const dead = deadPid();
      await store.acquireLock('webshop-release', 'production', { runId: 'R1', pid: dead, host: HOST, operator: 'ana' });
      clock.ms += 1000;
      const result = await store.acquireLock('webshop-release', 'production', { runId: 'R2', pid: process.pid, host: HOST, operator: 'li' });
      expect(result).toEqual({
        takenOver: { runId: 'R1', pid: dead, host: HOST, operator: 'ana', since: '2026-12-01T09:00:00.000Z', heartbeatAt: '2026-12-01T09:00:00.000Z' },
      });
      expect(await store.lockHolder('webshop-release', 'production')).toEqual({
        runId: 'R2',
        pid: process.pid,
        host: HOST,
        operator: 'li',
        since: '2026-12-01T09:00:01.000Z',
        heartbeatAt: '2026-12-01T09:00:01.000Z',
      });
    } finally {
      await store.close();
    }
  });

  it('does not take over a fresh lock of another host even if that pid is dead here', async () => {
    const clock = { ms: T0 };
    const store = openStore(clock);
    try {
      await store.acquireLock('webshop-release', 'production', { runId: 'R1', pid: deadPid(), host: 'other-host', operator: 'ana' });
      await expect(store.acquireLock('webshop-release', 'production', { runId: 'R2', pid: process.pid, host: HOST, operator: 'li' })).rejects.toThrow(
        LockHeldError,
      );
    } finally {
      await store.close();
    }
  });

  it('takes over a lock whose heartbeat went stale, on any host', async () => {
    const clock = { ms: T0 };
    const store = openStore(clock);
    try {
      await store.acquireLock('webshop-release', 'production', { runId: 'R1', pid: process.pid, host: 'other-host', operator: 'ana' });
      clock.ms += 60_000;
      await store.heartbeat('R1'); // a beat at T0+60s keeps it alive until T0+180s
      clock.ms = T0 + 60_000 + STALE_HEARTBEAT_MS;
      await expect(store.acquireLock('webshop-release', 'production', { runId: 'R2', pid: process.pid, host: HOST, operator: 'li' })).rejects.toThrow(
        LockHeldError,
      );
      clock.ms += 1;
      const result = await store.acquireLock('webshop-release', 'production', { runId: 'R2', pid: process.pid, host: HOST, operator: 'li' });
      expect(result.takenOver).toMatchObject({ runId: 'R1', host: 'other-host', heartbeatAt: '2026-12-01T09:01:00.000Z' });
      // The old holder learns it lost the lock at its next heartbeat.
      expect(await store.heartbeat('R1')).toBe(false);
      expect(await store.heartbeat('R2')).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('lets the holding run re-acquire, and releases only for the holder', async () => {
    const clock = { ms: T0 };
    const store = openStore(clock);
    try {
      const holder = { runId: 'R1', pid: process.pid, host: HOST, operator: 'ana' };
      await store.acquireLock('webshop-release', 'production', holder);
      expect(await store.acquireLock('webshop-release', 'production', holder)).toEqual({});
      expect(await store.releaseLock('webshop-release', 'production', 'R2')).toBe(false);
      expect((await store.lockHolder('webshop-release', 'production'))?.runId).toBe('R1');
      expect(await store.releaseLock('webshop-release', 'production', 'R1')).toBe(true);
      expect(await store.lockHolder('webshop-release', 'production')).toBeNull();
      expect(await store.acquireLock('webshop-release', 'production', { ...holder, runId: 'R2' })).toEqual({});
    } finally {
      await store.close();
    }
  });
});

describe('runStatus', () => {
  it('shows a running run whose process is gone as interrupted', async () => {
    const clock = { ms: T0 };
    const store = openStore(clock);
    try {
      const alive = await store.createRun(newRun({ id: 'ALIVE', pid: process.pid, host: HOST }));
      const dead = await store.createRun(newRun({ id: 'DEAD', pid: deadPid(), host: HOST }));
      const remote = await store.createRun(newRun({ id: 'REMOTE', pid: deadPid(), host: 'other-host' }));
      expect(store.runStatus(alive)).toBe('running');
      expect(store.runStatus(dead)).toBe('interrupted');
      expect(store.runStatus(remote)).toBe('running');

      clock.ms += STALE_HEARTBEAT_MS + 1;
      expect(store.runStatus((await store.getRun('REMOTE'))!)).toBe('interrupted');
      expect(store.runStatus((await store.getRun('ALIVE'))!)).toBe('interrupted');
      await store.heartbeat('ALIVE');
      expect(store.runStatus((await store.getRun('ALIVE'))!)).toBe('running');
    } finally {
      await store.close();
    }
  });
});
