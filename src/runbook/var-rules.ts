/**
 * Rules for composed variables and per-environment secret sources: a var
 * may use other vars, `{{ environment }}` and `{{ env.X }}` only (it is
 * resolved before any step runs, and exported to every command, so a secret
 * or a step output has no place in it); every var it names must exist
 * wherever it is used; and vars may not refer to each other in a cycle.
 */
import { VAR_TEMPLATE_KINDS, varCycles } from './compose-vars.js';
import { Codes } from './diagnostics.js';
import type { DataPath } from './positions.js';
import type { RuleContext } from './rules.js';
import { didYouMean } from './suggest.js';
import { scanTemplate, type TemplateRef } from './templates.js';
import type { VarValue } from './types.js';

/** The environments a rule considers: the one chosen with `--env`, else all of them (none: the top-level vars alone). */
function consideredEnvironments(ctx: RuleContext): Array<string | undefined> {
  const environments = ctx.runbook.environments ?? {};
  if (ctx.environment !== undefined && Object.hasOwn(environments, ctx.environment)) return [ctx.environment];
  const names = Object.keys(environments);
  return names.length > 0 ? names : [undefined];
}

/** The variable names defined for an environment: top-level, the environment's, and `--var`. */
function namesFor(ctx: RuleContext, environment: string | undefined): Set<string> {
  const env = environment === undefined ? undefined : ctx.runbook.environments?.[environment];
  return new Set([...Object.keys(ctx.runbook.vars ?? {}), ...Object.keys(env?.vars ?? {}), ...ctx.extraVars]);
}

/** Every reference in a var's value is one a var may use, and names a var defined where the value is used. */
export function varsComposeFromKnownNames(ctx: RuleContext): void {
  const everywhere = consideredEnvironments(ctx);
  for (const [name, value] of Object.entries(ctx.runbook.vars ?? {})) {
    // A top-level var an environment overrides is not used there.
    const usedIn = everywhere.filter((env) => env === undefined || !Object.hasOwn(ctx.runbook.environments?.[env]?.vars ?? {}, name));
    checkComposed(ctx, value, ['vars', name], usedIn.length > 0 ? usedIn : everywhere, 'a variable');
  }
  for (const env of everywhere) {
    if (env === undefined) continue;
    for (const [name, value] of Object.entries(ctx.runbook.environments?.[env]?.vars ?? {}))
      checkComposed(ctx, value, ['environments', env, 'vars', name], [env], 'a variable');
  }
}

/** A secret's `file:` or `env_file:` may be chosen per environment (`secrets/{{ environment }}.txt`), from the same references as a var. */
export function secretPathsComposeFromKnownNames(ctx: RuleContext): void {
  const everywhere = consideredEnvironments(ctx);
  for (const [name, source] of Object.entries(ctx.runbook.secrets ?? {})) {
    for (const key of ['file', 'env_file'] as const) {
      const value = source[key];
      if (value !== undefined) checkComposed(ctx, value, ['secrets', name, key], everywhere, `a secret's \`${key}\``);
    }
  }
}

function checkComposed(ctx: RuleContext, value: VarValue, path: DataPath, usedIn: Array<string | undefined>, what: string): void {
  if (typeof value !== 'string' || !value.includes('{{')) return;
  const { parts, errors } = scanTemplate(value);
  for (const error of errors) ctx.report({ path, code: Codes.BadTemplate, message: error.message });
  const counts = new Map<string, number>();
  for (const part of parts) {
    const occurrence = counts.get(part.text) ?? 0;
    counts.set(part.text, occurrence + 1);
    const at = { needle: part.text, occurrence };
    if (!part.ref || !VAR_TEMPLATE_KINDS.has(part.ref.kind)) {
      ctx.report({
        path,
        at,
        code: Codes.BadTemplate,
        message: `${what} may use vars.X, env.X and environment, not \`${part.text}\``,
        hint: what === 'a variable' ? notInVarHint(part.ref) : 'choose the file with {{ environment }}, {{ vars.X }} or {{ env.X }}',
      });
      continue;
    }
    if (part.ref.kind !== 'var') continue;
    const name = part.ref.name;
    const missingIn = usedIn.filter((env) => !namesFor(ctx, env).has(name));
    if (missingIn.length === 0) continue;
    const known = new Set(usedIn.flatMap((env) => [...namesFor(ctx, env)]));
    const inSome = missingIn.length < usedIn.length;
    ctx.report({
      path,
      at,
      code: Codes.UnknownVar,
      message: inSome ? `vars.${name} is not defined for environment ${missingIn.join(', ')}` : `unknown variable vars.${name}`,
      hint: inSome ? 'define it under `vars:` or in every environment' : (didYouMean(name, known) ?? 'declare it under `vars:`'),
    });
  }
}

function notInVarHint(ref: TemplateRef | undefined): string {
  if (ref?.kind === 'secret') return 'use the secret in the command itself, where it stays masked';
  if (ref?.kind === 'output') return 'variables are resolved before any step runs: use the output in the command itself';
  if (ref?.kind === 'run-id') return 'use {{ run.id }} in the command itself';
  return 'write e.g. "{{ vars.base }}/api" or "secrets/{{ environment }}.txt"';
}

/** Variables that refer to each other in a cycle have no value: name the cycle, once, where it starts. */
export function varsHaveNoCycles(ctx: RuleContext): void {
  const reported = new Set<string>();
  for (const env of consideredEnvironments(ctx)) {
    const envVars = env === undefined ? {} : (ctx.runbook.environments?.[env]?.vars ?? {});
    const values: Record<string, string> = Object.create(null);
    for (const source of [ctx.runbook.vars, envVars]) {
      for (const [name, value] of Object.entries(source ?? {})) if (typeof value === 'string') values[name] = value;
    }
    // A `--var` is taken as written, so it ends any chain through it.
    for (const name of ctx.extraVars) delete values[name];
    for (const cycle of varCycles(values)) {
      // Point at the environment's own var when it closes the cycle: that is where the cycle differs from the others.
      const own = cycle.slice(0, -1).find((name) => Object.hasOwn(envVars, name));
      const path: DataPath = own !== undefined ? ['environments', env!, 'vars', own] : ['vars', cycle[0]];
      const key = `${path.join('/')}:${[...cycle].slice(1).sort().join(',')}`;
      if (reported.has(key)) continue;
      reported.add(key);
      ctx.report({
        path,
        code: Codes.VarCycle,
        message: `variables refer to each other in a cycle: ${cycle.join(' → ')}${own !== undefined ? ` (environment ${env})` : ''}`,
        hint: 'write one of them out instead of referring to the next',
      });
    }
  }
}
