/**
 * Loading a runbook: read the file, parse YAML with positions, check it
 * against the JSON Schema, then run the semantic rules. Every problem is a
 * diagnostic with `file:line:col`; nothing here throws on bad input.
 */
import { type Document, LineCounter, type Node, parseDocument, visit } from 'yaml';
import { Codes, type Diagnostic, sortDiagnostics } from './diagnostics.js';
import { expandIncludes, type IncludedTexts } from './include.js';
import { PositionIndex } from './positions.js';
import { checkRules } from './rules.js';
import { schemaDiagnostics } from './schema-errors.js';
import { validateAgainstSchema } from './schema-validator.js';
import { type RunbookSource, readRunbookSource, sourceFromText } from './source.js';
import type { Runbook } from './types.js';
import { wellShapedPart } from './well-shaped.js';

/** Alias expansions allowed before a document counts as a "billion laughs" attack. */
const MAX_ALIAS_COUNT = 100;

export interface LoadOptions {
  /** Check templates against this environment only (`--env`). */
  environment?: string;
  /** Variable names given with `--var`. */
  extraVars?: string[];
  /** Also report the advice only `golive validate` gives (W003: a command step without a rollback). */
  advice?: boolean;
}

/** The outcome of loading: diagnostics always; the runbook only when there is no error. */
export interface LoadResult {
  source?: RunbookSource;
  runbook?: Runbook;
  diagnostics: Diagnostic[];
  /** True when at least one diagnostic is an error. */
  failed: boolean;
  /** The included files as messages name them, with their text (for code frames). */
  includedSources?: Array<{ file: string; text: string }>;
}

/** Load and check a runbook file. */
export function loadRunbookFile(file: string, options: LoadOptions = {}): LoadResult {
  const source = readRunbookSource(file);
  if ('code' in source) return { diagnostics: [source], failed: true };
  // A file on disk is checked with its secret files; a stored snapshot is not (they may have changed since).
  return loadRunbookSource(source, options, true);
}

/**
 * Load and check runbook text already in memory (e.g. a stored snapshot);
 * `included` are the texts of its included files as its run recorded them
 * (without it, included files are read from disk).
 */
export function loadRunbookText(file: string, text: string, options: LoadOptions = {}, included?: IncludedTexts): LoadResult {
  return loadRunbookSource(sourceFromText(file, text), options, false, included ?? {});
}

function loadRunbookSource(source: RunbookSource, options: LoadOptions, checkSecretFiles: boolean, recorded?: IncludedTexts): LoadResult {
  const file = source.file;
  const lineCounter = new LineCounter();
  // `merge: true`: `<<: *defaults` merge keys (YAML 1.1) are how runbooks share step settings.
  const doc = parseDocument(source.text, { lineCounter, prettyErrors: false, uniqueKeys: true, logLevel: 'error', merge: true });
  let positions = new PositionIndex(doc, lineCounter, source.text);
  let includedSources: Array<{ file: string; text: string }> | undefined;
  const done = (diagnostics: Diagnostic[], runbook?: Runbook): LoadResult => {
    const sorted = sortDiagnostics(diagnostics);
    const failed = sorted.some((d) => d.severity === 'error');
    return { source, runbook: failed ? undefined : runbook, diagnostics: sorted, failed, includedSources };
  };

  if (doc.errors.length > 0) {
    const diagnostics: Diagnostic[] = [];
    const seen = new Set<string>();
    for (const error of doc.errors) {
      const offset = syntaxErrorOffset(doc, error.pos[0], error.message);
      const where = positions.at(offset);
      // yaml often reports one mistake twice at the same place (e.g. a
      // mis-indented key): the first message is the one that explains it.
      const place = `${where.line}:${where.col}`;
      if (seen.has(place)) continue;
      seen.add(place);
      diagnostics.push({
        file,
        line: where.line,
        col: where.col,
        severity: 'error',
        code: Codes.Syntax,
        message: syntaxMessage(error.message, error.code),
        hint: syntaxHint(error.code, error.message, restOfLine(source.text, offset)),
      });
    }
    return done(diagnostics);
  }

  const unknownAliases = unresolvedAliases(doc);
  if (unknownAliases.length > 0) {
    return done(
      unknownAliases.map(({ name, offset }) => {
        const where = positions.at(offset);
        return {
          file,
          line: where.line,
          col: where.col,
          severity: 'error',
          code: Codes.Syntax,
          message: `unknown alias \`${name}\``,
          hint: `mark the value to reuse with \`&${name}\` before this line (an anchor must come before its aliases)`,
        };
      }),
    );
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const isAliasBomb = error instanceof ReferenceError && /alias/i.test(error.message);
    return done([
      {
        file,
        line: 1,
        col: 1,
        severity: 'error',
        code: isAliasBomb ? Codes.AliasBomb : Codes.Syntax,
        message: isAliasBomb
          ? 'too many alias expansions: the document would explode in memory ("billion laughs")'
          : `cannot read the YAML: ${(error as Error).message}`,
        hint: isAliasBomb ? 'a runbook needs few aliases; write the values out' : undefined,
      },
    ]);
  }

  if (data === null || data === undefined) {
    return done([
      {
        file,
        line: 1,
        col: 1,
        severity: 'error',
        code: Codes.NotAMapping,
        message: 'the runbook is empty',
        hint: 'start with `golive: 1`, `name:` and `steps:` (or run `golive init`)',
      },
    ]);
  }
  if (typeof data !== 'object' || Array.isArray(data)) {
    const start = positions.valueAt([]);
    return done([
      {
        file,
        line: start.line,
        col: start.col,
        severity: 'error',
        code: Codes.NotAMapping,
        message: `the runbook must be a map of keys (golive, name, steps, …), not ${Array.isArray(data) ? 'a list' : 'a single value'}`,
      },
    ]);
  }

  const expansion = expandIncludes(data as Record<string, unknown>, positions, source, recorded);
  data = expansion.data;
  positions = expansion.positions;
  includedSources = expansion.sources;
  if (Object.keys(expansion.included).length > 0) source = { ...source, included: expansion.included };
  const ruleOptions = { ...options, secretFilesDir: checkSecretFiles ? source.dir : undefined };
  const schemaErrors = validateAgainstSchema(data);
  if (schemaErrors.length > 0) {
    // Every problem at once: the rules also run on the parts whose shape is right.
    const wellShaped = wellShapedPart(data, schemaErrors, validateAgainstSchema);
    const ruleDiagnostics = wellShaped === undefined ? [] : checkRules(wellShaped as Runbook, positions, file, ruleOptions);
    return done([...expansion.diagnostics, ...schemaDiagnostics(schemaErrors, data, positions, file), ...ruleDiagnostics]);
  }

  const runbook = data as Runbook;
  return done([...expansion.diagnostics, ...checkRules(runbook, positions, file, ruleOptions)], runbook);
}

