/**
 * The journal's rows as SQLite returns them (snake_case) and their mapping to
 * the records of the journal port (camelCase). Kept apart from the journal
 * class so the queries there read as queries.
 */
import { type ChainedEventRow, storedEventFromRow } from '../hash-chain.js';
import type { LockHolder, PlanFacts, RunRecord, StoredEvent } from '../types.js';

/** A `runs` row. */
export interface RunRow {
  id: string;
  parent_run_id: string | null;
  root_run_id: string;
  mode: string;
  runbook_name: string;
  runbook_version: string | null;
  runbook_path: string;
  runbook_text: string;
  runbook_sha256: string;
  environment: string | null;
  operator: string;
  /** Null for runs recorded before migration 2. */
  identity: string | null;
  host: string;
  pid: number;
  git_commit: string | null;
  change_id: string | null;
  started_at: string;
  heartbeat_at: string;
  ended_at: string | null;
  outcome: string;
  exit_code: number | null;
}

/** The named parameters of the `runs` insert (the row's columns, camelCase). */
export function runParams(run: RunRecord): Record<string, string | number | null> {
  return {
    id: run.id,
    parentRunId: run.parentRunId,
    rootRunId: run.rootRunId,
    mode: run.mode,
    runbookName: run.runbookName,
    runbookVersion: run.runbookVersion,
    runbookPath: run.runbookPath,
    runbookText: run.runbookText,
    runbookSha256: run.runbookSha256,
    environment: run.environment,
    operator: run.operator,
    identity: run.identity?.user ?? null,
    host: run.host,
    pid: run.pid,
    gitCommit: run.gitCommit,
    changeId: run.changeId,
    startedAt: run.startedAt,
    heartbeatAt: run.heartbeatAt,
    endedAt: run.endedAt,
    outcome: run.outcome,
    exitCode: run.exitCode,
  };
}

/** A `runs` row as a `RunRecord`. Stored strings are trusted to be the unions they were written as. */
export function runFromRow(row: RunRow): RunRecord {
  return {
    id: row.id,
    parentRunId: row.parent_run_id,
    rootRunId: row.root_run_id,
    mode: row.mode as RunRecord['mode'],
    runbookName: row.runbook_name,
    runbookVersion: row.runbook_version,
    runbookPath: row.runbook_path,
    runbookText: row.runbook_text,
    runbookSha256: row.runbook_sha256,
    environment: row.environment,
    operator: row.operator,
    identity: row.identity === null ? null : { user: row.identity, kind: 'os-user' },
    host: row.host,
    pid: row.pid,
    gitCommit: row.git_commit,
    changeId: row.change_id,
    startedAt: row.started_at,
    heartbeatAt: row.heartbeat_at,
    endedAt: row.ended_at,
    outcome: row.outcome as RunRecord['outcome'],
    exitCode: row.exit_code,
  };
}

/** An `events` row: the columns the hash chain covers. */
export type EventRow = ChainedEventRow;

/** A row whose stored text is garbage: reported like SQLite's own corruption (`journalErrorFrom` keys on the code). */
export class DamagedRowError extends Error {
  readonly code = 'SQLITE_CORRUPT';
}

/** An `events` row as a `StoredEvent` (the event parsed back from its canonical JSON). */
export function eventFromRow(row: EventRow): StoredEvent {
  return storedEventFromRow(row, DamagedRowError);
}

/**
 * A run's stored plan facts (JSON text) as `PlanFacts`; undefined when the
 * text is not JSON of that shape (damage: each journal reports it as its
 * own). Shared with the PostgreSQL journal, which stores the same text.
 */
export function parsePlanFacts(text: string): PlanFacts | undefined {
  let facts: Partial<Record<keyof PlanFacts, unknown>>;
  try {
    facts = JSON.parse(text);
  } catch {
    return undefined;
  }
  const lists = [facts?.steps, facts?.checks, facts?.verify, facts?.rollbackVerify];
  const maps = [facts?.team, facts?.people];
  const shaped = lists.every(Array.isArray) && maps.every((m) => typeof m === 'object' && m !== null && !Array.isArray(m));
  return shaped ? (facts as PlanFacts) : undefined;
}

/** A `locks` row. */
export interface LockRow {
  runbook: string;
  environment: string;
  run_id: string;
  pid: number;
  host: string;
  operator: string;
  since: string;
  heartbeat_at: string;
}

/** A `locks` row as the `LockHolder` it names. */
export function lockHolderFromRow(row: LockRow): LockHolder {
  return { runId: row.run_id, pid: row.pid, host: row.host, operator: row.operator, since: row.since, heartbeatAt: row.heartbeat_at };
}
