/** Variables given on the command line (`--var`) must be ones the runbook declares. */
import { envValueProblem } from './limits.js';
import { didYouMean } from './suggest.js';
import type { Runbook } from './types.js';

/** One `--var` golive refuses, with the fix. */
export interface FlagVarProblem {
  name: string;
  message: string;
  hint: string;
}

/** Names declared under `vars:` or under any environment's `vars:` (own keys only). */
export function declaredVarNames(runbook: Runbook): Set<string> {
  const names = new Set(Object.keys(runbook.vars ?? {}));
  for (const environment of Object.values(runbook.environments ?? {})) {
    for (const name of Object.keys(environment.vars ?? {})) names.add(name);
  }
  return names;
}

/**
 * Problems with `--var` values: a name the runbook does not declare (a typo
 * such as `fail_confg` would otherwise be ignored in silence), or a value no
 * process can receive.
 */
export function flagVarProblems(runbook: Runbook, vars: Record<string, string>): FlagVarProblem[] {
  const declared = declaredVarNames(runbook);
  const problems: FlagVarProblem[] = [];
  for (const [name, value] of Object.entries(vars)) {
    if (!declared.has(name)) {
      const suggestion = didYouMean(name, declared);
      problems.push({
        name,
        message: `--var ${name}: the runbook declares no variable \`${name}\``,
        hint: suggestion
          ? `${suggestion.replace(/`([^`]+)`/, '`--var $1=…`')}`
          : declared.size
            ? `declared: ${[...declared].join(', ')}`
            : 'declare it under `vars:` first',
      });
      continue;
    }
    const problem = envValueProblem(name, value);
    if (problem) problems.push({ name, message: `--var ${name}: the value ${problem}`, hint: 'pass a shorter value, or read it from a file inside the step' });
  }
  return problems;
}