/** Aliases (`*name`) with no anchor (`&name`) before them; yaml would only throw on the first, without a position. */
function unresolvedAliases(doc: Document): Array<{ name: string; offset: number }> {
  const found: Array<{ name: string; offset: number }> = [];
  visit(doc, {
    Alias(_key, node) {
      if (node.resolve(doc) === undefined) found.push({ name: node.source, offset: (node as Node).range?.[0] ?? 0 });
    },
  });
  return found;
}

/**
 * yaml reports an unclosed quote where the file ends, which may be hundreds
 * of lines below the mistake: point at the opening quote instead.
 */
function syntaxErrorOffset(doc: Document, offset: number, message: string): number {
  if (!UNCLOSED_QUOTE.test(message)) return offset;
  let start: number | undefined;
  visit(doc, {
    Scalar(_key, node) {
      const range = node.range;
      const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
      if (quoted && range && range[0] < offset && range[1] >= offset && (start === undefined || range[0] > start)) start = range[0];
    },
  });
  return start ?? offset;
}

const UNCLOSED_QUOTE = /^Missing closing .?quote/;

/** yaml's messages end with "at line N, column M:" and a frame; we print our own. */
function syntaxMessage(message: string, code: string): string {
  const first = message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  if (code === 'DUPLICATE_KEY') return 'duplicate key: map keys must be unique';
  if (code === 'MULTIPLE_DOCS') return 'the file holds more than one YAML document (a `---` line starts a new one)';
  return first.charAt(0).toLowerCase() + first.slice(1);
}

function restOfLine(text: string, offset: number): string {
  const end = text.indexOf('\n', offset);
  return text.slice(offset, end < 0 ? text.length : end);
}

function syntaxHint(code: string, message: string, rest: string): string | undefined {
  switch (code) {
    case 'TAB_AS_INDENT':
      return 'indent with spaces; YAML does not allow tabs';
    case 'DUPLICATE_KEY':
      return 'remove or rename one of them (YAML would silently keep the last)';
    case 'MISSING_CHAR':
      // One yaml code for several mistakes: only an unclosed quote gets the quote hint.
      if (UNCLOSED_QUOTE.test(message)) return 'close the quote on the same value';
      if (/without - indicator/.test(message)) return INDENT_HINT;
      return undefined;
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'MULTILINE_IMPLICIT_KEY':
      // The same error for `run: curl -H "Accept: x"` (a `: ` inside a plain
      // value) and for a key indented deeper than its siblings on the next line.
      if (/:\s/.test(rest)) return 'YAML reads `: ` inside this value as a nested map: quote the whole value';
      return INDENT_HINT;
    case 'BAD_INDENT':
      return INDENT_HINT;
    case 'MULTIPLE_DOCS':
      return 'a runbook is one document: remove the `---` line, or split the file';
    default:
      return undefined;
  }
}

const INDENT_HINT = 'align the keys of one map at the same column';
