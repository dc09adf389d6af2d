/** Small option parsers shared by commands. */
import { UsageError } from '../errors.js';
import { printable } from '../output/printable.js';

/**
 * Collect repeated `--var name=value` into a record (null prototype: the
 * names are the user's). Giving one name twice is refused: which value wins
 * would be a guess.
 */
export function collectVar(raw: string, previous: Record<string, string> = Object.create(null)): Record<string, string> {
  const eq = raw.indexOf('=');
  const name = eq > 0 ? raw.slice(0, eq).trim() : '';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new UsageError(`--var ${printable(raw)}: expected name=value`, 'e.g. --var release=2.4.1');
  }
  if (Object.hasOwn(previous, name)) {
    throw new UsageError(`--var ${name} is given twice`, `pass --var ${name}=… once`);
  }
  const vars: Record<string, string> = Object.assign(Object.create(null), previous);
  vars[name] = raw.slice(eq + 1);
  return vars;
}

/** Collect a repeatable string option. */
export function collectList(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
