/**
 * One connection to a PostgreSQL journal, configured the way every golive
 * connection is: bounded waits (connecting, another writer's lock, a
 * statement left unanswered), pipelined statements, int8 as numbers.
 */
import pg from 'pg';
import { UsageError } from '../../errors.js';
import { passwordFromFile } from './pgpass.js';

/** How long connecting may take before the journal counts as unreachable. */
export const CONNECT_TIMEOUT_MS = 10_000;
/** How long a write waits for another writer's lock (as SQLite's busy timeout). */
export const LOCK_TIMEOUT_MS = 5_000;
/** How long one statement may go unanswered before the connection counts as lost (well above the lock timeout). */
export const QUERY_TIMEOUT_MS = 30_000;

// int8 (seq, ordinal, durations) as numbers: they stay far below 2^53.
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format ?? 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * A client for the journal at `url` (printed as `location`), not yet connected.
 * @throws UsageError (exit 2) when the URL does not parse.
 */
export function newClient(url: string, location: string, options: { readonly?: boolean }): pg.Client {
  let client: pg.Client;
  try {
    client = new pg.Client({
      connectionString: url,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      // A server that stops answering (a dropped network) is noticed instead of awaited for ever.
      query_timeout: QUERY_TIMEOUT_MS,
      keepAlive: true,
      application_name: 'golive',
      // Statements sent together go out together: an append costs one or two round trips, not six.
      pipeline: true,
      options: `-c lock_timeout=${LOCK_TIMEOUT_MS}${options.readonly ? ' -c default_transaction_read_only=on' : ''}`,
      types,
    });
  } catch (error) {
    // pg parses the URL here; its error keeps the whole URL (password too) as `input`: only the message is used.
    throw new UsageError(
      `the journal URL ${location} is not a valid PostgreSQL URL (${(error as Error).message})`,
      'write it as postgres://user@host:port/database, with the password in PGPASSWORD or ~/.pgpass (or percent-encoded in the URL)',
    );
  }
  // Without a password in the URL or PGPASSWORD, pg would read the password file itself, warning on stderr each time.
  // (pg's typings know the password only as a string; it takes a function too, asked when the server wants one.)
  const settable = client as unknown as { password: unknown };
  if (settable.password == null) {
    const { host, port, database = '', user = '' } = client;
    settable.password = () => passwordFromFile({ host, port, database, user });
  }
  // A connection that breaks later surfaces on the next query; without a listener it would crash the process.
  client.on('error', () => undefined);
  return client;
}
