/**
 * The deployment state machine: checks → steps → smoke tests → end, with the
 * failure policy deciding between asking, rolling back, aborting and going
 * on. Pure logic over ports: it never prints and never touches SQLite.
 */
import { expectedTotalMs, planSteps, type Plan, type PlannedStep } from '../runbook/plan.js';
import type { FailurePolicy } from '../runbook/types.js';
import { runChecklist } from './checks.js';
import { Interruption, RunContext, type EngineOptions, type StepRecord } from './context.js';
import type { RunOutcome } from './events.js';
import { ExitCode } from '../errors.js';
import type { EnginePorts } from './ports.js';
import { performRollback, type RollbackResult } from './rollback.js';
import { resolveInDoubt } from './resume.js';
import { runStep } from './steps.js';
import { runSmokeTests } from './verify.js';

/** How the engine run ended. */
export interface EngineResult {
  outcome: RunOutcome;
  exitCode: number;
  issues: string[];
}

/** State carried over from earlier runs of the same deployment (resume, rollback). */
export interface PriorState {
  steps: Map<string, StepRecord>;
  outputs: Record<string, Record<string, string>>;
  /** The checklist already ended in GO / CONDITIONAL GO. */
  checklistDone: boolean;
  /** Steps started but never recorded as ended. */
  inDoubt: string[];
  /** `--rerun-in-doubt`: re-run in-doubt steps whose validation fails. */
  rerunInDoubt?: boolean;
  parentRunId: string;
}

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
    if (checklist.decision === 'NO-GO') return finish('no-go', ExitCode.NoGo);
  }

  for (const step of planSteps(ctx.plan).filter((s) => run.prior?.inDoubt.includes(s.id))) {
    const verdict = await resolveInDoubt(ctx, step, run.prior?.rerunInDoubt === true);
    if (ctx.interruption.requested) return interrupted(ctx, finish);
    if (verdict === 'stop') return finish('aborted', ExitCode.NeedsAction);
  }

  for (const stage of ctx.plan.stages) {
    let members = (stage.kind === 'step' ? [stage.step] : stage.members).filter((s) => !isFinished(ctx.steps.get(s.id)));
    while (members.length > 0) {
      const outcomes = await Promise.all(members.map((step) => runStep(ctx, step)));
      if (ctx.interruption.requested) return interrupted(ctx, finish);
      const failed = members.filter((_, i) => outcomes[i].outcome === 'failed');
      if (failed.length === 0) break;
      const reason = failed.map((s, i) => `step ${s.id} failed: ${(outcomes[members.indexOf(s)] as { reason: string }).reason ?? i}`).join('; ');
      const action = await onStepFailure(ctx, failed[0], reason, run.options.onFailure);
      if (action === 'retry') { members = failed; continue; }
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
type FailureAction = 'retry' | 'skip' | 'continue' | 'abort' | 'rollback';

/** Apply the failure policy: the step's own, else `--on-failure`, else the runbook's, else ask (abort without a terminal). */
async function onStepFailure(ctx: RunContext, step: PlannedStep, reason: string, flag?: FailurePolicy): Promise<FailureAction> {
  const policy = step.onFailure ?? flag ?? ctx.plan.onFailure ?? 'ask';
  const by = ctx.options.operator;
  if (policy === 'continue') {
    ctx.issues.push(`${reason} (on_failure: continue)`);
    await ctx.emit({ kind: 'decision', subject: 'guided-failure', subjectId: step.id, choice: 'continue', reason, by, via: 'policy' });
    return 'continue';
  }
  if (policy !== 'ask' || !ctx.ports.prompter.interactive) {
    const chosen = policy === 'ask' ? 'abort' : policy;
    const why = policy === 'ask' ? `${reason}; no terminal to ask, so the run stops here (on_failure: ask → abort)` : reason;
    await ctx.emit({ kind: 'decision', subject: 'guided-failure', subjectId: step.id, choice: chosen, reason: why, by, via: 'policy' });
    return chosen;
  }
  const choice = await ctx.ports.prompter.select<FailureAction>(`${reason}. What now?`, [
    { value: 'retry', name: 'Retry the step' },
    { value: 'skip', name: 'Skip it and go on (you will be asked why)' },
    { value: 'rollback', name: 'Roll back now' },
    { value: 'abort', name: 'Abort: stop here, decide later (resumable, roll-backable)' },
  ]);
  let why = reason;
  if (choice === 'skip') {
    why = (await ctx.ports.prompter.input('Why is it safe to skip this step?')).trim() || 'no reason given';
    await ctx.setState(step.id, 'skipped', why);
    ctx.issues.push(`step ${step.id} skipped by ${by}: ${why}`);
  }
  await ctx.emit({ kind: 'decision', subject: 'guided-failure', subjectId: step.id, choice, reason: why, by, via: 'prompt' });
  return choice;
}

async function finishRollback(ctx: RunContext, result: RollbackResult, finish: Finish, kind: 'deployment' | 'requested'): Promise<EngineResult> {
  if (result.interrupted) return interrupted(ctx, finish);
  const clean = result.complete && result.verified !== false && result.unrestorable.length === 0;
  if (!clean) return finish('rollback-failed', ExitCode.NeedsAction);
  return finish('rolled-back', kind === 'deployment' ? ExitCode.RolledBack : ExitCode.Ok);
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

function contextFor(run: EngineRun): RunContext {
  const ctx = new RunContext(run.plan, run.options, run.ports, run.interruption);
  if (run.prior) {
    for (const [id, record] of run.prior.steps) ctx.steps.set(id, { ...record });
    Object.assign(ctx.outputs, run.prior.outputs);
  }
  return ctx;
}

async function emitStarted(ctx: RunContext, run: EngineRun): Promise<void> {
  const { plan, options } = run;
  await ctx.emit({
    kind: 'run.started', mode: options.mode,
    runbook: { name: plan.runbook.name, version: plan.runbook.version, path: plan.source.absolutePath, sha256: plan.source.sha256 },
    environment: plan.environment, operator: options.operator, host: options.host, change: plan.change,
    steps: planSteps(plan).map((s) => s.id), expectedMs: expectedTotalMs(plan), vars: ctx.maskRecord(plan.vars), parentRunId: run.prior?.parentRunId,
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
  return finishRun(ctx, started, problems.length ? 'succeeded-with-issues' : 'succeeded', problems.length ? ExitCode.Usage : ExitCode.Ok);
}

/** Only the pre-deployment checklist (`golive check`): the go/no-go meeting in one command. */
export async function runChecklistOnly(run: EngineRun): Promise<EngineResult & { decision: string; reasons: string[] }> {
  const ctx = contextFor(run);
  const started = ctx.ports.clock.now().getTime();
  await emitStarted(ctx, run);
  const finish = (outcome: RunOutcome, exitCode: number) => finishRun(ctx, started, outcome, exitCode);
  const checklist = await runChecklist(ctx);
  if (checklist.interrupted) return { ...(await interrupted(ctx, finish)), decision: 'interrupted', reasons: [] };
  const result = checklist.decision === 'NO-GO'
    ? await finish('no-go', ExitCode.NoGo)
    : await finish(checklist.decision === 'GO' ? 'succeeded' : 'succeeded-with-issues', ExitCode.Ok);
  return { ...result, decision: ctx.plan.checks.length ? checklist.decision : 'GO (no checks defined)', reasons: checklist.reasons };
}

/** Steps a resumed run does not run again. */
function isFinished(record: StepRecord | undefined): boolean {
  return record !== undefined && (record.state === 'succeeded' || record.state === 'skipped' || record.state === 'no-rollback');
}
