/** `golive resume [run-id]`: continue an aborted, failed or interrupted run from its snapshot. */
import { runDeployment } from '../engine/run.js';
import { isDone } from '../engine/run-state.js';
import { UsageError } from '../errors.js';
import { planInstances } from '../runbook/instances.js';
import { engineOptions, type RunFlags, secretsOrThrow } from '../session/engine-options.js';
import { type GateFlags, passGates } from '../session/gates.js';
import { loadPastRun, type PastRun, type RunSelector, refuseIfLive, refuseIfOrphansRun } from '../session/past-run.js';
import { openExistingJournal } from '../session/reader.js';
import { describeRun, selectResume } from '../session/run-selection.js';
import { openSession } from '../session/session.js';

/** Flags of `golive resume`. */
export type ResumeFlags = RunFlags & GateFlags & Omit<RunSelector, 'runId'>;

/** Resume a run; exit codes as for `golive run`. */
export async function resumeCommand(runId: string | undefined, flags: ResumeFlags): Promise<number> {
  const store = await openExistingJournal(flags.db, { readonly: false });
  let past: PastRun;
  let target: string;
  try {
    const selection = await selectResume(store, { ...flags, runId });
    if ('nothing' in selection) throw new UsageError(selection.nothing, 'list runs with `golive history`');
    const run = selection.found;
    const status = store.runStatus(run);
    refuseIfLive(status, run);
    past = await loadPastRun(store, run);
    refuseIfOrphansRun(past);
    const chain = await store.chainOf(run.rootRunId);
    if (chain.some((r) => r.mode === 'rollback') || past.state.rolledBack) {
      throw new UsageError(`run ${run.id} was rolled back; there is nothing to resume`, `start a new deployment with golive run ${past.root.runbookPath}`);
    }
    if (status === 'succeeded' || status === 'succeeded-with-issues') {
      throw new UsageError(`run ${run.id} already succeeded; there is nothing to resume`);
    }
    target = describeRun(store, run);
  } finally {
    await store.close();
  }
  if (past.driftWarning) process.stderr.write(`golive: warning: ${past.driftWarning}\n`);
  (flags.json ? process.stderr : process.stdout).write(`${resumePreview(target, past)}\n`);
  const secrets = secretsOrThrow(past.plan);
  const gates = await passGates(past.plan, flags, new Date(), 'resume');
  const session = await openSession(past.plan, 'resume', flags, {
    parent: past.run,
    warnings: past.driftWarning ? [past.driftWarning] : [],
    secrets,
    alreadyDone: alreadyDone(past),
  });
  try {
    const result = await runDeployment({
      plan: past.plan,
      options: engineOptions(session, 'resume', secrets, flags, gates),
      ports: session.ports,
      interruption: session.interruption,
      prior: { ...past.state, parentRunId: past.run.id, approvals: past.approvals },
    });
    return result.exitCode;
  } finally {
    await session.close();
  }
}

/** The run a resume continues and where it picks up. */
function resumePreview(target: string, past: PastRun): string {
  const done = new Set(alreadyDone(past));
  const steps = planInstances(past.plan);
  const left = steps.filter((s) => !done.has(s.id) && !past.state.inDoubt.includes(s.id)).map((s) => s.id);
  const lines = [`Resuming run ${target}`];
  if (!past.state.checklistDone) lines.push('  the go/no-go checklist runs again first');
  if (past.state.inDoubt.length > 0)
    lines.push(`  in doubt (validated first; run again only with --rerun-in-doubt or your yes): ${past.state.inDoubt.join(', ')}`);
  const approved = [...past.approvals].map(([point, a]) => `${point} (run ${a.runId})`);
  if (approved.length > 0) lines.push(`  approved earlier, not asked again unless four eyes rule out who resumes: ${approved.join(', ')}`);
  lines.push(`  will continue with: ${left.join(' → ') || '(no step left: the smoke tests)'}`);
  return lines.join('\n');
}

/** Steps (and, past the go/no-go, checks) an earlier run of the chain finished: shown as done from the start. */
function alreadyDone(past: PastRun): string[] {
  const steps = [...past.state.steps].filter(([, r]) => isDone(r.state)).map(([id]) => id);
  return past.state.checklistDone ? [...steps, ...past.plan.checks.map((c) => c.id)] : steps;
}
