/** Shared by every command that needs a valid runbook resolved for an environment. */
import { GoliveError, UsageError } from '../errors.js';
import { formatDiagnostics } from '../render/diagnostics.js';
import { paintFor } from '../render/paint.js';
import { loadRunbookFile, loadRunbookText } from '../runbook/load.js';
import { resolvePlan, type Plan } from '../runbook/plan.js';

export interface PlanOptions {
  env?: string;
  var?: Record<string, string>;
}

/** Load a runbook file (or stored text), print its problems, and resolve it; throws (exit 2) when invalid. */
export function loadPlan(file: string, options: PlanOptions, storedText?: string): Plan {
  const loadOptions = { environment: options.env, extraVars: Object.keys(options.var ?? {}) };
  const result = storedText === undefined ? loadRunbookFile(file, loadOptions) : loadRunbookText(file, storedText, loadOptions);
  if (result.diagnostics.length > 0) {
    const texts = new Map<string, string>(result.source ? [[file, result.source.text]] : []);
    process.stderr.write(`${formatDiagnostics(result.diagnostics, texts, paintFor(process.stderr))}\n`);
  }
  if (result.failed || !result.runbook || !result.source) {
    const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
    throw new GoliveError(`${file}: ${errors} error${errors === 1 ? '' : 's'} in the runbook; nothing was executed`, { hint: `fix them, then check with \`golive validate ${file}\`` });
  }
  const environments = Object.keys(result.runbook.environments ?? {});
  if (environments.length > 0 && options.env === undefined) {
    throw new UsageError(`${file} defines environments (${environments.join(', ')}): choose one`, `add --env ${environments[0]}`);
  }
  return resolvePlan(result.source, result.runbook, { environment: options.env, vars: options.var });
}
