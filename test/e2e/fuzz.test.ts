/**
 * Fuzzing the loader through the built binary: a few hundred mutants of the
 * shipped runbooks (byte flips, deleted or doubled lines, indentation, key
 * renames, values of the wrong type, truncation, control characters, NUL,
 * huge numbers, long durations), from a fixed seed so a failure reproduces.
 * Whatever the input, `golive validate` exits 0 or 2, never prints a stack
 * trace or "internal error", never hangs, and every runbook it rejects has a
 * `file:line:col` problem. A sample also goes through `plan` and
 * `run --dry-run`. The figures are printed at the end.
 */
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { both, type GoliveResult, removeTempDirs, repoRoot, runGolive, tempDir } from './helpers.js';

/** Fixed, so a failure reproduces; `GOLIVE_FUZZ_SEED` / `GOLIVE_FUZZ_MUTANTS` explore further by hand. */
const SEED = Number(process.env.GOLIVE_FUZZ_SEED ?? 0x60_11_7e);
const MUTANTS = Number(process.env.GOLIVE_FUZZ_MUTANTS ?? 320);
/** Files per `golive validate` process: validate takes many, so a few processes cover every mutant. */
const BATCH = 40;
const SAMPLE_FOR_PLAN_AND_DRY_RUN = Number(process.env.GOLIVE_FUZZ_SAMPLE ?? 16);

const STACK_TRACE = /\n\s+at .*:\d+:\d+/;
const INTERNAL = /internal error|a bug in golive/i;

/** mulberry32: a tiny seeded PRNG, so every run of the test sees the same mutants. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Mutation = (text: string, random: () => number) => string;

const pick = <T>(items: readonly T[], random: () => number): T => items[Math.floor(random() * items.length)];
const lineSplice = (text: string, random: () => number, change: (lines: string[], at: number) => void): string => {
  const lines = text.split('\n');
  change(lines, Math.floor(random() * lines.length));
  return lines.join('\n');
};

const WRONG_VALUES = ['[]', '{}', '12345', 'true', 'null', '"x"', '[a, b]', '{ run: 1 }', '-1', '~', '!!binary AAAA', '*nope', '&a x'];
const CONTROL = ['\u0000', '\u001b[2J', '\r', '\t', '\u0007', '\u202e', '\u0085', '\ufeff', '\\0', '"\\0"'];
const HUGE = ['1e308', '99999999999999999999999', '-0', '9007199254740993', '0x7fffffff', '.inf', '-.inf', '.nan'];
const DURATIONS = ['600h', '99999999999h', '596h31m24s', '1h1h', '0s', '2147483648', '9007199254740993s', '1e9', '""'];

const mutations: Record<string, Mutation> = {
  'byte flip': (text, random) => {
    const bytes = Buffer.from(text);
    bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
    return bytes.toString('latin1');
  },
  'line deletion': (text, random) => lineSplice(text, random, (lines, at) => lines.splice(at, 1)),
  'line duplication': (text, random) => lineSplice(text, random, (lines, at) => lines.splice(at, 0, lines[at])),
  'indentation change': (text, random) =>
    lineSplice(text, random, (lines, at) => {
      lines[at] = random() < 0.5 ? `${' '.repeat(1 + Math.floor(random() * 3))}${lines[at]}` : lines[at].replace(/^ {1,3}/, '');
    }),
  'key rename': (text, random) =>
    lineSplice(text, random, (lines, at) => {
      lines[at] = lines[at].replace(
        /^(\s*-?\s*)([A-Za-z_]+):/,
        (_m, lead: string, key: string) => `${lead}${key.slice(0, -1)}${pick(['x', '_', 'E', ''], random)}:`,
      );
    }),
  'value type swap': (text, random) =>
    lineSplice(text, random, (lines, at) => {
      lines[at] = lines[at].replace(/: .*$/, `: ${pick(WRONG_VALUES, random)}`);
    }),
  truncation: (text, random) => text.slice(0, Math.floor(random() * text.length)),
  'control character': (text, random) => {
    const at = Math.floor(random() * text.length);
    return `${text.slice(0, at)}${pick(CONTROL, random)}${text.slice(at)}`;
  },
  'huge number': (text, random) => {
    const numbers = [...text.matchAll(/(?<=[:\s])\d+(?=[\s,}\]]|$)/gm)];
    if (numbers.length === 0) return `${text}\nextra: ${pick(HUGE, random)}\n`;
    const m = pick(numbers, random);
    return `${text.slice(0, m.index)}${pick(HUGE, random)}${text.slice((m.index ?? 0) + m[0].length)}`;
  },
  'duration string': (text, random) => {
    const durations = [...text.matchAll(/\b(duration|timeout|delay|interval|every): *[^\s,}]+/g)];
    if (durations.length === 0) return text.replace(/^(\s*)run: /m, `$1timeout: ${pick(DURATIONS, random)}\n$1run: `);
    const m = pick(durations, random);
    return `${text.slice(0, m.index)}${m[1]}: ${pick(DURATIONS, random)}${text.slice((m.index ?? 0) + m[0].length)}`;
  },
};

const sources = [
  ...readdirSync(join(repoRoot, 'examples'))
    .filter((n) => n.endsWith('.yaml'))
    .map((n) => `examples/${n}`),
  ...readdirSync(join(repoRoot, 'runbooks'))
    .filter((n) => n.endsWith('.yaml'))
    .map((n) => `runbooks/${n}`),
].sort();

interface Mutant {
  file: string;
  source: string;
  mutation: string;
}

/** Write the mutants next to copies of what the shipped runbooks refer to (secret files, scripts). */
function makeMutants(): { dir: string; mutants: Mutant[] } {
  const dir = tempDir('golive-fuzz-');
  cpSync(join(repoRoot, 'examples', 'secrets'), join(dir, 'secrets'), { recursive: true });
  cpSync(join(repoRoot, 'runbooks', 'webshop'), join(dir, 'webshop'), { recursive: true });
  const random = prng(SEED);
  const names = Object.keys(mutations);
  const mutants: Mutant[] = [];
  for (let i = 0; i < MUTANTS; i++) {
    const source = sources[i % sources.length];
    let text = readFileSync(join(repoRoot, source), 'utf8');
    // One to three mutations stacked: single ones rarely get past the first error.
    const applied: string[] = [];
    for (let n = 1 + Math.floor(random() * 3); n > 0; n--) {
      const name = pick(names, random);
      applied.push(name);
      text = mutations[name](text, random);
    }
    const file = join(dir, `mutant-${String(i).padStart(3, '0')}.yaml`);
    writeFileSync(file, text, 'latin1');
    mutants.push({ file, source, mutation: applied.join(' + ') });
  }
  return { dir, mutants };
}

