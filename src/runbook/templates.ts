/**
 * `{{ … }}` templates. They are plain text substitution (like CI systems do),
 * resolved just before a command runs; every reference is checked when the
 * runbook is loaded, so an unknown name is a validation error, not a surprise
 * at 3 a.m.
 */

/** A parsed reference inside `{{ }}`. */
export type TemplateRef =
  | { kind: 'var'; name: string }
  | { kind: 'env'; name: string }
  | { kind: 'secret'; name: string }
  | { kind: 'output'; step: string; name: string }
  | { kind: 'run-id' }
  | { kind: 'environment' }
  /** The host a command of an `on:` step or a rollout runs on. */
  | { kind: 'target'; field: 'name' | 'host' }
  /** The wave of a rollout (1-based). */
  | { kind: 'wave' };

/** One `{{ … }}` occurrence: where it is in the string and what it means. */
export interface TemplatePart {
  /** Offset of `{{` in the template string. */
  offset: number;
  /** The whole `{{ … }}` text. */
  text: string;
  /** The expression, trimmed. */
  expression: string;
  /** Undefined when the expression is not one golive understands. */
  ref?: TemplateRef;
}

/** A problem in the template text itself, at an offset in the string. */
export interface TemplateSyntaxError {
  offset: number;
  message: string;
}

const NAME = '[A-Za-z_][A-Za-z0-9_]*';
const ID = '[A-Za-z0-9][A-Za-z0-9_-]*';
const OUTPUT_NAME = '[A-Za-z_][A-Za-z0-9_-]*';
const PATTERNS: Array<[RegExp, (m: RegExpExecArray) => TemplateRef]> = [
  [new RegExp(`^vars\\.(${NAME})$`), (m) => ({ kind: 'var', name: m[1] })],
  [new RegExp(`^env\\.(${NAME})$`), (m) => ({ kind: 'env', name: m[1] })],
  [new RegExp(`^secrets\\.(${NAME})$`), (m) => ({ kind: 'secret', name: m[1] })],
  [new RegExp(`^steps\\.(${ID})\\.outputs\\.(${OUTPUT_NAME})$`), (m) => ({ kind: 'output', step: m[1], name: m[2] })],
  [/^run\.id$/, () => ({ kind: 'run-id' })],
  [/^environment$/, () => ({ kind: 'environment' })],
  [/^target\.(name|host)$/, (m) => ({ kind: 'target', field: m[1] as 'name' | 'host' })],
  [/^wave\.number$/, () => ({ kind: 'wave' })],
];

/** Parse the expression between `{{` and `}}`. */
export function parseExpression(expression: string): TemplateRef | undefined {
  for (const [pattern, build] of PATTERNS) {
    const match = pattern.exec(expression);
    if (match) return build(match);
  }
  return undefined;
}

/** Every `{{ … }}` in a string, plus syntax errors (a `{{` that never closes). */
export function scanTemplate(template: string): { parts: TemplatePart[]; errors: TemplateSyntaxError[] } {
  const parts: TemplatePart[] = [];
  const errors: TemplateSyntaxError[] = [];
  let from = 0;
  for (;;) {
    const open = template.indexOf('{{', from);
    if (open < 0) break;
    const close = template.indexOf('}}', open + 2);
    if (close < 0) {
      errors.push({ offset: open, message: 'unclosed `{{`: add the closing `}}`' });
      break;
    }
    const text = template.slice(open, close + 2);
    const expression = template.slice(open + 2, close).trim();
    parts.push({ offset: open, text, expression, ref: parseExpression(expression) });
    from = close + 2;
  }
  return { parts, errors };
}

/** Values a template may refer to at run time. */
export interface TemplateContext {
  vars: Record<string, string>;
  env: Record<string, string | undefined>;
  secrets: Record<string, string>;
  outputs: Record<string, Record<string, string>>;
  runId: string;
  environment: string;
  /** The host of the command being rendered (an `on:` step or a rollout); undefined locally. */
  target?: { name: string; host: string };
  /** The rollout wave of the command or question being rendered. */
  wave?: number;
}

/**
 * Substitute every reference. `missing` is called for a reference with no
 * value (the loader's checks make that rare: an env var unset at run time, or
 * an output the step did not write) and its return value is used instead.
 */
export function renderTemplate(template: string, context: TemplateContext, missing: (part: TemplatePart) => string = (part) => part.text): string {
  if (!template.includes('{{')) return template;
  const { parts } = scanTemplate(template);
  let result = '';
  let last = 0;
  for (const part of parts) {
    result += template.slice(last, part.offset);
    const value = part.ref ? lookup(part.ref, context) : undefined;
    result += value ?? missing(part);
    last = part.offset + part.text.length;
  }
  return result + template.slice(last);
}

/**
 * Names in templates are chosen by users: only a record's own keys count,
 * so `vars.constructor` is an unknown variable, not Object's constructor.
 */
function lookup(ref: TemplateRef, context: TemplateContext): string | undefined {
  switch (ref.kind) {
    case 'var':
      return ownValue(context.vars, ref.name);
    case 'env':
      return ownValue(context.env, ref.name);
    case 'secret':
      return ownValue(context.secrets, ref.name);
    case 'output': {
      const outputs = ownValue(context.outputs, ref.step);
      return outputs && ownValue(outputs, ref.name);
    }
    case 'run-id':
      return context.runId;
    case 'environment':
      return context.environment;
    case 'target':
      return context.target?.[ref.field];
    case 'wave':
      return context.wave === undefined ? undefined : String(context.wave);
  }
}

/** `record[name]` when `name` is the record's own key, else undefined (never an inherited member). */
export function ownValue<T>(record: Record<string, T>, name: string): T | undefined {
  return Object.hasOwn(record, name) ? record[name] : undefined;
}
