/** `golive validate <file…>`: every problem of every file, exit 0 when none is an error. */
import { ExitCode } from '../errors.js';
import { diagnosticsAsJson, formatDiagnostics } from '../output/diagnostics.js';
import { paintFor } from '../output/paint.js';
import { printable } from '../output/printable.js';
import type { Diagnostic } from '../runbook/diagnostics.js';
import { loadRunbookFile } from '../runbook/load.js';

/** Problems printed with their code frame; past this, a count (a terminal cannot show 10,000 usefully; --json has every one). */
const MAX_SHOWN_DIAGNOSTICS = 200;

export interface ValidateOptions {
  env?: string;
  json?: boolean;
}

/** Validate runbooks; returns the exit code. */
export async function validateCommand(files: string[], options: ValidateOptions): Promise<number> {
  const all: Diagnostic[] = [];
  const texts = new Map<string, string>();
  const paint = paintFor(process.stdout);
  const summaries: string[] = [];
  let failed = false;
  for (const file of files) {
    const result = loadRunbookFile(file, { environment: options.env, advice: true });
    all.push(...result.diagnostics);
    if (result.source) texts.set(file, result.source.text);
    for (const included of result.includedSources ?? []) texts.set(included.file, included.text);
    failed ||= result.failed;
    const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
    const warnings = result.diagnostics.length - errors;
    summaries.push(
      result.failed
        ? `${paint.red('✖')} ${printable(file)}: ${errors} error${errors === 1 ? '' : 's'}${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}`
        : `${paint.green('✔')} ${printable(file)} is valid${warnings ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : ''}`,
    );
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify(diagnosticsAsJson(all), null, 2)}\n`);
  } else {
    const shown = all.slice(0, MAX_SHOWN_DIAGNOSTICS);
    if (shown.length > 0) process.stdout.write(`${formatDiagnostics(shown, texts, paint)}\n\n`);
    if (all.length > shown.length) process.stdout.write(`… and ${all.length - shown.length} more (all of them: golive validate --json)\n\n`);
    process.stdout.write(`${summaries.join('\n')}\n`);
  }
  return failed ? ExitCode.Usage : ExitCode.Ok;
}
