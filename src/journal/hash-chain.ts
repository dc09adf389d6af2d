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
 *
 * Pure: no database here. Each journal implementation walks its own rows
 * (`sqlite/chain.ts`) and judges each one with the checks below, so every
 * backend finds the same problems in the same words.
 */
import { createHash } from 'node:crypto';
import type { EngineEvent } from '../engine/events.js';
import type { ChainReport, StoredEvent } from './types.js';

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

/** An event as stored (the column names every journal schema uses). */
export interface ChainedEventRow {
  seq: number;
  run_id: string;
  at: string;
  kind: string;
  data: string;
  prev_hash: string;
  hash: string;
}

/**
 * A stored row as a `StoredEvent` (the event parsed back from its canonical
 * JSON), for every journal; `Damaged` is the journal's own error for a row
 * whose text is not JSON, so each reports it as its own damage.
 */
export function storedEventFromRow(row: ChainedEventRow, Damaged: new (message: string) => Error): StoredEvent {
  let event: EngineEvent;
  try {
    event = JSON.parse(row.data) as EngineEvent;
  } catch {
    throw new Damaged(`event ${row.seq} is not valid JSON`);
  }
  return { seq: row.seq, runId: row.run_id, at: row.at, kind: event.kind, event, prevHash: row.prev_hash, hash: row.hash };
}

/** The columns of a run row that its events vouch for. */
export interface RunSnapshotRow {
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

/**
 * Why `row` does not verify after `prevHash` / `expectedSeq`, or null when
 * it does. `runIds` are the runs the journal holds (or, for a check of some
 * runs, those runs).
 */
export function rowProblem(row: ChainedEventRow, prevHash: string, expectedSeq: number, runIds: ReadonlySet<string>): string | null {
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
export function collectEvidence(evidence: Map<string, RunEvidence>, row: ChainedEventRow): void {
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
export function runProblem(run: RunSnapshotRow, seen: RunEvidence | undefined): string | null {
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
 * The first run row its events do not vouch for (in the order given: start
 * order), or undefined. It is placed at that run's `run.started` event (seq
 * 0 when it has none).
 */
export function firstRunProblem(runs: Iterable<RunSnapshotRow>, evidence: ReadonlyMap<string, RunEvidence>): ChainReport['firstBad'] {
  for (const run of runs) {
    const seen = evidence.get(run.id);
    const problem = runProblem(run, seen);
    if (problem !== null) return { seq: seen?.startedSeq ?? 0, runId: run.id, reason: problem };
  }
  return undefined;
}
