/**
 * The PostgreSQL `runs` row: SQLite's columns (sqlite/rows.ts) plus
 * `recorded_by`, the role the server authenticated, which is the run's
 * identity here. The `identity` column of the SQLite file has no twin: the
 * server already records who connected, and nobody can set it by hand.
 */
import { type RunRow, runFromRow } from '../sqlite/rows.js';
import type { RunRecord } from '../types.js';

/** A `runs` row as pg returns it. */
export interface PostgresRunRow extends Omit<RunRow, 'identity'> {
  recorded_by: string;
}

/** A `runs` row as a `RunRecord`, its identity the recording role. */
export function runFromPostgresRow(row: PostgresRunRow): RunRecord {
  return { ...runFromRow({ ...row, identity: null }), identity: { user: row.recorded_by, kind: 'database-role' } };
}
