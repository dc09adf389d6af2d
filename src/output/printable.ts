/**
 * Text from runbooks, file names and the journal printed safely: a title or
 * file name holding terminal escape sequences, carriage returns or newlines
 * must not repaint the operator's screen or forge a line of output.
 */

/**
 * C0 controls (newline and tab included), DEL, C1 controls, and the Unicode
 * bidirectional overrides and isolates that reorder what a terminal shows.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this escapes
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** The same, except newline and tab. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this escapes
const UNPRINTABLE_IN_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * `text` with every unprintable character written as an escape (`\n`,
 * `\x1b`, `\u202e`), so it shows on one line exactly as stored. Backslashes
 * are left alone: the result is for people, not for parsing back. Cheap when
 * there is nothing to escape (one regex test), as it runs once per event.
 */
export function printable(text: string): string {
  UNPRINTABLE.lastIndex = 0;
  if (!UNPRINTABLE.test(text)) return text;
  return text.replace(UNPRINTABLE, (c) => NAMED[c] ?? escapeCode(c.charCodeAt(0)));
}

/**
 * Like `printable`, but keeps newlines (and tabs): for multi-line text such
 * as a command shown in a plan, where the lines are the point.
 */
export function printableLines(text: string): string {
  UNPRINTABLE_IN_LINES.lastIndex = 0;
  if (!UNPRINTABLE_IN_LINES.test(text)) return text;
  return text.replace(UNPRINTABLE_IN_LINES, (c) => NAMED[c] ?? escapeCode(c.charCodeAt(0)));
}

function escapeCode(code: number): string {
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}
