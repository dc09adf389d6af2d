/**
 * `golive audit verify`: walk the hash chain of every event and the runbook
 * snapshot of every run; exit 0 when intact, 1 naming the first bad row.
 * `golive audit export`: every event as one JSON line (secrets were masked
 * before they were ever stored).
 */
import { existsSync } from 'node:fs';
import { AuditStore } from '../audit/store.js';
import { ExitCode, UsageError } from '../errors.js';
import { paintFor } from '../render/paint.js';
import { dbPathFor } from './session.js';

/** Flags of the audit commands. */
export interface AuditFlags {
  db?: string;
  json?: boolean;
  run?: string;
  format?: string;
}

function openReadonly(flags: AuditFlags): AuditStore {
  const path = dbPathFor(flags.db);
  if (!existsSync(path)) throw new UsageError(`no audit journal at ${path}`, 'name it with --db or GOLIVE_DB');
  return AuditStore.open(path, { readonly: true });
}

/** Verify the chain; exit 0 intact, 1 tampered. */
export async function auditVerifyCommand(flags: AuditFlags): Promise<number> {
  const store = openReadonly(flags);
  try {
    const report = store.verifyChain();
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ journal: store.path, ...report })}\n`);
    } else {
      const paint = paintFor(process.stdout);
      process.stdout.write(report.ok
        ? `${paint.green('✔')} ${store.path}: ${report.checked} events, hash chain and runbook snapshots intact\n`
        : `${paint.red('✖')} ${store.path}: the journal has been altered at event ${report.firstBad?.seq} (run ${report.firstBad?.runId}): ${report.firstBad?.reason}\n  ${report.checked} events checked before it. Keep this file as evidence; do not run golive against it.\n`);
    }
    return report.ok ? ExitCode.Ok : ExitCode.RolledBack;
  } finally {
    store.close();
  }
}

/** Export events as JSON lines, optionally of one run (and its resumes/rollbacks). */
export async function auditExportCommand(flags: AuditFlags): Promise<number> {
  if (flags.format && flags.format !== 'jsonl') throw new UsageError(`unknown export format ${flags.format}`, 'use --format jsonl');
  const store = openReadonly(flags);
  try {
    let runIds: string[];
    if (flags.run) {
      const run = store.getRun(flags.run);
      if (!run) throw new UsageError(`no run ${flags.run} in ${store.path}`, 'list runs with `golive history`');
      runIds = store.chainOf(run.rootRunId).map((r) => r.id);
    } else {
      runIds = store.listRuns().map((r) => r.id);
    }
    for (const stored of store.eventsOf(runIds)) {
      process.stdout.write(`${JSON.stringify({ seq: stored.seq, runId: stored.runId, hash: stored.hash, prevHash: stored.prevHash, ...stored.event })}\n`);
    }
    return ExitCode.Ok;
  } finally {
    store.close();
  }
}
