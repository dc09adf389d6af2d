/** `golive resume [run-id]`: continue an aborted, failed or interrupted run from its snapshot. */
import { runDeployment } from '../engine/run.js';
import { UsageError } from '../errors.js';
import { loadPastRun, openStoreFor, refuseIfOrphansRun, selectRun, type PastRun, type RunSelector } from './past-run.js';
import { refuseIfLive } from './rollback.js';
import { engineOptions, secretsOrThrow, type RunFlags } from './run.js';
import { openSession } from './session.js';

/** Flags of `golive resume`. */
export type ResumeFlags = RunFlags & Omit<RunSelector, 'runId'> & { rerunInDoubt?: boolean };

/** Resume a run; exit codes as for `golive run`. */
export async function resumeCommand(runId: string | undefined, flags: ResumeFlags): Promise<number> {
  const store = openStoreFor(flags);
  let past;
  try {
    const target = selectRun(store, { ...flags, runId }, ['run', 'resume']);
    const status = store.runStatus(target);
    refuseIfLive(status, target);
    past = loadPastRun(store, target);
    refuseIfOrphansRun(past);
    const chain = store.chainOf(target.rootRunId);
    if (chain.some((r) => r.mode === 'rollback') || past.state.rolledBack) {
      throw new UsageError(`run ${target.id} was rolled back; there is nothing to resume`, `start a new deployment with golive run ${past.root.runbookPath}`);
    }
    if (status === 'succeeded' || status === 'succeeded-with-issues') {
      throw new UsageError(`run ${target.id} already succeeded; there is nothing to resume`);
    }
  } finally {
    store.close();
  }
  if (past.driftWarning) process.stderr.write(`golive: warning: ${past.driftWarning}\n`);
  const secrets = secretsOrThrow(past.plan);
  const session = await openSession(past.plan, 'resume', flags, { parent: past.run, warnings: past.driftWarning ? [past.driftWarning] : [], secrets, alreadyDone: alreadyDone(past) });
  try {
    const result = await runDeployment({
      plan: past.plan,
      options: engineOptions(session, 'resume', secrets, flags),
      ports: session.ports,
      interruption: session.interruption,
      prior: { ...past.state, rerunInDoubt: flags.rerunInDoubt === true, parentRunId: past.run.id },
    });
    return result.exitCode;
  } finally {
    await session.close();
  }
}


/** Steps (and, past the go/no-go, checks) an earlier run of the chain finished: shown as done from the start. */
function alreadyDone(past: PastRun): string[] {
  const steps = [...past.state.steps].filter(([, r]) => r.state === 'succeeded' || r.state === 'skipped' || r.state === 'no-rollback').map(([id]) => id);
  return past.state.checklistDone ? [...steps, ...past.plan.checks.map((c) => c.id)] : steps;
}
