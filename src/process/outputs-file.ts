/**
 * The `$GOLIVE_OUTPUT` file: a step appends `name=value` lines to it (the
 * convention CI systems use) and golive reads them back after the step.
 */

import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ensureDirectory } from './directories.js';
import type { Masker } from './mask.js';

/** Valid output names: the identifier rules of CI outputs, plus `-`. */
const OUTPUT_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Creates a fresh, empty outputs file readable only by the current user
 * (values may be secrets) and returns its path. Throws when it cannot.
 */
function createOutputsFile(): string {
  const path = join(tmpdir(), `golive-output-${randomUUID()}`);
  // `wx`: never reuse or follow a file someone else created at that name.
  closeSync(openSync(path, 'wx', 0o600));
  return path;
}

/** What a step wrote to `$GOLIVE_OUTPUT`, split by whether golive keeps it. */
export interface ReadOutputs {
  /** Outputs kept, unchanged: none of them contains a secret. */
  outputs: Record<string, string>;
  /**
   * Names of outputs golive refused because their value (or name) contains a
   * secret; a name holding a secret is given masked. A masked value passed on
   * as `***` would silently change what later steps receive, so such an
   * output is dropped instead (GitHub Actions does the same).
   */
  refused: string[];
}

/**
 * Reads and deletes an outputs file. A missing or unreadable file yields no
 * outputs: the step may have removed it.
 */
export function readOutputsFile(path: string, masker: Masker): ReadOutputs {
  // Most steps write no outputs: asked without throwing, a missing file costs no exception (with its stack) a step.
  if (statSync(path, { throwIfNoEntry: false }) === undefined) return { outputs: {}, refused: [] };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { outputs: {}, refused: [] }; // never written: the step set no outputs
  }
  rmSync(path, { force: true });
  return splitSecretOutputs(parseOutputs(text), masker);
}

/** Separates the outputs whose name or value contains a secret from the others. */
export function splitSecretOutputs(parsed: Record<string, string>, masker: Masker): ReadOutputs {
  if (masker.empty) return { outputs: parsed, refused: [] };
  const outputs = new Map<string, string>();
  const refused: string[] = [];
  for (const [name, value] of Object.entries(parsed)) {
    const maskedName = masker.mask(name);
    if (maskedName !== name || masker.mask(value) !== value) refused.push(maskedName);
    else outputs.set(name, value);
  }
  return { outputs: Object.fromEntries(outputs), refused };
}

/**
 * Where `$GOLIVE_OUTPUT` points: `path` in a private directory the caller
 * owns (the step's first append creates the file; nothing is created up
 * front), or a fresh file in the system temp directory.
 */
export function prepareOutputsFile(path?: string): string {
  if (path === undefined) return createOutputsFile();
  ensureDirectory(dirname(path));
  return path;
}

/** Deletes an outputs file that will not be read (the command never started). */
export function discardOutputsFile(path: string): void {
  rmSync(path, { force: true });
}

/**
 * Parses outputs: `name=value` lines (the value is everything after the first
 * `=`) and GitHub Actions' multi-line form `name<<DELIMITER`, value lines,
 * `DELIMITER`. Blank lines, lines without `=` and invalid names are ignored; a
 * later line overrides an earlier one; a heredoc whose delimiter never comes
 * is ignored with the rest of the file.
 */
export function parseOutputs(text: string): Record<string, string> {
  // A Map, then fromEntries: a name like `__proto__` becomes an ordinary key.
  const outputs = new Map<string, string>();
  const lines = text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index];
    const equals = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    if (heredoc >= 0 && (equals < 0 || heredoc < equals)) {
      const name = line.slice(0, heredoc).trim();
      const delimiter = line.slice(heredoc + 2).trim();
      const end = delimiter === '' ? -1 : lines.indexOf(delimiter, index + 1);
      if (end < 0) break;
      if (OUTPUT_NAME.test(name)) outputs.set(name, lines.slice(index + 1, end).join('\n'));
      index = end;
      continue;
    }
    if (equals < 0) continue;
    const name = line.slice(0, equals).trim();
    if (OUTPUT_NAME.test(name)) outputs.set(name, line.slice(equals + 1));
  }
  return Object.fromEntries(outputs);
}
