/**
 * Rows as pg returns them, as records. The `events` rows are SQLite's; the
 * `runs` row has SQLite's columns (sqlite/rows.ts) plus
 * `recorded_by`, the role the server authenticated, which is the run's
 * identity here. The `identity` column of the SQLite file has no twin: the
 * server already records who connected, and nobody can set it by hand.
 */
import { type ChainedEventRow, storedEventFromRow } from '../hash-chain.js';
import { type RunRow, runFromRow } from '../sqlite/rows.js';
import type { RunRecord, StoredEvent } from '../types.js';
import { DamagedRowError } from './errors.js';

/** A `runs` row as pg returns it. */
export interface PostgresRunRow extends Omit<RunRow, 'identity'> {
  recorded_by: string;
}

/** A `runs` row as a `RunRecord`, its identity the recording role. */
export function runFromPostgresRow(row: PostgresRunRow): RunRecord {
  return { ...runFromRow({ ...row, identity: null }), identity: { user: row.recorded_by, kind: 'database-role' } };
}

/** The rows of a statement that sends them as one JSON array (statements.ts: `EVENT_ROWS_AS_JSON`). */
export function eventRowsFromJson(text: string): ChainedEventRow[] {
  try {
    return JSON.parse(text) as ChainedEventRow[];
  } catch {
    throw new DamagedRowError('the events read are not the JSON array the journal asked for');
  }
}

/** An `events` row as a `StoredEvent` (the event parsed back from its canonical JSON). */
export function eventFromRow(row: ChainedEventRow): StoredEvent {
  return storedEventFromRow(row, DamagedRowError);
}
