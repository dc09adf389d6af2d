/** Retry waits (delay, back-off, cap) and which failures `on_exit_codes` retries. */
import { describe, expect, it } from 'vitest';
import { type Execution, TIMEOUT_EXIT_CODE } from '../../src/engine/execute.js';
import { retriesAfter, retryDelayMs } from '../../src/engine/retry.js';
import type { CommandResult } from '../../src/process/types.js';

const exited = (exitCode: number | null, status: Execution['status'] = 'failed'): Execution => ({ status, result: { exitCode } as CommandResult });

describe('retryDelayMs', () => {
  it('waits `delay` every time without back-off', () => {
    expect([1, 2, 3].map((n) => retryDelayMs({ attempts: 4, delayMs: 500 }, n))).toEqual([500, 500, 500]);
  });
  it('grows by `backoff` and stops at `max_delay`', () => {
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs({ attempts: 6, delayMs: 1000, backoff: 2, maxDelayMs: 5000 }, n))).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect([1, 2].map((n) => retryDelayMs({ attempts: 3, delayMs: 100, backoff: 1.5 }, n))).toEqual([100, 150]);
  });
});

describe('retriesAfter', () => {
  it('retries every failure when no codes are listed, a failed validation included', () => {
    expect(retriesAfter({ attempts: 2, delayMs: 0 }, exited(1))).toBe(true);
    expect(retriesAfter({ attempts: 2, delayMs: 0 }, undefined)).toBe(true);
  });
  it('retries only the listed codes; a timeout is 124; a failure without a code is not retried', () => {
    const retry = { attempts: 3, delayMs: 0, onExitCodes: [75, TIMEOUT_EXIT_CODE] };
    expect(retriesAfter(retry, exited(75))).toBe(true);
    expect(retriesAfter(retry, exited(1))).toBe(false);
    expect(retriesAfter(retry, exited(null, 'timed-out'))).toBe(true);
    expect(retriesAfter({ ...retry, onExitCodes: [75] }, exited(null, 'timed-out'))).toBe(false);
    expect(retriesAfter(retry, exited(null))).toBe(false);
    expect(retriesAfter(retry, undefined)).toBe(false);
  });
});
