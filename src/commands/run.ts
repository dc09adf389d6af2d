/** `golive run <file> --env E`: checks → steps → smoke tests, with rollback on failure, all journaled. */
import { hostname } from 'node:os';
import { UsageError } from '../errors.js';
import { recordDryRun, runDeployment } from '../engine/run.js';
import type { ProcessRunner } from '../process/types.js';
import { paintFor } from '../output/paint.js';
import { printable } from '../output/printable.js';
import { displayContext, planAsText } from '../output/plan-text.js';
import { preflightProblems } from '../runbook/preflight.js';
import { noPrompter } from '../engine/ports.js';
import type { Plan } from '../runbook/plan.js';
import { missingEnvReferences, resolveSecrets } from '../runbook/secrets.js';
import type { FailurePolicy } from '../runbook/types.js';
import type { RunMode } from '../engine/events.js';
import type { EngineOptions } from '../engine/context.js';
import { loadPlan, type PlanOptions } from '../session/load-plan.js';
import { passGates, type GateDecision, type GateFlags } from '../session/gates.js';
import { openSession, type SessionFlags } from '../session/session.js';

/** Flags of `golive run`. */
export interface RunFlags extends PlanOptions, SessionFlags, GateFlags {
  onFailure?: FailurePolicy;
  yes?: boolean;
  approve?: string[];
  keepGoing?: boolean;
  dryRun?: boolean;
  /** resume / rollback: run again an action left in doubt whose validation fails. */
  rerunInDoubt?: boolean;
}

/** Grace between SIGTERM and SIGKILL when a step is stopped. */
const KILL_GRACE_MS = 5000;

/** Run a deployment; returns the exit code. */
export async function runCommand(file: string, flags: RunFlags): Promise<number> {
  const plan = loadPlan(file, flags);
  if (flags.dryRun) return dryRun(plan, flags);
  const secrets = secretsOrThrow(plan);
  const gates = await passGates(plan, flags);
  const session = await openSession(plan, 'run', flags, { secrets });
  try {
    const result = await runDeployment({
      plan,
      options: engineOptions(session, 'run', secrets, flags, gates),
      ports: session.ports,
      interruption: session.interruption,
    });
    return result.exitCode;
  } finally {
    await session.close();
  }
}

/**
 * `--dry-run`: execute nothing (no command, no webhook); print the plan and
 * every problem found without executing; record the dry run. Exit 2 when
 * something would stop the real run.
 */
async function dryRun(plan: Plan, flags: RunFlags): Promise<number> {
  const { values, problems: secretProblems } = resolveSecrets(plan);
  const unset = missingEnvReferences(plan).map((name) => `environment variable ${name} is not set (used as {{ env.${name} }})`);
  const problems = [...secretProblems, ...unset, ...preflightProblems(plan, displayContext(plan))];
  if (!flags.json) process.stdout.write(`${planAsText(plan, problems, paintFor(process.stdout))}\n\n`);
  const session = await openSession(plan, 'dry-run', flags, { lock: false });
  try {
    const result = await recordDryRun({
      plan,
      options: engineOptions(session, 'dry-run', values, flags),
      ports: { ...session.ports, runner: refuseToRun, prompter: noPrompter },
      interruption: session.interruption,
    }, problems);
    return result.exitCode;
  } finally {
    await session.close();
  }
}

/** The runner a dry run gets: proof by construction that nothing is executed. */
const refuseToRun: ProcessRunner = {
  start() {
    throw new Error('a dry run must not execute commands');
  },
};

/** Secrets and `{{ env.X }}` values, or a usage error before anything runs. */
export function secretsOrThrow(plan: Plan): Record<string, string> {
  const { values, problems } = resolveSecrets(plan);
  const unset = missingEnvReferences(plan).map((name) => `environment variable ${name} is not set (used as {{ env.${name} }})`);
  const all = [...problems, ...unset];
  if (all.length > 0) throw new UsageError(`cannot start, nothing was executed:\n  - ${all.map(printable).join('\n  - ')}`, 'set them in the environment (or the secret files) and run again');
  return values;
}

/** Engine options from a session and the shared flags. */
export function engineOptions(session: { runId: string; operator: string; logDir: string }, mode: RunMode, secrets: Record<string, string>, flags: RunFlags, preDecisions: GateDecision[] = []): EngineOptions {
  return {
    preDecisions,
    runId: session.runId, mode, operator: session.operator, host: hostname(), secrets, env: process.env,
    onFailure: flags.onFailure, approveAll: flags.yes === true, approved: new Set(flags.approve ?? []),
    keepGoing: flags.keepGoing === true, rerunInDoubt: flags.rerunInDoubt === true, logDir: session.logDir, killGraceMs: KILL_GRACE_MS,
  };
}
