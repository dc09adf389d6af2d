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

/**
 * Every command execution of a run, in the order they started. An ended
 * attempt's head and tail are those of its last step.finished event: the
 * attempts row does not copy them (they are stored once, in the event).
 */
export function attemptsOf(journal: SqliteJournal, runId: string): AttemptRecord[] {
  const rows = journal.db.prepare(ATTEMPTS_WITH_OUTPUT).all(runId) as Record<string, never>[];
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

/** The attempts rows, with head and tail from each attempt's last step.finished event (how a SQL user reads them). */
const ATTEMPTS_WITH_OUTPUT = `
  WITH this_run AS (SELECT ? AS id),
  finished AS (
    SELECT json_extract(data, '$.phase') AS phase, json_extract(data, '$.stepId') AS step_id,
           json_extract(data, '$.attempt') AS attempt, json_extract(data, '$.head') AS head,
           json_extract(data, '$.tail') AS tail, seq
    FROM events WHERE run_id = (SELECT id FROM this_run) AND kind = 'step.finished'),
  latest AS (SELECT phase, step_id, attempt, head, tail, max(seq) FROM finished GROUP BY phase, step_id, attempt)
  SELECT a.*,
         CASE WHEN a.ended_at IS NULL THEN a.head ELSE coalesce(a.head, f.head) END AS head,
         CASE WHEN a.ended_at IS NULL THEN a.tail ELSE coalesce(a.tail, f.tail) END AS tail
  FROM attempts a
  LEFT JOIN latest f ON f.phase = a.phase AND f.step_id = a.step_id AND f.attempt = a.attempt
  WHERE a.run_id = (SELECT id FROM this_run) ORDER BY a.seq`;

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
