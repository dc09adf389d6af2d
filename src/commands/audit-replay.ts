/**
 * `golive audit replay <spool-file>`: append the events a run kept in its
 * spool (its journal's server stayed away, journal-outage.ts) to that run's
 * chain, in order, once the server is back. Idempotent: an event already in
 * the journal (recorded just before the connection broke, or by an earlier
 * replay) is not appended again, so replaying twice appends nothing the
 * second time.
 */
import { ExitCode, UsageError } from '../errors.js';
import { journalFlagFor, printableLocation, shellWord } from '../journal/journal-path.js';
import { readSpool, unrecordedEvents } from '../journal/spool.js';
import { openExistingJournal } from '../session/reader.js';

/** Flags of `golive audit replay`. */
export interface ReplayFlags {
  db?: string;
  json?: boolean;
}

/** Replay a spool file into its run's journal; exit 0 when every event is in the journal afterwards. */
export async function auditReplayCommand(spoolFile: string, flags: ReplayFlags): Promise<number> {
  const { header, events } = readSpool(spoolFile);
  const store = await openExistingJournal(flags.db, { readonly: false });
  try {
    if (printableLocation(store.location) !== header.journal) {
      throw new UsageError(
        `${spoolFile} holds events of run ${header.runId} in the journal ${header.journal}, not in ${store.location}`,
        `name that journal with --db or GOLIVE_DB (the password from the URL, PGPASSWORD or ~/.pgpass)`,
      );
    }
    const run = await store.getRun(header.runId);
    if (run === null) {
      throw new UsageError(
        `run ${header.runId} of ${spoolFile} is not in ${store.location}`,
        'name the journal the run was recorded in with --db or GOLIVE_DB',
      );
    }
    const missing = await unrecordedEvents(store, run.id, events);
    for (const event of missing) await store.appendEvent(run.id, event);
    const appended = missing.length;
    const already = events.length - appended;
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ journal: store.location, runId: run.id, spool: spoolFile, appended, alreadyRecorded: already })}\n`);
      return ExitCode.Ok;
    }
    const db = journalFlagFor(store.location, { cwd: process.cwd(), env: process.env });
    const flag = db ? ` ${db}` : '';
    process.stdout.write(
      `replayed ${spoolFile} into ${store.location}: ${appended} event${appended === 1 ? '' : 's'} of run ${run.id} appended, ${already} already recorded\n` +
        `  next: check the chain with \`golive audit verify${flag}\`, then continue with \`golive resume ${run.id}${flag}\` or undo what ran with \`golive rollback ${run.id}${flag}\`\n` +
        `  the spool file may be removed once the chain verifies: rm ${shellWord(spoolFile)}\n`,
    );
    return ExitCode.Ok;
  } finally {
    await store.close();
  }
}
