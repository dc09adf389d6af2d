/**
 * Walking the SQLite journal's hash chain: the rows in seq order, each judged
 * by the shared checks of `../hash-chain.ts`, then the run rows against what
 * their events said. Each walk is one read transaction, so it sees one
 * consistent snapshot while another process appends runs and events.
 */
import { collectEvidence, firstRunProblem, GENESIS_HASH, type RunEvidence, type RunSnapshotRow, rowProblem } from '../hash-chain.js';
import type { ChainReport } from '../types.js';
import type { Database } from './database.js';
import type { EventRow } from './rows.js';

/**
 * Walk every event in seq order and every run, and report the first thing
 * that is not as golive wrote it. Chain problems (edited, deleted, reordered
 * rows) are reported before run-row problems; a run-row problem carries the
 * seq of that run's `run.started` event (0 when it has none).
 */
export function verifyChain(db: Database): ChainReport {
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

  const runs = db.prepare('SELECT id, runbook_text, runbook_sha256, outcome, exit_code FROM runs ORDER BY started_at, rowid').all() as RunSnapshotRow[];
  const firstBad = firstRunProblem(runs, evidence);
  return firstBad === undefined ? { ok: true, checked } : { ok: false, checked, firstBad };
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

/** `verifyRunChain`, handing `keep` every row of the runs as it goes, also the rows after one that does not verify. */
export function verifyRunChainKeeping(db: Database, runIds: string[], keep: (row: EventRow) => void): ChainReport {
  return db.transaction(() => walkRuns(db, runIds, keep)).deferred();
}

function walkRuns(db: Database, runIds: string[], keep?: (row: EventRow) => void): ChainReport {
  const ids = JSON.stringify(runIds);
  const runs = db
    .prepare('SELECT id, runbook_text, runbook_sha256, outcome, exit_code FROM runs WHERE id IN (SELECT value FROM json_each(?)) ORDER BY started_at, rowid')
    .all(ids) as RunSnapshotRow[];
  const known = new Set(runs.map((run) => run.id));
  const evidence = new Map<string, RunEvidence>();
  const hashAt = db.prepare('SELECT hash FROM events WHERE seq = ?').pluck();
  // One run (most chains): read in the index's order, with no sort of every row.
  const rows = (
    runIds.length === 1
      ? db.prepare('SELECT seq, run_id, at, kind, data, prev_hash, hash FROM events WHERE run_id = ? ORDER BY seq').iterate(runIds[0])
      : db.prepare('SELECT seq, run_id, at, kind, data, prev_hash, hash FROM events WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY seq').iterate(ids)
  ) as IterableIterator<EventRow>;

  let previous: EventRow | undefined;
  let checked = 0;
  let broken: ChainReport | undefined;
  for (const row of rows) {
    keep?.(row);
    if (broken) {
      if (keep) continue;
      break;
    }
    const prevHash = row.seq === 1 ? GENESIS_HASH : previous?.seq === row.seq - 1 ? previous.hash : (hashAt.get(row.seq - 1) as string | undefined);
    const problem = prevHash === undefined ? `row ${row.seq - 1} is missing before it: events were deleted` : rowProblem(row, prevHash, row.seq, known);
    if (problem !== null) {
      broken = { ok: false, checked, scope: 'runs', firstBad: { seq: row.seq, runId: row.run_id, reason: `event ${row.seq}: ${problem}` } };
      continue;
    }
    collectEvidence(evidence, row);
    previous = row;
    checked++;
  }
  if (broken) return broken;
  const firstBad = firstRunProblem(runs, evidence);
  return firstBad === undefined ? { ok: true, checked, scope: 'runs' } : { ok: false, checked, scope: 'runs', firstBad };
}
