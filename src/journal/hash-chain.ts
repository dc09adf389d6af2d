/**
 * The tamper-evident part of the journal. Every event row carries the hash of
 * the row before it, over ALL runs (one global chain), so removing a whole
 * run's events leaves a gap as visible as editing one character. Run rows are
 * checked against the events that describe them: the runbook snapshot
 * against its SHA-256 and the `run.started` event, the outcome against
 * `run.finished`.
 *
 * The chain proves the file is what golive wrote, to anyone who has not
 * recomputed every hash after an edit; it is evidence, not access control.
 *
 * Persisted: the canonical form and the hash input below never change.
 */
import { createHash } from 'node:crypto';
import type { Database } from './sqlite/database.js';
import type { EventRow } from './sqlite/rows.js';
import type { ChainReport } from './types.js';

/** The `prev_hash` of the first event ever written. */
export const GENESIS_HASH = '0'.repeat(64);

/** SHA-256 of a UTF-8 string, as 64 lowercase hex digits. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * JSON with object keys sorted (by UTF-16 code unit, recursively) and no
 * whitespace, so the same event always hashes the same way whatever order
 * its fields were built in. Like `JSON.stringify`: `undefined` members are
 * dropped, non-finite numbers become null, `toJSON` is honoured.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw new TypeError('canonicalJson: BigInt is not JSON');
    case 'object':
      break;
    default:
      // Functions and symbols, reached only as array members.
      return 'null';
  }
  const withToJson = value as { toJSON?: () => unknown };
  if (typeof withToJson.toJSON === 'function') return canonicalJson(withToJson.toJSON());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;

  const record = value as Record<string, unknown>;
  const members: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const member = record[key];
    if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
    members.push(`${JSON.stringify(key)}:${canonicalJson(member)}`);
  }
  return `{${members.join(',')}}`;
}

/**
 * The hash of one event row. `data` is the row's stored text (the canonical
 * JSON of the event); seq and run id are inside the hash so a row cannot be
 * moved to another position or another run unnoticed.
 */
export function eventHash(prevHash: string, seq: number, runId: string, data: string): string {
  return sha256Hex(`${prevHash}\n${seq}\n${runId}\n${data}`);
}

/** The columns of a run row that its events vouch for. */
export interface RunRow {
  id: string;
  runbook_text: string;
  runbook_sha256: string;
  outcome: string;
  exit_code: number | null;
}

/** What the events say about one run, gathered while walking the chain. */
export interface RunEvidence {
  startedSeq?: number;
  startedSha256?: string;
  finishedSeq?: number;
  finishedOutcome?: string;
  finishedExitCode?: number;
}

/** Why `row` does not verify after `prevHash` / `expectedSeq`, or null when it does. */
export function rowProblem(row: EventRow, prevHash: string, expectedSeq: number, runIds: Set<string>): string | null {
  if (row.seq !== expectedSeq) {
    const missing = row.seq - 1 === expectedSeq ? `row ${expectedSeq} is` : `rows ${expectedSeq}-${row.seq - 1} are`;
    return `${missing} missing before it: events were deleted`;
  }
  if (row.prev_hash !== prevHash) {
    return 'its prev_hash is not the hash of the row before it: a row was deleted or replaced, or rows were reordered';
  }
  if (eventHash(row.prev_hash, row.seq, row.run_id, row.data) !== row.hash) {
    return 'its content does not match its hash: the row was edited or moved';
  }
  let event: { kind?: unknown; at?: unknown };
  try {
    event = JSON.parse(row.data) as { kind?: unknown; at?: unknown };
  } catch {
    return 'its data is not JSON';
  }
  if (event.kind !== row.kind) return `its kind column (${row.kind}) differs from its data (${String(event.kind)}): the row was edited`;
  if (event.at !== row.at) return `its at column (${row.at}) differs from its data (${String(event.at)}): the row was edited`;
  if (!runIds.has(row.run_id)) return `its run ${row.run_id} is missing from the runs table: the run was deleted`;
  return null;
}

/** Record what a verified event says about its run. */
export function collectEvidence(evidence: Map<string, RunEvidence>, row: EventRow): void {
  if (row.kind !== 'run.started' && row.kind !== 'run.finished') return;
  const event = JSON.parse(row.data) as { runbook?: { sha256?: string }; outcome?: string; exitCode?: number };
  const entry = evidence.get(row.run_id) ?? {};
  if (row.kind === 'run.started') {
    entry.startedSeq ??= row.seq;
    entry.startedSha256 ??= event.runbook?.sha256;
  } else {
    entry.finishedSeq = row.seq;
    entry.finishedOutcome = event.outcome;
    entry.finishedExitCode = event.exitCode;
  }
  evidence.set(row.run_id, entry);
}

