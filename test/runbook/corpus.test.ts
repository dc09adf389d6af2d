/**
 * The invalid-runbook corpus: every file in test/fixtures/invalid/ states,
 * in its leading comment lines, exactly which diagnostics the loader must
 * report, in order:
 *
 *   # expect: LINE:COL CODE fragment of the message
 *   # expect-hint: fragment of the hint of the diagnostic above
 *   # expect-file: the file of the diagnostic above, when it is an included one
 *   # args: --env NAME   (or --advice: with the advisory rules of `golive validate`)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Codes } from '../../src/runbook/diagnostics.js';
import { type LoadOptions, loadRunbookFile } from '../../src/runbook/load.js';

const corpusDir = fileURLToPath(new URL('../fixtures/invalid/', import.meta.url));

interface Expectation {
  line: number;
  col: number;
  code: string;
  message: string;
  hint?: string;
  /** Set for a problem inside an included file (relative to the corpus). */
  file?: string;
}

interface Fixture {
  name: string;
  file: string;
  expectations: Expectation[];
  options: LoadOptions;
}

/** Read the header of one fixture; throws on a malformed header so a typo cannot pass silently. */
function readFixture(name: string): Fixture {
  const file = join(corpusDir, name);
  const expectations: Expectation[] = [];
  const options: LoadOptions = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('#')) break;
    const expectLine = /^# expect: (\d+):(\d+) ([EW]\d{3}) (.+)$/.exec(line);
    const hintLine = /^# expect-hint: (.+)$/.exec(line);
    const argsLine = /^# args: (.+)$/.exec(line);
    const fileLine = /^# expect-file: (.+)$/.exec(line);
    if (expectLine) {
      expectations.push({ line: Number(expectLine[1]), col: Number(expectLine[2]), code: expectLine[3], message: expectLine[4] });
    } else if (hintLine) {
      const last = expectations[expectations.length - 1];
      if (!last || last.hint !== undefined) throw new Error(`${name}: expect-hint must follow its expect line`);
      last.hint = hintLine[1];
    } else if (fileLine) {
      const last = expectations[expectations.length - 1];
      if (!last || last.file !== undefined) throw new Error(`${name}: expect-file must follow its expect line`);
      last.file = join(corpusDir, fileLine[1]);
    } else if (argsLine) {
      const args = argsLine[1].trim().split(/\s+/);
      // `--advice`: the advisory rules `golive validate` adds (W003).
      if (args[0] === '--advice' && args.length === 1) options.advice = true;
      else if (args.length === 2 && args[0] === '--env') options.environment = args[1];
      else throw new Error(`${name}: only \`# args: --env NAME\` or \`# args: --advice\` is supported`);
    } else {
      throw new Error(`${name}: unexpected header line: ${line}`);
    }
  }
  if (expectations.length === 0) throw new Error(`${name}: no \`# expect:\` line`);
  return { name, file, expectations, options };
}

const fixtures = readdirSync(corpusDir)
  .filter((name) => name.endsWith('.yaml'))
  .sort()
  .map(readFixture);

describe('invalid runbook corpus', () => {
  it('holds at least 45 runbooks, named NN-short-name.yaml', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(45);
    for (const fixture of fixtures) expect(fixture.name).toMatch(/^\d{2}-[a-z0-9-]+\.yaml$/);
  });

  it('covers every diagnostic code except E001 (unreadable files: see the end-to-end tests)', () => {
    const covered = new Set(fixtures.flatMap((f) => f.expectations.map((e) => e.code)));
    const missing = Object.values(Codes).filter((code) => code !== Codes.Unreadable && !covered.has(code));
    expect(missing).toEqual([]);
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('%s', (_name, fixture) => {
    const result = loadRunbookFile(fixture.file, fixture.options);
    expect(result.failed).toBe(true);
    expect(result.runbook).toBeUndefined();
    const actual = result.diagnostics.map((d) => ({ at: `${d.line}:${d.col}`, code: d.code }));
    const expected = fixture.expectations.map((e) => ({ at: `${e.line}:${e.col}`, code: e.code }));
    expect(actual).toEqual(expected);
    fixture.expectations.forEach((expectation, i) => {
      const diagnostic = result.diagnostics[i];
      expect(diagnostic.file).toBe(expectation.file ?? fixture.file);
      expect(diagnostic.severity).toBe(expectation.code.startsWith('W') ? 'warning' : 'error');
      expect(diagnostic.message).toContain(expectation.message);
      if (expectation.hint !== undefined) expect(diagnostic.hint ?? '').toContain(expectation.hint);
    });
  });
});
