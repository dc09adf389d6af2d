/**
 * `when:` conditions: a small expression language over templates, parsed
 * here and evaluated by the engine. No shell and no eval: operands are
 * `{{ … }}` templates, quoted strings and numbers; operators are `==`, `!=`,
 * `in [ … ]`, `!`, `&&`, `||` and parentheses. A template's value is never
 * re-read as part of the expression, so a variable cannot change its shape.
 *
 *   when: "{{ environment }} == 'production' && {{ vars.migrate }} != 'false'"
 */
import { parseExpression, type TemplateRef } from './templates.js';

/** One operand: a template (its whole `{{ … }}` text) or a literal. */
export type Operand =
  | { kind: 'template'; text: string; ref?: TemplateRef; offset: number }
  | { kind: 'string'; value: string; offset: number }
  | { kind: 'number'; value: number; text: string; offset: number };

/** A parsed condition. */
export type Condition =
  | { kind: 'or' | 'and'; left: Condition; right: Condition }
  | { kind: 'not'; operand: Condition }
  | { kind: 'compare'; op: '==' | '!='; left: Operand; right: Operand }
  | { kind: 'in'; item: Operand; list: Operand[] }
  | { kind: 'truthy'; operand: Operand };

/** A syntax error at an offset of the condition text. */
export interface ConditionError {
  offset: number;
  message: string;
}

type Token = { kind: 'op'; text: '==' | '!=' | '&&' | '||' | '!' | '(' | ')' | '[' | ']' | ','; offset: number } | { kind: 'in'; offset: number } | Operand;

/** Parse a condition; every problem is an error with its offset, never an exception. */
export function parseCondition(text: string): { condition?: Condition; error?: ConditionError } {
  const tokens = tokenize(text);
  if ('error' in tokens) return { error: tokens.error };
  if (tokens.list.length === 0) return { error: { offset: 0, message: 'the condition is empty' } };
  let at = 0;
  const peek = () => tokens.list[at];
  const fail = (message: string, token = peek()): never => {
    throw new ConditionSyntax({ offset: token?.offset ?? text.length, message });
  };
  const isOp = (token: Token | undefined, op: string) => token?.kind === 'op' && token.text === op;
  const operand = (what: string): Operand => {
    const token = peek();
    if (token && (token.kind === 'template' || token.kind === 'string' || token.kind === 'number')) {
      at++;
      return token;
    }
    return fail(token ? `expected ${what}, found \`${tokenText(token)}\`` : `expected ${what} at the end`);
  };
  const primary = (): Condition => {
    if (isOp(peek(), '(')) {
      at++;
      const inner = or();
      if (!isOp(peek(), ')')) fail(peek() ? `expected \`)\`, found \`${tokenText(peek()!)}\`` : 'missing `)` at the end');
      at++;
      return inner;
    }
    const left = operand('a value: {{ … }}, a quoted string or a number');
    const next = peek();
    if (next?.kind === 'op' && (next.text === '==' || next.text === '!=')) {
      at++;
      return { kind: 'compare', op: next.text, left, right: operand(`a value after \`${next.text}\``) };
    }
    if (next?.kind === 'in') {
      at++;
      if (!isOp(peek(), '[')) fail('expected `[` after `in`');
      at++;
      const list = [operand('a value in the list')];
      while (isOp(peek(), ',')) {
        at++;
        list.push(operand('a value after `,`'));
      }
      if (!isOp(peek(), ']')) fail(peek() ? `expected \`,\` or \`]\`, found \`${tokenText(peek()!)}\`` : 'missing `]` at the end');
      at++;
      return { kind: 'in', item: left, list };
    }
    return { kind: 'truthy', operand: left };
  };
  const unary = (): Condition => {
    if (isOp(peek(), '!')) {
      at++;
      return { kind: 'not', operand: unary() };
    }
    return primary();
  };
  const and = (): Condition => {
    let left = unary();
    while (isOp(peek(), '&&')) {
      at++;
      left = { kind: 'and', left, right: unary() };
    }
    return left;
  };
  const or = (): Condition => {
    let left = and();
    while (isOp(peek(), '||')) {
      at++;
      left = { kind: 'or', left, right: and() };
    }
    return left;
  };
  try {
    const condition = or();
    if (at < tokens.list.length) fail(`unexpected \`${tokenText(peek()!)}\`: join conditions with && or ||`);
    return { condition };
  } catch (error) {
    if (error instanceof ConditionSyntax) return { error: error.problem };
    throw error;
  }
}

