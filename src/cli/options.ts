/** Small option parsers shared by commands. */
import { UsageError } from '../errors.js';

/** Collect repeated `--var name=value` into a record. */
export function collectVar(raw: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = raw.indexOf('=');
  const name = eq > 0 ? raw.slice(0, eq).trim() : '';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new UsageError(`--var ${raw}: expected name=value`, 'e.g. --var release=2.4.1');
  }
  return { ...previous, [name]: raw.slice(eq + 1) };
}

/** Collect a repeatable string option. */
export function collectList(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
