/**
 * YAML traps the schema cannot see: values that are valid but are not what
 * the author wrote. They are warnings, each with the fix.
 */
import { Codes } from './diagnostics.js';
import type { DataPath } from './positions.js';
import type { RuleContext } from './rules.js';

/**
 * A variable written `release: 1.10` is read by YAML as the number 1.1, and
 * commands would silently receive `1.1`: warn whenever an unquoted number
 * prints differently from its source text (`1.10`, `1.0`, `010`, `1e3`).
 */
export function numbersKeepTheirText(ctx: RuleContext): void {
  const check = (vars: Record<string, unknown> | undefined, path: DataPath) => {
    for (const [name, value] of Object.entries(vars ?? {})) {
      if (typeof value !== 'number') continue;
      const valuePath = [...path, name];
      if (!ctx.positions.isPlainScalar(valuePath)) continue;
      const written = ctx.positions.sourceOf(valuePath);
      if (written === '' || written === String(value)) continue;
      ctx.report({
        path: valuePath,
        severity: 'warning',
        code: Codes.NumberChangedByYaml,
        message: `YAML reads \`${written}\` as the number ${String(value)}, so commands get \`${String(value)}\``,
        hint: `quote it to keep the text: ${name}: "${written}"`,
      });
    }
  };
  check(ctx.runbook.vars, ['vars']);
  for (const [env, environment] of Object.entries(ctx.runbook.environments ?? {})) check(environment.vars, ['environments', env, 'vars']);
}