class ConditionSyntax extends Error {
  constructor(readonly problem: ConditionError) {
    super(problem.message);
  }
}

function tokenText(token: Token): string {
  if (token.kind === 'op') return token.text;
  if (token.kind === 'in') return 'in';
  if (token.kind === 'template') return token.text;
  if (token.kind === 'string') return `'${token.value}'`;
  return token.text;
}

const OPERATORS = ['==', '!=', '&&', '||', '!', '(', ')', '[', ']', ','] as const;

function tokenize(text: string): { list: Token[] } | { error: ConditionError } {
  const list: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (text.startsWith('{{', i)) {
      const close = text.indexOf('}}', i + 2);
      if (close < 0) return { error: { offset: i, message: 'unclosed `{{`: add the closing `}}`' } };
      const whole = text.slice(i, close + 2);
      list.push({ kind: 'template', text: whole, ref: parseExpression(text.slice(i + 2, close).trim()), offset: i });
      i = close + 2;
      continue;
    }
    if (c === "'" || c === '"') {
      const close = text.indexOf(c, i + 1);
      if (close < 0) return { error: { offset: i, message: `unclosed ${c === "'" ? 'single' : 'double'} quote` } };
      list.push({ kind: 'string', value: text.slice(i + 1, close), offset: i });
      i = close + 1;
      continue;
    }
    const number = /^-?\d+(\.\d+)?/.exec(text.slice(i));
    if (number) {
      list.push({ kind: 'number', value: Number(number[0]), text: number[0], offset: i });
      i += number[0].length;
      continue;
    }
    if (/^in\b/.test(text.slice(i))) {
      list.push({ kind: 'in', offset: i });
      i += 2;
      continue;
    }
    const op = OPERATORS.find((candidate) => text.startsWith(candidate, i));
    if (op) {
      list.push({ kind: 'op', text: op, offset: i });
      i += op.length;
      continue;
    }
    const word = /^[^\s'"(){}[\],!=&|]+/.exec(text.slice(i))?.[0] ?? c;
    const hint =
      word === '='
        ? ': compare with `==`'
        : word === 'and' || word === 'or' || word === 'not'
          ? `: write ${{ and: '`&&`', or: '`||`', not: '`!`' }[word]}`
          : `: quote text ('${word}') and write references as {{ … }}`;
    return { error: { offset: i, message: `unexpected \`${word}\`${hint}` } };
  }
  return { list };
}

/** Texts a bare value counts as false: `when: "{{ vars.migrate }}"` is false for these. */
const FALSE_TEXTS = new Set(['', 'false', '0', 'no']);

/**
 * Evaluate a condition; `value` gives each template operand's text. Two
 * numbers (a number literal, or text that is one) compare as numbers, so
 * `1.0 == 1`; anything else compares as text.
 */
export function evaluateCondition(condition: Condition, value: (template: string) => string): boolean {
  const text = (o: Operand) => (o.kind === 'template' ? value(o.text) : o.kind === 'string' ? o.value : o.text);
  const equal = (a: Operand, b: Operand) => {
    const [x, y] = [text(a), text(b)];
    const numeric = (s: string) => s.trim() !== '' && Number.isFinite(Number(s));
    return (a.kind === 'number' || b.kind === 'number') && numeric(x) && numeric(y) ? Number(x) === Number(y) : x === y;
  };
  switch (condition.kind) {
    case 'or':
      return evaluateCondition(condition.left, value) || evaluateCondition(condition.right, value);
    case 'and':
      return evaluateCondition(condition.left, value) && evaluateCondition(condition.right, value);
    case 'not':
      return !evaluateCondition(condition.operand, value);
    case 'compare':
      return equal(condition.left, condition.right) === (condition.op === '==');
    case 'in':
      return condition.list.some((entry) => equal(condition.item, entry));
    case 'truthy':
      return !FALSE_TEXTS.has(text(condition.operand).trim().toLowerCase());
    default: {
      const never: never = condition;
      return never;
    }
  }
}
