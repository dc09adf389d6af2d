/** `golive plan <file> --env E`: the resolved plan; executes nothing. */
import { ExitCode } from '../errors.js';
import { paintFor } from '../output/paint.js';
import { planAsJson, planAsText } from '../output/plan-text.js';
import { missingEnvReferences, resolveSecrets } from '../runbook/secrets.js';
import { loadPlan, type PlanOptions } from '../session/load-plan.js';

/** Print the plan; exit 0 (problems such as unset secrets are listed, not fatal: nothing runs). */
export async function planCommand(file: string, options: PlanOptions & { json?: boolean }): Promise<number> {
  const plan = loadPlan(file, options);
  const problems = [
    ...resolveSecrets(plan).problems,
    ...missingEnvReferences(plan).map((name) => `environment variable ${name} is not set ({{ env.${name} }})`),
  ];
  process.stdout.write(options.json ? `${JSON.stringify(planAsJson(plan, problems), null, 2)}\n` : `${planAsText(plan, problems, paintFor(process.stdout))}\n`);
  return ExitCode.Ok;
}
