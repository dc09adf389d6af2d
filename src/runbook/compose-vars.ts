/**
 * Composed variables: a var's value may use `{{ vars.other }}`,
 * `{{ environment }}` and `{{ env.X }}`. They are resolved once, when the
 * plan is made, in dependency order, so commands and the journal see plain
 * text. (The rules reject anything else in a var, and cycles, before a plan
 * is ever made: see var-rules.ts.)
 */
import { ownValue, scanTemplate, type TemplateRef } from './templates.js';

/** The references a variable may use in its value. */
export const VAR_TEMPLATE_KINDS: ReadonlySet<TemplateRef['kind']> = new Set(['var', 'env', 'environment']);

/** What composed variables may read besides each other. */
export interface ComposeContext {
  environment: string;
  env: NodeJS.ProcessEnv;
}

/**
 * Resolve every value of `raw` that holds templates. Names in `literal` (the
 * `--var` values, and a stored run's resolved vars) are taken as written: an
 * operator's value is never re-read as a template. An unset `{{ env.X }}`
 * becomes empty here; the run refuses to start before that matters
 * (`missingEnvReferences`).
 */
export function composeVars(raw: Record<string, string>, literal: ReadonlySet<string>, context: ComposeContext): Record<string, string> {
  // Null prototypes: variable names are the user's, and `__proto__` must stay a plain key.
  const resolved: Record<string, string> = Object.create(null);
  const resolving = new Set<string>();
  const resolveVar = (name: string): string | undefined => {
    if (Object.hasOwn(resolved, name)) return resolved[name];
    const value = ownValue(raw, name);
    if (value === undefined) return undefined;
    if (literal.has(name) || !value.includes('{{') || resolving.has(name)) {
      resolved[name] = value;
      return value;
    }
    resolving.add(name);
    resolved[name] = renderVar(value, (ref) => {
      if (ref.kind === 'var') return resolveVar(ref.name);
      if (ref.kind === 'env') return ownValue(context.env, ref.name) ?? '';
      if (ref.kind === 'environment') return context.environment;
      return undefined;
    });
    resolving.delete(name);
    return resolved[name];
  };
  for (const name of Object.keys(raw)) resolveVar(name);
  return resolved;
}

/** Substitute the references `lookup` knows; leave any other `{{ … }}` as written. */
function renderVar(template: string, lookup: (ref: TemplateRef) => string | undefined): string {
  const { parts } = scanTemplate(template);
  let result = '';
  let last = 0;
  for (const part of parts) {
    result += template.slice(last, part.offset) + ((part.ref && lookup(part.ref)) ?? part.text);
    last = part.offset + part.text.length;
  }
  return result + template.slice(last);
}

/** The names of the variables `value` refers to with `{{ vars.X }}`. */
export function varReferences(value: string): string[] {
  if (!value.includes('{{')) return [];
  return scanTemplate(value).parts.flatMap((part) => (part.ref?.kind === 'var' ? [part.ref.name] : []));
}

/**
 * The cycles among variables whose values refer to each other, each as the
 * list of names from its first member back to it (`a → b → a` is
 * `['a', 'b', 'a']`), each cycle once. Depth-first with colours: linear in
 * the number of variables and references.
 */
export function varCycles(values: Record<string, string>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (name: string) => {
    state.set(name, 'open');
    stack.push(name);
    for (const next of varReferences(values[name] ?? '')) {
      if (!Object.hasOwn(values, next)) continue;
      const seen = state.get(next);
      if (seen === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (seen === undefined) visit(next);
    }
    stack.pop();
    state.set(name, 'done');
  };
  for (const name of Object.keys(values)) if (!state.has(name)) visit(name);
  return cycles;
}
