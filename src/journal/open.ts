/**
 * The journal-open guard of the commands that read a journal which must
 * already exist (show, report, status, audit, rollback, resume): one place
 * that says "there is no journal here" the same way, with exit 6.
 */
import { statSync } from 'node:fs';
import { AuditStore } from './sqlite/store.js';
import { JournalError } from '../errors.js';
import { dbPathFor } from '../session/session.js';

/** The error for a journal that is not there: nothing can be read, so nothing was executed (exit 6). */
export function missingJournalError(path: string): JournalError {
  return new JournalError(`there is no audit journal at ${path}`, 'run golive from the directory of the deployment, or name the journal with --db / GOLIVE_DB');
}

/**
 * Whether a journal file is there. Only "no such file" counts as absent: a
 * path through a file, or one that cannot be searched, goes on to the open,
 * which names that problem (exit 6) instead of reporting an empty journal.
 */
export function journalExists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/**
 * Open the journal of `--db` / GOLIVE_DB / the default for reading only
 * (nothing is created, a damaged or foreign file is refused with exit 6).
 */
export function openJournalToRead(dbFlag?: string): AuditStore {
  const path = dbPathFor(dbFlag);
  if (!journalExists(path)) throw missingJournalError(path);
  return AuditStore.open(path, { readonly: true });
}
