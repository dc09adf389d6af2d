/**
 * The README's "Machine outputs" section lists every `golive validate` code,
 * exactly the ones src/runbook/diagnostics.ts defines, in its order, each
 * with a line that says what it means.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Codes } from '../../src/runbook/diagnostics.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The README section under `## <title>`, up to the next `## ` heading. */
function readmeSection(title: string): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n## ${title}\n`);
  expect(start, `README has a "## ${title}" section`).toBeGreaterThanOrEqual(0);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** Every .ts file under `dir`. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

describe('README: the validate codes', () => {
  it('lists exactly the codes the source defines, in order, one line each', () => {
    const rows = [...readmeSection('Machine outputs').matchAll(/^\| ([EW]\d{3}) \| (.*) \|$/gm)];
    expect(rows.map(([, code]) => code)).toEqual(Object.values(Codes));
    for (const [, code, meaning] of rows) expect(meaning!.trim().length, code).toBeGreaterThan(10);
  });

  it('every code in the source comes from Codes (none is written out elsewhere)', () => {
    const definedIn = join(root, 'src', 'runbook', 'diagnostics.ts');
    const strays = sourceFiles(join(root, 'src'))
      .filter((file) => file !== definedIn)
      .flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/['"`]([EW]\d{3})['"`]/g)].map(([, code]) => `${file}: ${code}`));
    expect(strays).toEqual([]);
  });
});
