/**
 * The deployment state machine: checks → steps → smoke tests → end, with the
 * failure policy deciding between asking, rolling back, aborting and going
 * on. Pure logic over ports: it never prints and never touches SQLite.
 */

import { ExitCode } from '../errors.js';
import { planInstances, stageInstances } from '../runbook/instances.js';
import { expectedTotalMs, type Plan, type PlannedStep } from '../runbook/plan.js';
import { awaitApproval } from './approval.js';
import type { CarriedApproval } from './approval-carry.js';
import { runChecklist } from './checks.js';
import { type EngineOptions, type Interruption, RunContext, type StepRecord } from './context.js';
import type { RunOutcome } from './events.js';
import { onStepFailure } from './failure.js';
import type { EnginePorts } from './ports.js';
import { resolveInDoubt } from './resume.js';
import { performRollback, type RollbackResult } from './rollback.js';
import { type RolloutStage, runRollout, targetKey } from './rollout.js';
import { isDone, type RunChainState } from './run-state.js';
import { runStep, type StepOutcome } from './steps.js';
import { runSmokeTests } from './verify.js';

/** How the engine run ended. */
export interface EngineResult {
  outcome: RunOutcome;
  exitCode: number;
  issues: string[];
}

/**
 * What earlier runs of the same deployment left (resume, rollback): the
 * chain's fold, the run this one continues, and (resume) the approvals
 * given earlier that still stand.
 */
export type PriorState = RunChainState & { parentRunId: string; approvals?: ReadonlyMap<string, CarriedApproval> };

/** Everything a run needs. */
export interface EngineRun {
  plan: Plan;
  options: EngineOptions;
  ports: EnginePorts;
  interruption: Interruption;
  prior?: PriorState;
}

/** Run (or resume) a deployment. */
export async function runDeployment(run: EngineRun): Promise<EngineResult> {
  const ctx = contextFor(run);
  const started = ctx.ports.clock.now().getTime();
  await emitStarted(ctx, run);
  const finish = (outcome: RunOutcome, exitCode: number) => finishRun(ctx, started, outcome, exitCode);

  if (!run.prior?.checklistDone) {
    const checklist = await runChecklist(ctx);
    if (checklist.interrupted) return interrupted(ctx, finish);
    if (checklist.decision === 'NO-GO') {
      ctx.issues.push(...checklist.reasons.map((r) => `no-go: ${r}`));
      return finish('no-go', ExitCode.NoGo);
    }
  }

  if (ctx.plan.approval) {
    // The go-live decision belongs to named people: nothing changes the environment before they approve.
    const env = ctx.plan.environment ?? '';
    const what = `${run.options.mode} of ${ctx.plan.runbook.name}${ctx.plan.runbook.version ? ` ${ctx.plan.runbook.version}` : ''} to ${env}`;
    const answer = await awaitApproval(ctx, 'protected-environment', env, what, ctx.plan.approval);
    if (answer.interrupted) return interrupted(ctx, finish);
    if (!answer.approved) {
      ctx.issues.push(`no-go: ${env}: ${answer.reason ?? 'not approved'}`);
      return finish('no-go', ExitCode.NoGo);
    }
  }

  for (const step of planInstances(ctx.plan).filter((s) => ctx.steps.get(s.id)?.state === 'in-doubt')) {
    const verdict = await resolveInDoubt(ctx, step, run.options.rerunInDoubt === true);
    if (ctx.interruption.requested) return interrupted(ctx, finish);
    if (verdict === 'stop') return finish('aborted', ExitCode.NeedsAction);
  }

  for (const stage of ctx.plan.stages) {
    if (stage.kind === 'rollout') {
      const end = await runRolloutStage(ctx, stage, run.options);
      if (end === 'next') continue;
      if (end === 'interrupted') return interrupted(ctx, finish);
      if (end === 'abort') return finish('aborted', ExitCode.NeedsAction);
      return finishRollback(ctx, await performRollback(ctx, end.reason), finish, 'deployment');
    }
    let members = stageInstances(ctx.plan, stage).filter((s) => !isDone(ctx.steps.get(s.id)?.state));
    while (members.length > 0) {
      const outcomes = await runConcurrently(ctx, members, stage.kind === 'step' ? stage.step.concurrency : undefined);
      if (ctx.interruption.requested) return interrupted(ctx, finish);
      const failed = members.filter((_, i) => outcomes[i].outcome === 'failed');
      if (failed.length === 0) break;
      const reason = failed.map((s) => `step ${s.id} failed: ${(outcomes[members.indexOf(s)] as { reason: string }).reason}`).join('; ');
      const action = await onStepFailure(ctx, failed, reason, run.options.onFailure);
      if (action === 'interrupted') return interrupted(ctx, finish);
      if (action === 'retry') {
        members = failed;
        continue;
      }
      if (action === 'continue' || action === 'skip') break;
      if (action === 'abort') return finish('aborted', ExitCode.NeedsAction);
      return finishRollback(ctx, await performRollback(ctx, reason), finish, 'deployment');
    }
  }

  const verdict = await runSmokeTests(ctx);
  if (verdict.verdict === 'interrupted') return interrupted(ctx, finish);
  if (verdict.verdict === 'abort') return finish('aborted', ExitCode.NeedsAction);
  if (verdict.verdict === 'rollback') return finishRollback(ctx, await performRollback(ctx, verdict.reason), finish, 'deployment');
  if (run.options.mode === 'rehearsal') {
    // A rehearsal proves the way back too: undo everything, then rollback.verify.
    return finishRollback(ctx, await performRollback(ctx, 'rehearsal: rolling everything back to test the rollback'), finish, 'requested');
  }
  return finish(ctx.issues.length > 0 ? 'succeeded-with-issues' : 'succeeded', ExitCode.Ok);
}

