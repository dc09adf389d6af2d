/**
 * Appending one event to the PostgreSQL journal's hash chain, linearised
 * across machines: every append holds the chain's transaction-level
 * advisory lock, and the event's seq is the primary key, so two appends can
 * never both follow the same event.
 *
 * Round trips are what an append costs on a network, so statements are
 * pipelined: a connection that wrote the last event knows the head and
 * sends lock, insert, derived rows and commit at once (one round trip); if
 * another connection appended meanwhile, the insert of the taken seq fails,
 * and the append reads the head under the lock first (two round trips).
 * The hash is computed here, by the same function the SQLite journal uses.
 * Whether the commit waits for the server's disk is the event's durability
 * (durability.ts).
 */
import type pg from 'pg';
import type { EngineEvent, EventKind } from '../../engine/events.js';
import { type ChainedEventRow, canonicalJson, eventHash, GENESIS_HASH } from '../hash-chain.js';
import type { StoredEvent } from '../types.js';
import { durabilityOf } from './durability.js';
import { projectionOf } from './projection.js';
import { sql } from './statements.js';

/** The chain's last event, as far as one connection knows. */
export interface ChainHead {
  seq: number;
  hash: string;
}

/** The unique violation of another connection's event holding the seq this one assumed free. */
const UNIQUE_VIOLATION = '23505';

/**
 * Append `event` (its canonical JSON is `data`) in one committed
 * transaction with its derived rows. `lastWritten` is the head this
 * connection left after its previous append, if any.
 */
export async function appendToChain(
  client: pg.Client,
  lastWritten: ChainHead | undefined,
  runId: string,
  event: EngineEvent,
  data: string,
): Promise<StoredEvent> {
  if (lastWritten !== undefined) {
    try {
      return await writeAfter(client, lastWritten, runId, event, data, [client.query('BEGIN'), client.query(sql.lockChain())]);
    } catch (error) {
      const { code, constraint } = error as { code?: string; constraint?: string };
      if (code !== UNIQUE_VIOLATION || constraint !== 'events_pkey') throw error;
    }
  }
  // A separate statement after the lock: under READ COMMITTED its snapshot
  // includes the event the previous holder committed before releasing it.
  const [, , found] = await settleAll([client.query('BEGIN'), client.query(sql.lockChain()), client.query<ChainHead>(sql.chainHead())], client);
  return writeAfter(client, found.rows[0] ?? { seq: 0, hash: GENESIS_HASH }, runId, event, data, []);
}

/**
 * Append the event `decide` makes from the run's events of `kinds`, read
 * after the chain's lock is taken: nobody can append between the read and
 * the insert. Always two round trips (lock, head and read; insert and commit).
 */
export async function appendDecidedToChain(
  client: pg.Client,
  runId: string,
  kinds: EventKind[],
  decide: (events: StoredEvent[]) => EngineEvent,
  fromRow: (row: ChainedEventRow) => StoredEvent,
): Promise<StoredEvent> {
  const [, , found, seen] = await settleAll(
    [
      client.query('BEGIN'),
      client.query(sql.lockChain()),
      client.query<ChainHead>(sql.chainHead()),
      client.query<ChainedEventRow>(sql.eventsSince([runId, 0, kinds])),
    ],
    client,
  );
  let event: EngineEvent;
  try {
    event = decide(seen.rows.map(fromRow));
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  return writeAfter(client, found.rows[0] ?? { seq: 0, hash: GENESIS_HASH }, runId, event, canonicalJson(event), []);
}

/** Insert the event after `head`, its derived rows, and commit, behind the `opening` statements already sent. */
async function writeAfter(
  client: pg.Client,
  head: ChainHead,
  runId: string,
  event: EngineEvent,
  data: string,
  opening: Promise<pg.QueryResult>[],
): Promise<StoredEvent> {
  const seq = head.seq + 1;
  const prevHash = head.hash;
  const hash = eventHash(prevHash, seq, runId, data);
  const derived = projectionOf({ runId, seq }, event);
  const sent = [...opening];
  if (durabilityOf(event.kind) === 'deferred') sent.push(client.query(sql.deferFlush()));
  sent.push(client.query(sql.insertEvent([seq, runId, event.at, event.kind, data, prevHash, hash])));
  if (derived !== null) sent.push(client.query(derived));
  sent.push(client.query('COMMIT'));
  const results = await settleAll(sent, client);
  // COMMIT in a transaction a statement broke answers ROLLBACK, not an error.
  const commit = results[results.length - 1];
  if (commit.command !== 'COMMIT') throw new Error(`the event was not committed (${commit.command})`);
  return { seq, runId, at: event.at, kind: event.kind, event, prevHash, hash };
}

/**
 * Wait for queries sent together (pipelined); if one failed, end the
 * transaction they were part of and throw the first failure.
 */
async function settleAll<T extends pg.QueryResult[]>(queries: { [K in keyof T]: Promise<T[K]> }, client: pg.Client): Promise<T> {
  const settled = await Promise.allSettled(queries);
  const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed === undefined) return settled.map((result) => (result as PromiseFulfilledResult<pg.QueryResult>).value) as T;
  await client.query('ROLLBACK').catch(() => undefined);
  throw failed.reason;
}
