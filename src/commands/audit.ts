/**
 * `golive audit verify`: check the file's pages, then walk the hash chain of
 * every event and the runbook snapshot of every run; exit 0 when intact, 1
 * naming the damage or the first bad row.
 * `golive audit export`: every event as one JSON line (secrets were masked
 * before they were ever stored).
 */
import { ExitCode, JournalDamagedError, UsageError } from '../errors.js';
import { dbPathFor, printableLocation } from '../journal/journal-path.js';
import type { Journal } from '../journal/port.js';
import { paintFor } from '../output/paint.js';
import { findRun, openExistingJournal } from '../session/reader.js';

/** Flags of the audit commands. */
export interface AuditFlags {
  db?: string;
  json?: boolean;
  run?: string;
  format?: string;
}

/**
 * Verify the file, the chain and the snapshots; exit 0 intact, 1 altered or
 * damaged. Damage is evidence, like an edit: reported on stdout with exit 1,
 * not as a journal that cannot be used.
 */
export async function auditVerifyCommand(flags: AuditFlags): Promise<number> {
  const path = printableLocation(dbPathFor(flags.db));
  let store: Journal | undefined;
  try {
    store = await openExistingJournal(flags.db);
    const report = await store.verifyChain();
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ journal: store.location, ...report })}\n`);
    } else {
      const paint = paintFor(process.stdout);
      process.stdout.write(
        report.ok
          ? `${paint.green('✔')} ${store.location}: ${report.checked} events, hash chain and runbook snapshots intact\n`
          : `${paint.red('✖')} ${store.location}: the journal has been altered at event ${report.firstBad?.seq} (run ${report.firstBad?.runId}): ${report.firstBad?.reason}\n  ${report.checked} events checked before it. Keep this file as evidence; do not run golive against it.\n`,
      );
    }
    return report.ok ? ExitCode.Ok : ExitCode.RolledBack;
  } catch (error) {
    if (error instanceof JournalDamagedError) return printDamaged(path, error, flags);
    throw error;
  } finally {
    await store?.close();
  }
}

function printDamaged(path: string, damage: JournalDamagedError, flags: AuditFlags): number {
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ journal: path, ok: false, damaged: damage.problem })}\n`);
  } else {
    process.stdout.write(
      `${paintFor(process.stdout).red('✖')} ${path}: the journal is damaged: ${damage.problem}${damage.hint ? `\n  hint: ${damage.hint}` : ''}\n`,
    );
  }
  return ExitCode.RolledBack;
}

/** Export events as JSON lines, optionally of one run (and its resumes/rollbacks). */
export async function auditExportCommand(flags: AuditFlags): Promise<number> {
  if (flags.format && flags.format !== 'jsonl') throw new UsageError(`unknown export format ${flags.format}`, 'use --format jsonl');
  const store = await openExistingJournal(flags.db);
  try {
    let runIds: string[] | undefined;
    if (flags.run) {
      const run = await findRun(store, flags.run);
      runIds = (await store.chainOf(run.rootRunId)).map((r) => r.id);
    }
    // Streamed, in writes of about 64 KiB: memory stays constant whatever the journal holds.
    let pending = '';
    for await (const stored of store.iterateEvents(runIds)) {
      pending += `${JSON.stringify({ seq: stored.seq, runId: stored.runId, hash: stored.hash, prevHash: stored.prevHash, ...stored.event })}\n`;
      if (pending.length >= 65536) {
        process.stdout.write(pending);
        pending = '';
      }
    }
    if (pending) process.stdout.write(pending);
    return ExitCode.Ok;
  } finally {
    await store.close();
  }
}
