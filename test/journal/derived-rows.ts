/**
 * Reading the SQLite journal's derived tables (attempts, outputs,
 * decisions) back, for the tests that prove they are written right. golive
 * itself reads only events and runs; these rows are for people querying the
 * file with SQL.
 */
import type { SqliteJournal } from '../../src/journal/sqlite/journal.ts';
import type { DecisionRecord } from '../../src/journal/types.ts';

/** One execution of a command, as its `attempts` row says (from `step.started` + `step.finished`). */
export interface AttemptRecord {
  runId: string;
  phase: string;
  stepId: string;
  attempt: number;
  status: string | null;
  exitCode: number | null;
  signal: string | null;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  expectedMs: number | null;
  command: string;
  head: string | null;
  tail: string | null;
  logPath: string | null;
}

/** Every command execution of a run, in the order they started. */
export function attemptsOf(journal: SqliteJournal, runId: string): AttemptRecord[] {
  const rows = journal.db.prepare('SELECT * FROM attempts WHERE run_id = ? ORDER BY seq').all(runId) as Record<string, never>[];
  return rows.map((row) => ({
    runId: row.run_id,
    phase: row.phase,
    stepId: row.step_id,
    attempt: row.attempt,
    status: row.status,
    exitCode: row.exit_code,
    signal: row.signal,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    durationMs: row.duration_ms,
    expectedMs: row.expected_ms,
    command: row.command,
    head: row.head,
    tail: row.tail,
    logPath: row.log_path,
  }));
}

/** The step outputs recorded by these runs: stepId → name → value; the one recorded last wins. */
export function outputsOf(journal: SqliteJournal, runIds: string[]): Record<string, Record<string, string>> {
  const rows = journal.db
    .prepare('SELECT step_id, name, value FROM outputs WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY seq')
    .all(JSON.stringify(runIds)) as { step_id: string; name: string; value: string }[];
  const outputs: Record<string, Record<string, string>> = Object.create(null);
  for (const row of rows) {
    outputs[row.step_id] ??= Object.create(null);
    outputs[row.step_id][row.name] = row.value;
  }
  return outputs;
}

/** The decisions recorded for a run, in order. */
export function decisionsOf(journal: SqliteJournal, runId: string): DecisionRecord[] {
  const rows = journal.db.prepare('SELECT * FROM decisions WHERE run_id = ? ORDER BY seq').all(runId) as Record<string, never>[];
  return rows.map((row) => ({
    runId: row.run_id,
    seq: row.seq,
    subject: row.subject,
    subjectId: row.subject_id,
    choice: row.choice,
    reason: row.reason,
    by: row.by,
    via: row.via,
    at: row.at,
  }));
}
