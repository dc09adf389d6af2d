/** `golive rehearse <file> --env E`: run for real, roll everything back, verify the restore, report timings. */
import { runDeployment } from '../engine/run.js';
import { UsageError } from '../errors.js';
import { paintFor } from '../output/paint.js';
import { formatRehearsal } from '../output/rehearsal-text.js';
import { engineOptions, type RunFlags, secretsOrThrow } from '../session/engine-options.js';
import { passGates } from '../session/gates.js';
import { loadPlan } from '../session/load-plan.js';
import { openSession } from '../session/session.js';
import { rehearsalReport } from '../views/rehearsal.js';

/** Flags of `golive rehearse`. */
export type RehearseFlags = RunFlags & { allowProtected?: boolean };

/** Exit 0 when forward and rollback both passed; 1 when the forward run failed but rolled back; 3 when the rollback failed. */
export async function rehearseCommand(file: string, flags: RehearseFlags): Promise<number> {
  const plan = loadPlan(file, flags);
  if (plan.protected && !flags.allowProtected) {
    throw new UsageError(
      `${plan.environment} is a protected environment: a rehearsal rolls everything back, so it does not rehearse there`,
      'rehearse in UAT (--env uat), or pass --allow-protected if you really mean it',
    );
  }
  const secrets = secretsOrThrow(plan);
  // Allowed into a protected environment, a rehearsal still meets its gates: confirmation and the window.
  const gates = await passGates(plan, flags);
  const session = await openSession(plan, 'rehearsal', flags, { secrets });
  try {
    const result = await runDeployment({
      plan,
      // A failure in a rehearsal rolls back: testing the way back is the point.
      options: engineOptions(session, 'rehearsal', secrets, { ...flags, onFailure: flags.onFailure ?? 'rollback' }, gates),
      ports: session.ports,
      interruption: session.interruption,
    });
    if (!flags.json) process.stdout.write(`\n${formatRehearsal(plan, session.runId, rehearsalReport(plan, [...session.events]), paintFor(process.stdout))}\n`);
    return result.exitCode;
  } finally {
    await session.close();
  }
}
