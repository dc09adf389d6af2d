/**
 * The one way to open a journal: `openJournal(location)` with what `--db`,
 * `GOLIVE_DB` or discovery gave (journal-path.ts). A file path opens the
 * SQLite journal; a `postgres://` or `postgresql://` URL goes to the one
 * seam for server journals, `openServerJournal`.
 */
import { statSync } from 'node:fs';
import { JournalError } from '../errors.js';
import { isServerLocation } from './journal-path.js';
import type { Journal } from './port.js';
import { SqliteJournal } from './sqlite/journal.js';

/** How a journal is opened. */
export interface OpenJournalOptions {
  /** Read only: nothing is created or migrated, and the journal is never written. */
  readonly?: boolean;
}

/**
 * Open the journal at `location`: the SQLite file at a path (created and
 * migrated unless `readonly`), or the server journal a URL names.
 * @throws JournalError (exit 6) when it cannot be used.
 */
export async function openJournal(location: string, options: OpenJournalOptions = {}): Promise<Journal> {
  if (isServerLocation(location)) return openServerJournal(location, options);
  return SqliteJournal.open(location, { readonly: options.readonly });
}

/**
 * The seam for journals on a database server: the only code that knows a
 * URL's driver, loaded only when a URL is given so that SQLite commands
 * never load a server client.
 */
export async function openServerJournal(url: string, options: OpenJournalOptions): Promise<Journal> {
  const { openPostgresJournal } = await withNodeNavigator(() => import('./postgres/journal.js'));
  return openPostgresJournal(url, { readonly: options.readonly });
}

/**
 * pg asks, as it loads, whether it runs in a Cloudflare Worker: by
 * `navigator.userAgent`, or, where there is no `navigator` (Node 20), by
 * constructing a `Response`, whose first use loads Node's whole fetch
 * implementation (about 90 ms, a third of a `golive status`). While pg
 * loads, Node 20 gets the `navigator` later Node versions have, so pg reads
 * the answer there; it is removed again afterwards.
 */
async function withNodeNavigator<T>(load: () => Promise<T>): Promise<T> {
  const global = globalThis as { navigator?: unknown };
  if (global.navigator !== undefined) return load();
  global.navigator = { userAgent: `Node.js/${process.versions.node.split('.')[0]}` };
  try {
    return await load();
  } finally {
    delete global.navigator;
  }
}

/** The error for a journal that is not there: nothing can be read, so nothing was executed (exit 6). */
export function missingJournalError(location: string): JournalError {
  return new JournalError(
    `there is no audit journal at ${location}`,
    'run golive from the directory of the deployment, or name the journal with --db / GOLIVE_DB',
  );
}

/**
 * Whether a journal is there. Only "no such file" counts as absent: a path
 * through a file, or one that cannot be searched, goes on to the open, which
 * names that problem (exit 6) instead of reporting an empty journal. A server
 * journal is asked when it is opened.
 */
export function journalExists(location: string): boolean {
  if (isServerLocation(location)) return true;
  try {
    statSync(location);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}
