/**
 * Reading a runbook file safely: whatever the path points at, the result is
 * text or a clear diagnostic, never an exception.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Codes, type Diagnostic } from './diagnostics.js';

/** Runbooks are hand-written; anything larger is a mistake (or an attack). */
const MAX_RUNBOOK_BYTES = 2 * 1024 * 1024;

/** A runbook file's text and identity. */
export interface RunbookSource {
  /** The path as the user gave it (used in messages). */
  file: string;
  absolutePath: string;
  /** Commands run here unless a step sets `cwd`. */
  dir: string;
  text: string;
  sha256: string;
  /** The text of each included file, by path relative to `dir` (see include.ts); absent when it includes none. */
  included?: Record<string, string>;
}

/** Read a runbook file, or explain why it cannot be read. */
export function readRunbookSource(file: string): RunbookSource | Diagnostic {
  const absolutePath = resolve(file);
  const problem = (message: string, hint?: string): Diagnostic => ({
    file,
    line: 1,
    col: 1,
    severity: 'error',
    code: Codes.Unreadable,
    message,
    hint,
  });
  let size: number;
  try {
    const stat = statSync(absolutePath);
    if (stat.isDirectory()) return problem('is a directory, not a runbook file', 'name a .yaml file inside it');
    if (!stat.isFile()) return problem('is not a regular file');
    size = stat.size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return problem('no such file', 'check the path; `golive init` writes a starter runbook');
    if (code === 'EACCES') return problem('permission denied');
    return problem(`cannot read: ${(error as Error).message}`);
  }
  if (size > MAX_RUNBOOK_BYTES) {
    return problem(`file is too large (${(size / 1024 / 1024).toFixed(1)} MiB; a runbook may be at most 2 MiB)`);
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(absolutePath);
  } catch (error) {
    return problem(`cannot read: ${(error as Error).message}`);
  }
  if (bytes.includes(0)) return problem('is a binary file, not YAML text');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return problem('is not valid UTF-8 text', 'save the runbook as UTF-8');
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // Old Mac OS line endings (CR alone): YAML tools read the file as one line. Read them as line breaks.
  if (text.includes('\r') && !text.includes('\n')) text = text.replace(/\r/g, '\n');
  // The hash is of the text as stored in the journal, so the snapshot verifies byte for byte.
  const sha256 = createHash('sha256').update(text).digest('hex');
  return { file, absolutePath, dir: dirname(absolutePath), text, sha256 };
}

/** A source held in memory (a stored snapshot, or a test). */
export function sourceFromText(file: string, text: string): RunbookSource {
  const absolutePath = resolve(file);
  const sha256 = createHash('sha256').update(text).digest('hex');
  return { file, absolutePath, dir: dirname(absolutePath), text, sha256 };
}