/** Roll back a past deployment (`golive rollback`): exit 0 when cleanly restored. */
export async function rollbackDeployment(run: EngineRun, reason: string): Promise<EngineResult> {
  const ctx = contextFor(run);
  const started = ctx.ports.clock.now().getTime();
  await emitStarted(ctx, run);
  const finish = (outcome: RunOutcome, exitCode: number) => finishRun(ctx, started, outcome, exitCode);
  return finishRollback(ctx, await performRollback(ctx, reason), finish, 'requested');
}

type Finish = (outcome: RunOutcome, exitCode: number) => Promise<EngineResult>;

/**
 * A rollout and the failure policy over it: `retry` runs it again (the hosts
 * not done), `continue` and `skip` go on with the next stage, leaving the
 * hosts as recorded.
 */
async function runRolloutStage(ctx: RunContext, stage: RolloutStage, options: EngineOptions): Promise<'next' | 'interrupted' | 'abort' | { reason: string }> {
  for (;;) {
    const result = await runRollout(ctx, stage);
    if (ctx.interruption.requested || result.outcome === 'stopped') return 'interrupted';
    if (result.outcome === 'succeeded') return 'next';
    if (result.outcome === 'unanswered') {
      ctx.issues.push(`${result.reason}; approve it with --approve ${stage.id} (or answer at a terminal), then golive resume`);
      return 'abort';
    }
    const action = await onStepFailure(ctx, result.failed, result.reason, options.onFailure);
    if (action === 'interrupted') return 'interrupted';
    if (action === 'retry') continue;
    if (action === 'continue' || action === 'skip') return 'next';
    if (action === 'abort') return 'abort';
    return { reason: result.reason };
  }
}

/**
 * The outcome names what is really wrong: a failed rollback command, an
 * unproven restore, and steps that simply have no rollback are three
 * different situations for the operator, though each needs someone (exit 3).
 */
async function finishRollback(ctx: RunContext, result: RollbackResult, finish: Finish, kind: 'deployment' | 'requested'): Promise<EngineResult> {
  if (result.interrupted) return interrupted(ctx, finish);
  if (result.inDoubt.length > 0) {
    ctx.issues.push(
      ...result.inDoubt.map(
        (id) => `the rollback of step ${id} is in doubt (an earlier rollback of it never recorded an end): check it, then golive rollback --rerun-in-doubt`,
      ),
    );
    return finish('aborted', ExitCode.NeedsAction);
  }
  if (!result.complete) return finish('rollback-failed', ExitCode.NeedsAction);
  if (result.verified === false) {
    ctx.issues.push('every step was rolled back, but rollback.verify failed: the restore is not proven');
    return finish('restore-unverified', ExitCode.NeedsAction);
  }
  if (result.unrestorable.length > 0) {
    ctx.issues.push(
      `not fully rolled back: ${plural(result.unrestorable)} no rollback and ${result.unrestorable.length === 1 ? 'was' : 'were'} left as ${result.unrestorable.length === 1 ? 'it is' : 'they are'}`,
    );
    return finish('rollback-incomplete', ExitCode.NeedsAction);
  }
  return finish('rolled-back', kind === 'deployment' ? ExitCode.RolledBack : ExitCode.Ok);
}

function plural(ids: string[]): string {
  return ids.length === 1 ? `step ${ids[0]} has` : `steps ${ids.join(', ')} have`;
}

async function interrupted(ctx: RunContext, finish: Finish): Promise<EngineResult> {
  const signal = ctx.interruption.signal ?? 'SIGINT';
  await ctx.emit({ kind: 'run.interrupted', signal, forced: ctx.interruption.forced });
  return finish('interrupted', signal === 'SIGTERM' ? ExitCode.Sigterm : signal === 'SIGHUP' ? ExitCode.Sighup : ExitCode.Sigint);
}

async function finishRun(ctx: RunContext, started: number, outcome: RunOutcome, exitCode: number): Promise<EngineResult> {
  const durationMs = ctx.ports.clock.now().getTime() - started;
  const issues = ctx.issues.map((issue) => ctx.mask(issue));
  await ctx.emit({ kind: 'run.finished', outcome, exitCode, durationMs, issues });
  return { outcome, exitCode, issues };
}

