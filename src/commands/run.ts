/** `golive run <file> --env E`: checks → steps → smoke tests, with rollback on failure, all journaled. */

import { noPrompter } from '../engine/ports.js';
import { recordDryRun, runDeployment } from '../engine/run.js';
import { UsageError } from '../errors.js';
import { paintFor } from '../output/paint.js';
import { displayContext, planAsText } from '../output/plan-text.js';
import type { ProcessRunner } from '../process/types.js';
import type { Plan } from '../runbook/plan.js';
import { preflightProblems } from '../runbook/preflight.js';
import { missingEnvReferences, resolveSecrets } from '../runbook/secrets.js';
import { engineOptions, type RunFlags, secretsOrThrow } from '../session/engine-options.js';
import { passGates } from '../session/gates.js';
import { loadPlan } from '../session/load-plan.js';
import { openSession } from '../session/session.js';
import { targetProblems } from './target-checks.js';

/** Run a deployment; returns the exit code. */
export async function runCommand(file: string, flags: RunFlags): Promise<number> {
  if (flags.checkTargets && !flags.dryRun) throw new UsageError('--check-targets checks the hosts for a dry run', 'add --dry-run');
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
  const problems = [
    ...secretProblems,
    ...unset,
    ...preflightProblems(plan, displayContext(plan)),
    ...(await targetProblems(plan, flags.checkTargets === true)),
  ];
  if (!flags.json) process.stdout.write(`${planAsText(plan, problems, paintFor(process.stdout))}\n\n`);
  const session = await openSession(plan, 'dry-run', flags, { lock: false });
  try {
    const result = await recordDryRun(
      {
        plan,
        options: engineOptions(session, 'dry-run', values, flags),
        ports: { ...session.ports, runner: refuseToRun, prompter: noPrompter },
        interruption: session.interruption,
      },
      problems,
    );
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
