/** `golive rollback [run-id]`: undo a past run from its stored snapshot and outputs. */
import { rollbackDeployment } from '../engine/run.js';
import { rollbackOrder } from '../engine/rollback.js';
import { ExitCode, LockHeldError } from '../errors.js';
import { planSteps } from '../runbook/plan.js';
import { loadPastRun, openStoreFor, refuseIfOrphansRun, selectRun, type RunSelector } from './past-run.js';
import { engineOptions, secretsOrThrow, type RunFlags } from './run.js';
import { openSession } from './session.js';

/** Flags of `golive rollback`. */
export type RollbackFlags = RunFlags & Omit<RunSelector, 'runId'> & { runbook?: string };

/** Roll back a run; exit 0 when cleanly restored, 3 when not. */
export async function rollbackCommand(runId: string | undefined, flags: RollbackFlags): Promise<number> {
  const store = openStoreFor(flags);
  let past;
  try {
    const target = selectRun(store, { ...flags, runId });
    refuseIfLive(store.runStatus(target), target);
    past = loadPastRun(store, target);
    refuseIfOrphansRun(past);
  } finally {
    store.close();
  }
  if (past.driftWarning) process.stderr.write(`golive: warning: ${past.driftWarning}\n`);
  const { order, withoutRollback } = rollbackOrder(planSteps(past.plan), past.state.steps);
  if (order.length === 0) {
    const none = withoutRollback.length ? ` (${withoutRollback.map((s) => s.id).join(', ')}: no rollback defined)` : '';
    process.stdout.write(flags.json
      ? `${JSON.stringify({ kind: 'nothing-to-roll-back', runId: past.run.id, withoutRollback: withoutRollback.map((s) => s.id) })}\n`
      : `Nothing left to roll back in run ${past.run.id}${none}.\n`);
    return ExitCode.Ok;
  }
  const secrets = secretsOrThrow(past.plan);
  const session = await openSession(past.plan, 'rollback', flags, { parent: past.run, warnings: past.driftWarning ? [past.driftWarning] : [], secrets });
  try {
    const result = await rollbackDeployment({
      plan: past.plan,
      options: engineOptions(session, 'rollback', secrets, flags),
      ports: session.ports,
      interruption: session.interruption,
      prior: { ...past.state, checklistDone: true, parentRunId: past.run.id },
    }, `rollback of run ${past.run.id} requested by ${session.operator}`);
    return result.exitCode;
  } finally {
    await session.close();
  }
}

/** A run whose process is alive must be stopped first: acting on it now would race it. */
export function refuseIfLive(status: string, run: { id: string; pid: number; host: string; operator: string }): void {
  if (status === 'running') {
    throw new LockHeldError(`run ${run.id} is still running (pid ${run.pid} on ${run.host}, ${run.operator})`, `stop it first (Ctrl-C in its terminal, or kill -TERM ${run.pid}), or watch it with \`golive status ${run.id}\``);
  }
}
