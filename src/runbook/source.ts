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
  const problem = (message: string, hint?: string, at = { line: 1, col: 1 }): Diagnostic => ({
    file,
    ...at,
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
  const nul = bytes.indexOf(0);
  if (nul >= 0) return problem('is a binary file, not YAML text (a NUL byte here)', undefined, positionOfByte(bytes, nul));
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const bad = firstInvalidUtf8(bytes);
    return problem(
      `is not valid UTF-8 text (the byte 0x${bytes[bad].toString(16).toUpperCase().padStart(2, '0')} here)`,
      'save the runbook as UTF-8',
      positionOfByte(bytes, bad),
    );
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

/**
 * The offset where the first invalid UTF-8 sequence starts. A prefix decoded
 * as a stream (an unfinished character at its end allowed) stays valid as it
 * grows until the bad byte, so a binary search finds it in log n decodes.
 */
function firstInvalidUtf8(bytes: Buffer): number {
  const validPrefix = (n: number) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, n), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  let low = 0; // valid
  let high = bytes.length; // invalid
  while (high - low > 1) {
    const mid = (low + high) >>> 1;
    if (validPrefix(mid)) low = mid;
    else high = mid;
  }
  // `low` bytes decode, perhaps ending in an unfinished character: the bad sequence starts after the last whole one.
  const whole = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, low), { stream: true });
  return Buffer.byteLength(whole);
}

/** 1-based line and column (in characters) of a byte offset whose line before it is valid UTF-8. */
function positionOfByte(bytes: Buffer, offset: number): { line: number; col: number } {
  const lineStart = offset === 0 ? 0 : bytes.lastIndexOf(0x0a, offset - 1) + 1;
  let line = 1;
  for (let i = bytes.indexOf(0x0a); i !== -1 && i < offset; i = bytes.indexOf(0x0a, i + 1)) line++;
  const before = new TextDecoder('utf-8').decode(bytes.subarray(lineStart, offset));
  return { line, col: [...before].length + 1 };
}
