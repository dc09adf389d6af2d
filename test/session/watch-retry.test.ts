/**
 * A read-only watcher's reads through a journal server that goes away:
 * retried with a bounded back-off until it answers, told once per outage,
 * ended at once by the abort; any other journal error passes straight
 * through. The real server going away is tested end to end
 * (test/e2e/postgres-watch.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/engine/ports.ts';
import { JournalDamagedError, JournalUnreachableError } from '../../src/errors.ts';
import { RETRY_FIRST_MS, RETRY_MAX_MS, readThroughOutage } from '../../src/session/watch-retry.ts';

/** A clock that only records the waits asked of it (and can abort during one). */
function fakeClock(onSleep: (ms: number) => void = () => undefined): Clock & { waits: number[] } {
  const waits: number[] = [];
  let now = Date.parse('2026-12-01T12:00:00Z');
  return {
    waits,
    now: () => new Date(now),
    sleep: async (ms) => {
      waits.push(ms);
      now += ms;
      onSleep(ms);
    },
  };
}

const away = () => new JournalUnreachableError('cannot reach the audit journal postgres://li:***@db.example/golive: the connection was refused');

/** A read that fails as unreachable `failures` times, then answers. */
function flakyRead(failures: number): { read: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    read: async () => {
      calls++;
      if (calls <= failures) throw away();
      return 'answer';
    },
    calls: () => calls,
  };
}

describe('readThroughOutage', () => {
  it('answers at once when the journal answers, telling nothing', async () => {
    const told: Date[] = [];
    const clock = fakeClock();
    const { read, calls } = flakyRead(0);
    expect(await readThroughOutage(read, clock, new AbortController().signal, { unreachable: (at) => told.push(at) })).toBe('answer');
    expect(calls()).toBe(1);
    expect(clock.waits).toEqual([]);
    expect(told).toEqual([]);
  });

  it('retries an unreachable journal with a back-off doubling from 0.5 s to at most 5 s, told once, until it answers', async () => {
    const told: Date[] = [];
    const clock = fakeClock();
    const { read, calls } = flakyRead(7);
    expect(await readThroughOutage(read, clock, new AbortController().signal, { unreachable: (at) => told.push(at) })).toBe('answer');
    expect(calls()).toBe(8);
    expect(RETRY_FIRST_MS).toBe(500);
    expect(RETRY_MAX_MS).toBe(5_000);
    expect(clock.waits).toEqual([500, 1000, 2000, 4000, 5000, 5000, 5000]);
    expect(told).toEqual([new Date('2026-12-01T12:00:00Z')]);
  });

  it('ends at once, with no answer, when the watch is stopped during the wait', async () => {
    const stop = new AbortController();
    const clock = fakeClock(() => stop.abort());
    const { read, calls } = flakyRead(1_000);
    expect(await readThroughOutage(read, clock, stop.signal, { unreachable: () => undefined })).toBeUndefined();
    expect(calls()).toBe(1);
  });

  it('passes any other journal error straight through, without waiting', async () => {
    const clock = fakeClock();
    const damaged = new JournalDamagedError('postgres://li:***@db.example/golive', 'its table events is missing');
    const read = async () => {
      throw damaged;
    };
    await expect(readThroughOutage(read, clock, new AbortController().signal, { unreachable: () => undefined })).rejects.toBe(damaged);
    expect(clock.waits).toEqual([]);
  });
});
