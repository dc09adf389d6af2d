/** `golive rollback [run-id]`: undo a past run from its stored snapshot and outputs. */
import { rollbackDeployment } from '../engine/run.js';
import { ExitCode } from '../errors.js';
import { EVENT_STREAM_FORMAT } from '../output/json-lines.js';
import { engineOptions, type RunFlags, secretsOrThrow } from '../session/engine-options.js';
import { type GateFlags, passGates } from '../session/gates.js';
import { type RunSelector, refuseIfLive, refuseIfOrphansRun } from '../session/past-run.js';
import { openExistingJournal } from '../session/reader.js';
import { describeRun, type RollbackWork, selectRollback } from '../session/run-selection.js';
import { openSession } from '../session/session.js';

/** Flags of `golive rollback`. */
export type RollbackFlags = RunFlags & GateFlags & Omit<RunSelector, 'runId'> & { runbook?: string };

/** Roll back a run; exit 0 when cleanly restored, 3 when not. */
export async function rollbackCommand(runId: string | undefined, flags: RollbackFlags): Promise<number> {
  const store = await openExistingJournal(flags.db, { readonly: false });
  let work: RollbackWork;
  let target: string;
  try {
    const selection = await selectRollback(store, { ...flags, runId });
    if ('nothing' in selection) {
      process.stdout.write(
        flags.json
          ? `${JSON.stringify({ golive: EVENT_STREAM_FORMAT, kind: 'nothing-to-roll-back', runId: selection.runId, message: selection.nothing })}\n`
          : `${selection.nothing}\n`,
      );
      return ExitCode.Ok;
    }
    work = selection.found;
    refuseIfLive(store.runStatus(work.past.run), work.past.run);
    refuseIfOrphansRun(work.past);
    target = describeRun(store, work.past.run);
  } finally {
    await store.close();
  }
  const { past } = work;
  if (past.driftWarning) process.stderr.write(`golive: warning: ${past.driftWarning}\n`);
  // Say what is about to be undone before any gate or command: the operator must be able to stop a wrong guess.
  (flags.json ? process.stderr : process.stdout).write(`${rollbackPreview(target, work)}\n`);
  const secrets = secretsOrThrow(past.plan);
  const gates = await passGates(past.plan, flags, new Date(), 'roll back');
  const session = await openSession(past.plan, 'rollback', flags, { parent: past.run, warnings: past.driftWarning ? [past.driftWarning] : [], secrets });
  try {
    const result = await rollbackDeployment(
      {
        plan: past.plan,
        options: engineOptions(session, 'rollback', secrets, flags, gates),
        ports: session.ports,
        interruption: session.interruption,
        prior: { ...past.state, checklistDone: true, parentRunId: past.run.id },
      },
      work.order.length === 0
        ? `restore checks of run ${past.run.id} run again by ${session.operator}`
        : `rollback of run ${past.run.id} requested by ${session.operator}`,
    );
    return result.exitCode;
  } finally {
    await session.close();
  }
}

/** The run a rollback acts on and what it will do, in the order it will do it. */
function rollbackPreview(target: string, work: RollbackWork): string {
  const lines = [`Rolling back run ${target}`];
  const inDoubt = work.past.state.rollbackInDoubt;
  if (work.order.length > 0)
    lines.push(
      `  will undo, in order: ${work.order.map((s) => (inDoubt.includes(s.id) ? `${s.id} (in doubt: an earlier rollback of it never ended)` : s.id)).join(' → ')}`,
    );
  else if (work.recheckRestore) lines.push('  nothing left to undo; the restore checks (rollback.verify) did not pass last time: running them again');
  if (work.withoutRollback.length > 0) lines.push(`  no rollback defined (left as is): ${work.withoutRollback.map((s) => s.id).join(', ')}`);
  if (work.nothingToUndo.length > 0) lines.push(`  nothing to undo (rollback: none): ${work.nothingToUndo.map((s) => s.id).join(', ')}`);
  return lines.join('\n');
}
