/**
 * The hash-chain checks over a PostgreSQL journal: the same per-row and
 * per-run rules as the SQLite file's (hash-chain.ts), read page by page
 * inside one REPEATABLE READ transaction, so the check sees one consistent
 * journal while other machines keep appending, in constant memory.
 */
import type pg from 'pg';
import { type ChainedEventRow, collectEvidence, firstRunProblem, GENESIS_HASH, type RunEvidence, type RunSnapshotRow, rowProblem } from '../hash-chain.js';
import type { ChainReport } from '../types.js';
import { EVENT_PAGE_ROWS, sql } from './statements.js';

/** Run `check` in a read-only snapshot of the whole journal. */
async function inSnapshot(client: pg.Client, check: () => Promise<ChainReport>): Promise<ChainReport> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const report = await check();
    await client.query('COMMIT');
    return report;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** Every event row after `after`, a page at a time, in seq order. */
async function* pages(client: pg.Client, page: (after: number) => pg.QueryConfig): AsyncGenerator<ChainedEventRow> {
  let after = 0;
  for (;;) {
    const { rows } = await client.query<ChainedEventRow>(page(after));
    yield* rows;
    if (rows.length < EVENT_PAGE_ROWS) return;
    after = rows[rows.length - 1].seq;
  }
}

/**
 * Walk every event in seq order and every run, and report the first thing
 * that is not as golive wrote it (see the SQLite `verifyChain`).
 */
export function verifyWholeChain(client: pg.Client): Promise<ChainReport> {
  return inSnapshot(client, async () => {
    const runIds = new Set((await client.query<{ id: string }>(sql.runIds())).rows.map((row) => row.id));
    const evidence = new Map<string, RunEvidence>();
    let prevHash = GENESIS_HASH;
    let expectedSeq = 1;
    let checked = 0;
    for await (const row of pages(client, (after) => sql.chainPage([after]))) {
      const problem = rowProblem(row, prevHash, expectedSeq, runIds);
      if (problem !== null) return { ok: false, checked, firstBad: { seq: row.seq, runId: row.run_id, reason: `event ${row.seq}: ${problem}` } };
      collectEvidence(evidence, row);
      prevHash = row.hash;
      expectedSeq = row.seq + 1;
      checked++;
    }
    const runs = (await client.query<RunSnapshotRow>(sql.runsToVerify())).rows;
    const firstBad = firstRunProblem(runs, evidence);
    return firstBad === undefined ? { ok: true, checked } : { ok: false, checked, firstBad };
  });
}

/**
 * Check these runs' events and run rows only, each event linked to the one
 * right before it in the whole journal (see the SQLite `verifyRunChain`).
 */
export function verifyRunsChain(client: pg.Client, runIds: string[]): Promise<ChainReport> {
  return inSnapshot(client, async () => {
    const runs = (await client.query<RunSnapshotRow>(sql.someRunsToVerify([runIds]))).rows;
    const known = new Set(runs.map((run) => run.id));
    const evidence = new Map<string, RunEvidence>();
    let previous: ChainedEventRow | undefined;
    let checked = 0;
    for await (const row of pages(client, (after) => sql.runsPage([after, runIds]))) {
      const prevHash =
        row.seq === 1
          ? GENESIS_HASH
          : previous?.seq === row.seq - 1
            ? previous.hash
            : (await client.query<{ hash: string }>(sql.hashAt([row.seq - 1]))).rows[0]?.hash;
      const problem = prevHash === undefined ? `row ${row.seq - 1} is missing before it: events were deleted` : rowProblem(row, prevHash, row.seq, known);
      if (problem !== null) {
        return { ok: false, checked, scope: 'runs', firstBad: { seq: row.seq, runId: row.run_id, reason: `event ${row.seq}: ${problem}` } };
      }
      collectEvidence(evidence, row);
      previous = row;
      checked++;
    }
    const firstBad = firstRunProblem(runs, evidence);
    return firstBad === undefined ? { ok: true, checked, scope: 'runs' } : { ok: false, checked, scope: 'runs', firstBad };
  });
}
