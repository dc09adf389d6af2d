/**
 * What every command that runs the engine (run, check, rehearse, rollback,
 * resume) gives it: the flags they share, the secrets resolved up front,
 * and the engine's options for a session.
 */
import { hostname } from 'node:os';
import type { EngineOptions } from '../engine/context.js';
import type { RunMode } from '../engine/events.js';
import { UsageError } from '../errors.js';
import type { RunIdentity } from '../journal/types.js';
import { printable } from '../output/printable.js';
import type { Plan } from '../runbook/plan.js';
import { missingEnvReferences, resolveSecrets } from '../runbook/secrets.js';
import type { FailurePolicy } from '../runbook/types.js';
import type { GateDecision, GateFlags } from './gates.js';
import type { PlanOptions } from './load-plan.js';
import type { SessionFlags } from './session.js';

/** Flags of `golive run`, shared by every command that runs the engine. */
export interface RunFlags extends PlanOptions, SessionFlags, GateFlags {
  onFailure?: FailurePolicy;
  yes?: boolean;
  approve?: string[];
  keepGoing?: boolean;
  dryRun?: boolean;
  /** `--check-targets` (with --dry-run): a batch-mode connection to every remote host. */
  checkTargets?: boolean;
  /** resume / rollback: run again an action left in doubt whose validation fails. */
  rerunInDoubt?: boolean;
}

/** Grace between SIGTERM and SIGKILL when a step is stopped. */
export const KILL_GRACE_MS = 5000;

/** Secrets and `{{ env.X }}` values, or a usage error before anything runs. */
export function secretsOrThrow(plan: Plan): Record<string, string> {
  const { values, problems } = resolveSecrets(plan);
  const unset = missingEnvReferences(plan).map((name) => `environment variable ${name} is not set (used as {{ env.${name} }})`);
  const all = [...problems, ...unset];
  if (all.length > 0)
    throw new UsageError(
      `cannot start, nothing was executed:\n  - ${all.map(printable).join('\n  - ')}`,
      'set them in the environment (or the secret files) and run again',
    );
  return values;
}

/** Engine options from a session and the shared flags. */
export function engineOptions(
  session: { runId: string; operator: string; logDir: string; identity?: RunIdentity | null },
  mode: RunMode,
  secrets: Record<string, string>,
  flags: RunFlags,
  preDecisions: GateDecision[] = [],
): EngineOptions {
  return {
    preDecisions,
    runId: session.runId,
    mode,
    operator: session.operator,
    identity: session.identity ?? null,
    host: hostname(),
    secrets,
    env: process.env,
    onFailure: flags.onFailure,
    approveAll: flags.yes === true,
    approved: new Set(flags.approve ?? []),
    keepGoing: flags.keepGoing === true,
    rerunInDoubt: flags.rerunInDoubt === true,
    logDir: session.logDir,
    killGraceMs: KILL_GRACE_MS,
  };
}
