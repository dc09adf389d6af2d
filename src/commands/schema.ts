/**
 * `golive schema [--write <file>]`: the runbook JSON Schema this golive
 * validates against, printed or written to a file. A copy inside the
 * repository is what makes a runbook's `$schema` line work for everyone who
 * clones it, whatever the path golive is installed at (see `golive init`).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ExitCode, UsageError } from '../errors.js';
import { schemaPath } from '../runbook/schema-validator.js';

/** Print the schema, or write it to `options.write` (creating its directory; an older copy is replaced). */
export async function schemaCommand(options: { write?: string }): Promise<number> {
  const text = readFileSync(schemaPath(), 'utf8');
  if (options.write === undefined) {
    process.stdout.write(text);
    return ExitCode.Ok;
  }
  writeSchemaCopy(resolve(options.write), text, options.write);
  process.stdout.write(`Wrote ${options.write}\n`);
  return ExitCode.Ok;
}

/** Write `text` to `target`, with a usage error (exit 2) naming `shown` when the file system refuses. */
export function writeSchemaCopy(target: string, text: string, shown: string): void {
  try {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
  } catch (error) {
    throw new UsageError(`cannot write ${shown}: ${(error as Error).message}`, 'name a writable file: golive schema --write .golive/runbook.schema.json');
  }
}