/** Why a run row disagrees with its snapshot or its events, or null. */
export function runProblem(run: RunRow, seen: RunEvidence | undefined): string | null {
  if (sha256Hex(run.runbook_text) !== run.runbook_sha256) {
    return `the runbook snapshot of run ${run.id} does not match its runbook_sha256: the snapshot was edited`;
  }
  if (seen?.startedSha256 !== undefined && seen.startedSha256 !== run.runbook_sha256) {
    return `run ${run.id}'s runbook_sha256 differs from the one in its run.started event: the snapshot was replaced`;
  }
  const finished = run.outcome !== 'running';
  if (finished && seen?.startedSeq === undefined) {
    return `run ${run.id} is recorded as ${run.outcome} but has no run.started event: its events were deleted`;
  }
  if (finished && seen?.finishedSeq === undefined) {
    return `run ${run.id} is recorded as ${run.outcome} but its run.finished event is missing: the end of the trail was deleted`;
  }
  if (!finished && seen?.finishedSeq !== undefined) {
    return `run ${run.id} has a run.finished event but is recorded as still running: the run row was edited`;
  }
  if (finished && (seen?.finishedOutcome !== run.outcome || seen?.finishedExitCode !== run.exit_code)) {
    return `run ${run.id} is recorded as ${run.outcome} (exit ${String(run.exit_code)}) but its run.finished event says ${String(seen?.finishedOutcome)} (exit ${String(seen?.finishedExitCode)}): the run row was edited`;
  }
  return null;
}

/**
 * Walk every event in seq order and every run, and report the first thing
 * that is not as golive wrote it. Chain problems (edited, deleted, reordered
 * rows) are reported before run-row problems; a run-row problem carries the
 * seq of that run's `run.started` event (0 when it has none).
 */
export function verifyChain(db: Database): ChainReport {
  // One read transaction: a consistent snapshot, even while another process appends runs and events.
  return db.transaction(() => walk(db)).deferred();
}

function walk(db: Database): ChainReport {
  const runIds = new Set(db.prepare('SELECT id FROM runs').pluck().all() as string[]);
  const evidence = new Map<string, RunEvidence>();
  const rows = db.prepare('SELECT seq, run_id, at, kind, data, prev_hash, hash FROM events ORDER BY seq').iterate() as IterableIterator<EventRow>;

  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let checked = 0;
  for (const row of rows) {
    const problem = rowProblem(row, prevHash, expectedSeq, runIds);
    if (problem !== null) {
      return { ok: false, checked, firstBad: { seq: row.seq, runId: row.run_id, reason: `event ${row.seq}: ${problem}` } };
    }
    collectEvidence(evidence, row);
    prevHash = row.hash;
    expectedSeq = row.seq + 1;
    checked++;
  }

  const runs = db
    .prepare('SELECT id, runbook_text, runbook_sha256, outcome, exit_code FROM runs ORDER BY started_at, rowid')
    .all() as RunRow[];
  for (const run of runs) {
    const seen = evidence.get(run.id);
    const problem = runProblem(run, seen);
    if (problem !== null) {
      return { ok: false, checked, firstBad: { seq: seen?.startedSeq ?? 0, runId: run.id, reason: problem } };
    }
  }
  return { ok: true, checked };
}

/**
 * Check the events of these runs only, and the run rows themselves: each
 * event's own hash, and that its prev_hash is the hash of the event right
 * before it in the whole journal (one primary-key look-up where that event
 * belongs to another run), so the cost is what these runs hold, not what
 * the journal holds. Rows between other runs' events are not checked:
 * `verifyChain` is the full check.
 */
export function verifyRunChain(db: Database, runIds: string[]): ChainReport {
  return db.transaction(() => walkRuns(db, runIds)).deferred();
}

function walkRuns(db: Database, runIds: string[]): ChainReport {
  const ids = JSON.stringify(runIds);
  const runs = db
    .prepare('SELECT id, runbook_text, runbook_sha256, outcome, exit_code FROM runs WHERE id IN (SELECT value FROM json_each(?)) ORDER BY started_at, rowid')
    .all(ids) as RunRow[];
  const known = new Set(runs.map((run) => run.id));
  const evidence = new Map<string, RunEvidence>();
  const hashAt = db.prepare('SELECT hash FROM events WHERE seq = ?').pluck();
  const rows = db
    .prepare('SELECT seq, run_id, at, kind, data, prev_hash, hash FROM events WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY seq')
    .iterate(ids) as IterableIterator<EventRow>;

  let previous: EventRow | undefined;
  let checked = 0;
  for (const row of rows) {
    const prevHash = row.seq === 1 ? GENESIS_HASH : previous?.seq === row.seq - 1 ? previous.hash : (hashAt.get(row.seq - 1) as string | undefined);
    const problem = prevHash === undefined ? `row ${row.seq - 1} is missing before it: events were deleted` : rowProblem(row, prevHash, row.seq, known);
    if (problem !== null) {
      return { ok: false, checked, scope: 'runs', firstBad: { seq: row.seq, runId: row.run_id, reason: `event ${row.seq}: ${problem}` } };
    }
    collectEvidence(evidence, row);
    previous = row;
    checked++;
  }
  for (const run of runs) {
    const seen = evidence.get(run.id);
    const problem = runProblem(run, seen);
    if (problem !== null) return { ok: false, checked, scope: 'runs', firstBad: { seq: seen?.startedSeq ?? 0, runId: run.id, reason: problem } };
  }
  return { ok: true, checked, scope: 'runs' };
}
