/**
 * The WAL checkpoint policy: over a long run the WAL file stays within one
 * checkpoint interval, is cut back to its size limit after each checkpoint,
 * and is gone once the journal is closed.
 */
import { existsSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WAL_AUTOCHECKPOINT_PAGES, WAL_SIZE_LIMIT_BYTES } from '../../src/journal/sqlite/database.ts';
import { SqliteJournal } from '../../src/journal/sqlite/journal.ts';
import { event, newRun, runStarted, tempDbPath } from './helpers.ts';

/** A WAL frame is one page and a 24-byte frame header; the file starts with a 32-byte header. */
const FRAME_BYTES = 4096 + 24;
/** The commit that crosses the threshold still completes before the checkpoint: a little slack. */
const WAL_BOUND_BYTES = 32 + (WAL_AUTOCHECKPOINT_PAGES + 64) * FRAME_BYTES;

describe('the SQLite journal WAL over a long run', () => {
  it('stays within one checkpoint interval, shrinks back after each checkpoint, and is removed at close', async () => {
    const path = tempDbPath();
    const wal = `${path}-wal`;
    const store = SqliteJournal.open(path);
    const run = newRun({ id: 'LONG' });
    await store.createRun(run);
    await store.appendEvent(run.id, runStarted(run));

    let largest = 0;
    let cutBack = 0;
    let previous = 0;
    for (let step = 0; step < 6000; step++) {
      const stepId = `s${step}`;
      await store.appendEvent(run.id, event({ kind: 'step.started', phase: 'step', stepId, title: stepId, attempt: 1, attempts: 1, command: 'true' }));
      await store.appendEvent(run.id, event({ kind: 'step.state', stepId, state: 'succeeded' }));
      const size = statSync(wal).size;
      largest = Math.max(largest, size);
      // journal_size_limit truncates the WAL when it is reused after a checkpoint.
      if (size < previous) {
        cutBack++;
        expect(size).toBeLessThanOrEqual(WAL_SIZE_LIMIT_BYTES + FRAME_BYTES * 64);
      }
      previous = size;
    }
    expect(largest).toBeGreaterThan(WAL_SIZE_LIMIT_BYTES);
    expect(largest).toBeLessThanOrEqual(WAL_BOUND_BYTES);
    expect(cutBack).toBeGreaterThanOrEqual(2);
    await store.close();
    expect(existsSync(wal)).toBe(false);
  }, 60_000);
});