const figures = {
  inputs: 0,
  valid: 0,
  rejected: 0,
  processes: 0,
  stackTraces: 0,
  internalErrors: 0,
  hangs: 0,
  badExitCodes: 0,
  rejectedWithoutPosition: 0,
  planAndDryRun: 0,
};

/** Count what matters in one result; the assertions come after, so the figures are complete either way. */
function tally(result: GoliveResult): void {
  figures.processes++;
  if (result.code === null) figures.hangs++;
  else if (result.code !== 0 && result.code !== 2) figures.badExitCodes++;
  if (STACK_TRACE.test(result.stderr) || STACK_TRACE.test(result.stdout)) figures.stackTraces++;
  if (INTERNAL.test(result.stderr) || INTERNAL.test(result.stdout)) figures.internalErrors++;
}

afterAll(() => {
  console.log(`runbook fuzz (seed 0x${SEED.toString(16)}): ${JSON.stringify(figures)}`);
  removeTempDirs();
});

describe('fuzzed runbooks', () => {
  const { dir, mutants } = makeMutants();
  figures.inputs = mutants.length;

  it(`validate: ${MUTANTS} mutants, exit 0 or 2, no stack trace, no hang, every rejected file has file:line:col`, async () => {
    const batches: Mutant[][] = [];
    for (let i = 0; i < mutants.length; i += BATCH) batches.push(mutants.slice(i, i + BATCH));
    const results = await inPool(batches, (batch) => runGolive(['validate', '--json', ...batch.map((m) => m.file)], { cwd: dir, timeoutMs: 30_000 }));
    results.forEach(tally);
    results.forEach((result, b) => {
      expect(result.code === 0 || result.code === 2, both(result)).toBe(true);
      expect(result.stderr, both(result)).toBe('');
      const diagnostics = JSON.parse(result.stdout) as Array<{ file: string; line: number; col: number; severity: string; message: string }>;
      for (const mutant of batches[b]) {
        const own = diagnostics.filter((d) => d.file === mutant.file);
        const errors = own.filter((d) => d.severity === 'error');
        if (errors.length === 0) figures.valid++;
        else figures.rejected++;
        for (const d of own) {
          const positioned = Number.isInteger(d.line) && d.line >= 1 && Number.isInteger(d.col) && d.col >= 1 && d.message.length > 0;
          if (!positioned) figures.rejectedWithoutPosition++;
          expect(positioned, `${mutant.file} (${mutant.source}, ${mutant.mutation}): ${JSON.stringify(d)}`).toBe(true);
        }
      }
    });
    expect(figures.valid + figures.rejected).toBe(mutants.length);
    // The mutations must bite: a fuzz test whose inputs are all valid tests nothing.
    expect(figures.rejected).toBeGreaterThan(mutants.length / 3);
  });

  it('validate without --json: every rejected file is named with file:line:col', async () => {
    const batch = mutants.slice(0, BATCH);
    const result = await runGolive(['validate', ...batch.map((m) => m.file)], { cwd: dir, timeoutMs: 30_000 });
    tally(result);
    expect(result.code === 0 || result.code === 2, both(result)).toBe(true);
    for (const mutant of batch) {
      if (!result.stdout.includes(`✖ ${mutant.file}:`)) continue;
      expect(result.stdout, `${mutant.file} (${mutant.source}, ${mutant.mutation})`).toMatch(
        new RegExp(`^${escapeRegExp(mutant.file)}:\\d+:\\d+ error E\\d{3} `, 'm'),
      );
    }
  });

  it(`plan and run --dry-run on ${SAMPLE_FOR_PLAN_AND_DRY_RUN} mutants: exit 0 or 2, no stack trace, no hang`, async () => {
    const sample = mutants.filter((_m, i) => i % Math.floor(MUTANTS / SAMPLE_FOR_PLAN_AND_DRY_RUN) === 0).slice(0, SAMPLE_FOR_PLAN_AND_DRY_RUN);
    const db = join(dir, 'journal.db');
    for (const mutant of sample) {
      const env = firstEnvironment(mutant.source);
      const envArgs = env ? ['--env', env] : [];
      const results = await Promise.all([
        runGolive(['plan', mutant.file, ...envArgs], { cwd: dir, timeoutMs: 20_000 }),
        runGolive(['run', mutant.file, '--dry-run', '--db', db, ...envArgs], {
          cwd: dir,
          timeoutMs: 20_000,
          env: { GOLIVE_TOKEN: 'x', DB_PASSWORD: 'x', SLACK_WEBHOOK: 'http://127.0.0.1:9/' },
        }),
      ]);
      for (const result of results) {
        tally(result);
        figures.planAndDryRun++;
        const label = `${mutant.file} (${mutant.source}, ${mutant.mutation})\n${both(result)}`;
        expect(result.code === 0 || result.code === 2, label).toBe(true);
        expect(`${result.stdout}${result.stderr}`, label).not.toMatch(STACK_TRACE);
        expect(`${result.stdout}${result.stderr}`, label).not.toMatch(INTERNAL);
      }
    }
    expect(figures).toMatchObject({ stackTraces: 0, internalErrors: 0, hangs: 0, badExitCodes: 0, rejectedWithoutPosition: 0 });
  });
});

/** `work` over every item, two at a time (the machine is shared: a hang must not be mistaken for a queue). */
async function inPool<T, R>(items: T[], work: (item: T) => Promise<R>, size = 2): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i]);
  };
  await Promise.all(Array.from({ length: size }, worker));
  return results;
}

/** The first environment the original runbook defines (a mutant may no longer parse). */
function firstEnvironment(source: string): string | undefined {
  const match = /^environments:\s*\n\s+([A-Za-z0-9_-]+):/m.exec(readFileSync(join(repoRoot, source), 'utf8'));
  return match?.[1];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
