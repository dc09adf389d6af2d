/**
 * Loading a runbook: read the file, parse YAML with positions, check it
 * against the JSON Schema, then run the semantic rules. Every problem is a
 * diagnostic with `file:line:col`; nothing here throws on bad input.
 */
import { LineCounter, parseDocument } from 'yaml';
import { Codes, sortDiagnostics, type Diagnostic } from './diagnostics.js';
import { PositionIndex } from './positions.js';
import { checkRules } from './rules.js';
import { schemaDiagnostics } from './schema-errors.js';
import { validateAgainstSchema } from './schema-validator.js';
import { readRunbookSource, sourceFromText, type RunbookSource } from './source.js';
import type { Runbook } from './types.js';

/** Alias expansions allowed before a document counts as a "billion laughs" attack. */
const MAX_ALIAS_COUNT = 100;

export interface LoadOptions {
  /** Check templates against this environment only (`--env`). */
  environment?: string;
  /** Variable names given with `--var`. */
  extraVars?: string[];
}

/** The outcome of loading: diagnostics always; the runbook only when there is no error. */
export interface LoadResult {
  source?: RunbookSource;
  runbook?: Runbook;
  diagnostics: Diagnostic[];
  /** True when at least one diagnostic is an error. */
  failed: boolean;
}

/** Load and check a runbook file. */
export function loadRunbookFile(file: string, options: LoadOptions = {}): LoadResult {
  const source = readRunbookSource(file);
  if ('code' in source) return { diagnostics: [source], failed: true };
  return loadRunbookSource(source, options);
}

/** Load and check runbook text already in memory (e.g. a stored snapshot). */
export function loadRunbookText(file: string, text: string, options: LoadOptions = {}): LoadResult {
  return loadRunbookSource(sourceFromText(file, text), options);
}

function loadRunbookSource(source: RunbookSource, options: LoadOptions): LoadResult {
  const file = source.file;
  const lineCounter = new LineCounter();
  const doc = parseDocument(source.text, { lineCounter, prettyErrors: false, uniqueKeys: true, logLevel: 'error' });
  const positions = new PositionIndex(doc, lineCounter, source.text);
  const done = (diagnostics: Diagnostic[], runbook?: Runbook): LoadResult => {
    const sorted = sortDiagnostics(diagnostics);
    const failed = sorted.some((d) => d.severity === 'error');
    return { source, runbook: failed ? undefined : runbook, diagnostics: sorted, failed };
  };

  if (doc.errors.length > 0) {
    return done(doc.errors.map((error) => {
      const where = error.linePos?.[0] ?? positions.at(error.pos[0]);
      return { file, line: where.line, col: where.col, severity: 'error', code: Codes.Syntax, message: syntaxMessage(error.message, error.code), hint: syntaxHint(error.code) };
    }));
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const isAliasBomb = error instanceof ReferenceError && /alias/i.test(error.message);
    return done([{
      file, line: 1, col: 1, severity: 'error', code: isAliasBomb ? Codes.AliasBomb : Codes.Syntax,
      message: isAliasBomb ? 'too many alias expansions: the document would explode in memory ("billion laughs")' : `cannot read the YAML: ${(error as Error).message}`,
      hint: isAliasBomb ? 'a runbook needs few aliases; write the values out' : undefined,
    }]);
  }

  if (data === null || data === undefined) {
    return done([{ file, line: 1, col: 1, severity: 'error', code: Codes.NotAMapping, message: 'the runbook is empty', hint: 'start with `golive: 1`, `name:` and `steps:` (or run `golive init`)' }]);
  }
  if (typeof data !== 'object' || Array.isArray(data)) {
    const start = positions.valueAt([]);
    return done([{ file, line: start.line, col: start.col, severity: 'error', code: Codes.NotAMapping, message: `the runbook must be a map of keys (golive, name, steps, …), not ${Array.isArray(data) ? 'a list' : 'a single value'}` }]);
  }

  const schemaErrors = validateAgainstSchema(data);
  if (schemaErrors.length > 0) return done(schemaDiagnostics(schemaErrors, data, positions, file));

  const runbook = data as Runbook;
  return done(checkRules(runbook, positions, file, options), runbook);
}

/** yaml's messages end with "at line N, column M:" and a frame; we print our own. */
function syntaxMessage(message: string, code: string): string {
  const first = message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  if (code === 'DUPLICATE_KEY') return 'duplicate key: map keys must be unique';
  return first.charAt(0).toLowerCase() + first.slice(1);
}

function syntaxHint(code: string): string | undefined {
  switch (code) {
    case 'TAB_AS_INDENT':
      return 'indent with spaces; YAML does not allow tabs';
    case 'DUPLICATE_KEY':
      return 'remove or rename one of them (YAML would silently keep the last)';
    case 'MISSING_CHAR':
      return 'close the quote on the same value';
    case 'BAD_INDENT':
      return 'align the keys of one map at the same column';
    default:
      return undefined;
  }
}