/** The engine's own copy of each step of the chain: what it tracks and changes while it runs. */
function engineStepRecords(chain: RunChainState): Map<string, StepRecord> {
  const records = new Map<string, StepRecord>();
  for (const [id, step] of chain.steps) {
    records.set(id, { state: step.state, completedAt: step.completedAt, continued: step.continued, rollbackInDoubt: step.rollbackInDoubt });
  }
  return records;
}

function contextFor(run: EngineRun): RunContext {
  const ctx = new RunContext(run.plan, run.options, run.ports, run.interruption);
  if (run.prior) {
    for (const [id, record] of engineStepRecords(run.prior)) ctx.steps.set(id, record);
    // Completions in this run come after every earlier one: rollback order spans runs.
    ctx.continueCompletionOrder(Math.max(0, ...[...run.prior.steps.values()].map((r) => r.completedAt ?? 0)));
    for (const [point, approval] of run.prior.approvals ?? []) ctx.carriedApprovals.set(point, approval);
    Object.assign(ctx.outputs, run.prior.outputs);
    Object.assign(ctx.refusedOutputs, run.prior.refusedOutputs);
    for (const [rollout, standing] of run.prior.rollouts) {
      for (const [host, target] of standing.targets) if (target.outcome) ctx.targetOutcomes.set(targetKey(rollout, host), target.outcome);
      for (const wave of standing.signedOff) ctx.signedOff.add(`${rollout}.wave-${wave}`);
    }
  }
  return ctx;
}

async function emitStarted(ctx: RunContext, run: EngineRun): Promise<void> {
  const { plan, options } = run;
  await ctx.emit({
    kind: 'run.started',
    mode: options.mode,
    runbook: { name: plan.runbook.name, version: plan.runbook.version, path: plan.source.absolutePath, sha256: plan.source.sha256 },
    environment: plan.environment,
    operator: options.operator,
    host: options.host,
    change: plan.change,
    // A hosted step once per host (`<step>@<host>`): what show, status and the reports list.
    steps: planInstances(plan).map((s) => s.id),
    expectedMs: expectedTotalMs(plan),
    vars: ctx.maskRecord(plan.vars),
    included: plan.source.included,
    parentRunId: run.prior?.parentRunId,
  });
  for (const d of options.preDecisions ?? []) {
    await ctx.emit({ kind: 'decision', subject: d.subject, choice: d.choice, reason: ctx.mask(d.reason), by: options.operator, via: d.via });
  }
}

/** A dry run: executes nothing; records the run, the problems found, and an outcome. */
export async function recordDryRun(run: EngineRun, problems: string[]): Promise<EngineResult> {
  const ctx = contextFor(run);
  const started = ctx.ports.clock.now().getTime();
  await emitStarted(ctx, run);
  for (const problem of problems) await ctx.emit({ kind: 'warning', message: ctx.mask(problem) });
  ctx.issues.push(...problems);
  return finishRun(ctx, started, problems.length ? 'blocked' : 'succeeded', problems.length ? ExitCode.Usage : ExitCode.Ok);
}

/** Only the pre-deployment checklist (`golive check`): the go/no-go meeting in one command. */
export async function runChecklistOnly(run: EngineRun): Promise<EngineResult & { decision: string; reasons: string[] }> {
  const ctx = contextFor(run);
  const started = ctx.ports.clock.now().getTime();
  await emitStarted(ctx, run);
  const finish = (outcome: RunOutcome, exitCode: number) => finishRun(ctx, started, outcome, exitCode);
  const checklist = await runChecklist(ctx);
  if (checklist.interrupted) return { ...(await interrupted(ctx, finish)), decision: 'interrupted', reasons: [] };
  const result =
    checklist.decision === 'NO-GO'
      ? await finish('no-go', ExitCode.NoGo)
      : await finish(checklist.decision === 'GO' ? 'succeeded' : 'succeeded-with-issues', ExitCode.Ok);
  return { ...result, decision: ctx.plan.checks.length ? checklist.decision : 'GO (no checks defined)', reasons: checklist.reasons };
}

/**
 * Run a stage's steps at once. If one of them throws (the journal cannot
 * record), the others are stopped and awaited before the error goes up:
 * nothing may keep running unrecorded.
 */
async function runConcurrently(ctx: RunContext, steps: PlannedStep[], limit = steps.length): Promise<StepOutcome[]> {
  if (steps.length === 1) return [await runStep(ctx, steps[0])];
  // At most `limit` at once (a step's `concurrency:` over its hosts); the others wait for a free place.
  let free = limit;
  const waiting: Array<() => void> = [];
  const take = (): Promise<void> => {
    if (free === 0) return new Promise((resolve) => waiting.push(resolve));
    free--;
    return Promise.resolve();
  };
  const give = () => {
    const next = waiting.shift();
    if (next) next();
    else free++;
  };
  const settled = await Promise.allSettled(
    steps.map(async (step) => {
      await take();
      try {
        return await runStep(ctx, step);
      } catch (error) {
        ctx.stopAll(false);
        throw error;
      } finally {
        give();
      }
    }),
  );
  const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<StepOutcome>).value);
}
