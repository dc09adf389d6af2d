/** Escaping runbook and journal text for the terminal. */
import { describe, expect, it } from 'vitest';
import { printable, printableLines } from '../../src/output/printable.js';

describe('printable', () => {
  it('leaves ordinary text alone, Unicode and backslashes included', () => {
    for (const text of ['Deploy application code', 'déploiement — 部署 ✔', 'C:\\path\\n', '']) expect(printable(text)).toBe(text);
  });

  it('escapes terminal escape sequences, newlines, carriage returns, tabs and other controls', () => {
    expect(printable('\u001b[2J\u001b[31mred')).toBe('\\x1b[2J\\x1b[31mred');
    expect(printable('line one\nforged line\r')).toBe('line one\\nforged line\\r');
    expect(printable('a\tb\u0000c\u007fd\u009be')).toBe('a\\tb\\x00c\\x7fd\\x9be');
  });

  it('escapes bidirectional overrides that reorder what a terminal shows', () => {
    expect(printable('invoice\u202Egpj.exe')).toBe('invoice\\u202egpj.exe');
    expect(printable('\u2066x\u2069')).toBe('\\u2066x\\u2069');
  });

  it('gives the same answer when called again (no state left in the global regex)', () => {
    expect(printable('a\u001b')).toBe('a\\x1b');
    expect(printable('a\u001b')).toBe('a\\x1b');
    expect(printable('plain')).toBe('plain');
  });
});

describe('printableLines', () => {
  it('keeps newlines and tabs of multi-line text, escapes the rest', () => {
    expect(printableLines('set -e\n\t./deploy.sh\u001b[2J\r\n')).toBe('set -e\n\t./deploy.sh\\x1b[2J\\r\n');
  });
});
