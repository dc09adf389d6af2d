/** Printing diagnostics for people: `file:line:col severity CODE message`, the lines around it with a caret, and the hint. */
import type { Diagnostic } from '../runbook/diagnostics.js';
import type { Paint } from './paint.js';
import { printable } from './printable.js';

/** Format diagnostics with a code frame from each file's text (when known); file names, messages and lines are escaped. */
export function formatDiagnostics(list: Diagnostic[], texts: Map<string, string>, paint: Paint): string {
  // Each file is split into lines once, not once per problem: 10,000 problems in a 2 MiB file stay fast.
  const linesOf = new Map<string, string[]>();
  return list
    .map((d) => {
      const severity = d.severity === 'error' ? paint.red('error') : paint.yellow('warning');
      const lines = [`${paint.bold(`${printable(d.file)}:${d.line}:${d.col}`)} ${severity} ${paint.dim(d.code)} ${printable(d.message)}`];
      const text = texts.get(d.file);
      if (text !== undefined) {
        if (!linesOf.has(d.file)) linesOf.set(d.file, text.split(/\r?\n/));
        lines.push(...codeFrame(linesOf.get(d.file)!, d.line, d.col, paint));
      }
      if (d.hint) lines.push(`  ${paint.cyan('hint:')} ${printable(d.hint)}`);
      return lines.join('\n');
    })
    .join('\n');
}

/** The offending line, one line of context before it, and a caret under the column. */
export function codeFrame(text: string | string[], line: number, col: number, paint: Paint): string[] {
  const all = typeof text === 'string' ? text.split(/\r?\n/) : text;
  if (line < 1 || line > all.length || (all.length === 1 && all[0] === '')) return [];
  const first = Math.max(1, line - 1);
  const width = String(line).length;
  const frame: string[] = [];
  for (let n = first; n <= line; n++) {
    const marker = n === line ? paint.red('>') : ' ';
    const content = all[n - 1].length > 160 ? `${all[n - 1].slice(0, 157)}...` : all[n - 1];
    frame.push(`  ${marker} ${paint.dim(`${String(n).padStart(width)} |`)} ${printable(content.replace(/\t/g, '→'))}`);
  }
  frame.push(`    ${' '.repeat(width)} ${paint.dim('|')} ${' '.repeat(Math.max(0, Math.min(col, 160) - 1))}${paint.red('^')}`);
  return frame;
}

/** Diagnostics as JSON objects (`--json`). */
export function diagnosticsAsJson(list: Diagnostic[]): object[] {
  return list.map(({ file, line, col, severity, code, message, hint }) => ({ file, line, col, severity, code, message, hint: hint ?? null }));
}
