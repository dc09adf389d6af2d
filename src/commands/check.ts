/** `golive check <file> --env E`: run only the pre-deployment checklist and print the readiness list. */
import { runChecklistOnly } from '../engine/run.js';
import { paintFor } from '../output/paint.js';
import { readinessList } from '../output/readiness.js';
import { engineOptions, type RunFlags, secretsOrThrow } from '../session/engine-options.js';
import { refuseFlagApprovals } from '../session/gates.js';
import { loadPlan } from '../session/load-plan.js';
import { openSession } from '../session/session.js';

/** Exit 0 for GO / CONDITIONAL GO, 4 for NO-GO. */
export async function checkCommand(file: string, flags: RunFlags): Promise<number> {
  const plan = loadPlan(file, flags);
  refuseFlagApprovals(plan, flags);
  const secrets = secretsOrThrow(plan);
  const session = await openSession(plan, 'check', flags, { lock: false, secrets });
  try {
    const result = await runChecklistOnly({
      plan,
      options: engineOptions(session, 'check', secrets, flags),
      ports: session.ports,
      interruption: session.interruption,
    });
    if (!flags.json) process.stdout.write(`\n${readinessList(plan, [...session.events], result.decision, result.reasons, paintFor(process.stdout))}\n`);
    return result.exitCode;
  } finally {
    await session.close();
  }
}
