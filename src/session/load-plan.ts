/** Shared by every command that needs a valid runbook resolved for an environment. */
import { GoliveError, UsageError } from '../errors.js';
import { diagnosticsAsJson, formatDiagnostics } from '../output/diagnostics.js';
import { paintFor } from '../output/paint.js';
import { printable } from '../output/printable.js';
import { Codes } from '../runbook/diagnostics.js';
import { type LoadResult, loadRunbookFile, loadRunbookText } from '../runbook/load.js';
import { type Plan, resolvePlan } from '../runbook/plan.js';
import { flagVarProblems } from '../runbook/vars.js';

export interface PlanOptions {
  env?: string;
  var?: Record<string, string>;
}

/**
 * Load a runbook file (or stored text), print its problems, and resolve it;
 * throws (exit 2) when it is invalid, when `--env` is not one of its
 * environments, or when a `--var` is not one of its variables. A stored
 * snapshot's vars are the ones its run resolved, so they are not re-checked
 * as flags (a run recorded before undeclared `--var`s were refused must
 * still roll back); nor are its included files read from disk: they are
 * `storedIncluded`, as the run recorded them.
 */
export function loadPlan(file: string, options: PlanOptions, storedText?: string, storedIncluded?: Record<string, string>): Plan {
  const loadOptions = { environment: options.env, extraVars: Object.keys(options.var ?? {}) };
  const result = storedText === undefined ? loadRunbookFile(file, loadOptions) : loadRunbookText(file, storedText, loadOptions, storedIncluded);
  return planOfLoaded(file, options, result, storedText !== undefined);
}

/**
 * `loadPlan` for a runbook already loaded with `options` (environment
 * `options.env`, extra vars the keys of `options.var`), so a command that
 * had to look at the runbook first does not parse it twice. `snapshot`: the
 * result is a stored snapshot's (its vars are not re-checked as flags).
 */
export function planOfLoaded(file: string, options: PlanOptions, result: LoadResult, snapshot = false): Plan {
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  const environmentErrors = errors.filter((d) => d.code === Codes.UnknownEnvironment);
  // A wrong --env is a flag mistake, not a runbook one: say so in the flag's words.
  if (environmentErrors.length > 0 && environmentErrors.length === errors.length) {
    throw new UsageError(
      `${printable(file)}: ${printable(environmentErrors[0].message)}; nothing was executed`,
      environmentErrors[0].hint && printable(environmentErrors[0].hint),
    );
  }
  if (result.diagnostics.length > 0) {
    const texts = new Map<string, string>(result.source ? [[file, result.source.text]] : []);
    for (const included of result.includedSources ?? []) texts.set(included.file, included.text);
    process.stderr.write(`${formatDiagnostics(result.diagnostics, texts, paintFor(process.stderr))}\n`);
  }
  if (result.failed || !result.runbook || !result.source) {
    throw new GoliveError(`${printable(file)}: ${errors.length} error${errors.length === 1 ? '' : 's'} in the runbook; nothing was executed`, {
      hint: `fix them, then check with \`golive validate ${printable(file)}${options.env === undefined ? '' : ` --env ${printable(options.env)}`}\``,
      problems: diagnosticsAsJson(result.diagnostics),
    });
  }
  const environments = Object.keys(result.runbook.environments ?? {});
  if (environments.length > 0 && options.env === undefined) {
    throw new UsageError(`${printable(file)} defines environments (${environments.join(', ')}): choose one`, `add --env ${environments[0]}`);
  }
  if (!snapshot) {
    const [problem, ...more] = flagVarProblems(result.runbook, options.var ?? {});
    if (problem)
      throw new UsageError(
        `${printable(problem.message)}${more.length ? ` (and ${more.length} more: ${more.map((p) => printable(p.name)).join(', ')})` : ''}; nothing was executed`,
        printable(problem.hint),
      );
  }
  return resolvePlan(result.source, result.runbook, { environment: options.env, vars: options.var });
}
