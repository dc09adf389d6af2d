/** `golive estimate <file> [--env E] [--write]`: expected durations from recorded runs and rehearsals. */
import { readFileSync, writeFileSync } from 'node:fs';
import { ExitCode } from '../errors.js';
import { formatEstimates } from '../output/estimate-text.js';
import { loadRunbookFile } from '../runbook/load.js';
import type { Plan } from '../runbook/plan.js';
import { setStepDurations } from '../runbook/rewrite.js';
import { loadPlan, type PlanOptions, planOfLoaded } from '../session/load-plan.js';
import { openRunbookJournalIfThere } from '../session/reader.js';
import { durationSamples } from '../views/duration-history.js';
import { estimateDurations } from '../views/estimate.js';

/** Flags of `golive estimate`. */
export type EstimateFlags = PlanOptions & { db?: string; write?: boolean; json?: boolean };

/** Print (and with --write, apply) suggested durations. */
export async function estimateCommand(file: string, flags: EstimateFlags): Promise<number> {
  const plan = planOf(file, flags);
  let samples = new Map<string, number[]>();
  const { store, path } = await openRunbookJournalIfThere(file, flags.db);
  if (store) {
    try {
      samples = await durationSamples(store, plan.runbook.name, flags.env);
    } finally {
      await store.close();
    }
  }
  const estimates = estimateDurations(plan, samples);
  if (flags.json) process.stdout.write(`${JSON.stringify(estimates, null, 2)}\n`);
  else
    process.stdout.write(
      `Expected durations for ${plan.runbook.name}${flags.env ? ` on ${flags.env}` : ''} from ${path} (90th percentile of successful runs and rehearsals, rounded up)\n\n${formatEstimates(estimates)}\n`,
    );
  if (flags.write) {
    const suggestions = new Map(estimates.filter((e) => e.suggested).map((e) => [e.id, e.suggested!]));
    const { text, changed } = setStepDurations(readFileSync(file, 'utf8'), suggestions);
    if (changed.length) writeFileSync(file, text);
    process.stdout.write(
      changed.length ? `\nWrote ${changed.length} duration${changed.length === 1 ? '' : 's'} to ${file}: ${changed.join(', ')}\n` : '\nNothing to change.\n',
    );
  }
  return ExitCode.Ok;
}

/**
 * The runbook's plan, loaded once. Estimates need no environment, but a
 * runbook with environments needs one to resolve its plan: without --env,
 * take the first (then it is loaded again, checked against that one).
 */
function planOf(file: string, flags: EstimateFlags): Plan {
  if (flags.env !== undefined) return loadPlan(file, flags);
  const loaded = loadRunbookFile(file, { extraVars: Object.keys(flags.var ?? {}) });
  const first = Object.keys(loaded.runbook?.environments ?? {})[0];
  return first === undefined ? planOfLoaded(file, flags, loaded) : loadPlan(file, { ...flags, env: first });
}
