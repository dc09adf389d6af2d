/**
 * The built CLI, started as a real process: `validate` on every shipped
 * runbook and on hostile input, `--json`, usage errors, `plan` and `init`.
 * `npm test` builds first; these tests assume dist/ exists.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatDuration, parseDuration } from '../../src/runbook/duration.js';
import type { Runbook, Step } from '../../src/runbook/types.js';
import { type GoliveResult, removeTempDirs, repoRoot, runGolive, tempDir } from './helpers.js';

/** A line of a JavaScript stack trace: `    at fn (file.js:12:5)`. */
const STACK_TRACE = /\n\s+at .*:\d+:\d+/;

const output = (result: GoliveResult) => `${result.stdout}${result.stderr}`;

const packageVersion = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

const shippedRunbooks = [
  ...readdirSync(join(repoRoot, 'examples'))
    .filter((name) => /\.ya?ml$/.test(name))
    .map((name) => `examples/${name}`),
  ...readdirSync(join(repoRoot, 'runbooks'))
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => `runbooks/${name}`),
].sort();

const VALID = `golive: 1
name: small
steps:
  - id: hello
    run: echo hello
    rollback: none
`;

let scratch: string;

beforeAll(() => {
  scratch = tempDir();
});

afterAll(() => {
  removeTempDirs();
});

/** Write a file into the scratch directory and return its path. */
function scratchFile(name: string, content: string | Buffer): string {
  const path = join(scratch, name);
  writeFileSync(path, content);
  return path;
}

describe.concurrent('validate: the shipped runbooks', () => {
  it('finds runbooks to check', () => {
    expect(shippedRunbooks).toContain('runbooks/webshop-release.yaml');
    expect(shippedRunbooks.filter((f) => f.startsWith('examples/')).length).toBeGreaterThan(0);
  });

  it.each(shippedRunbooks)('%s is valid', async (file) => {
    const result = await runGolive(['validate', file]);
    expect(result.stdout, output(result)).toContain(`✔ ${file} is valid`);
    expect(result.code, output(result)).toBe(0);
  });
});

describe.concurrent('validate: hostile input never crashes', () => {
  const billionLaughs = [
    'golive: 1',
    'name: lol',
    'a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]',
    ...['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].map((name, i) => {
      const previous = 'abcdefgh'[i];
      return `${name}: &${name} [${Array(10).fill(`*${previous}`).join(', ')}]`;
    }),
    'steps: [{ id: s, run: "echo {{ vars.i }}" }]',
    '',
  ].join('\n');

  const binary = () => {
    const bytes = randomBytes(4096);
    for (let i = 0; i < bytes.length; i += 64) bytes[i] = 0;
    return bytes;
  };

  const cases: Array<[string, () => string, RegExp]> = [
    ['a missing file', () => join(scratch, 'no-such-runbook.yaml'), /no-such-runbook\.yaml:1:1 error E001 no such file/],
    ['a directory', () => scratch, /:1:1 error E001 is a directory, not a runbook file/],
    ['an empty file', () => scratchFile('empty.yaml', ''), /empty\.yaml:1:1 error E003 the runbook is empty/],
    ['a binary file', () => scratchFile('random.yaml', binary()), /random\.yaml:\d+:\d+ error E001 is a binary file, not YAML text \(a NUL byte here\)/],
    [
      'a 20 MB file',
      () => scratchFile('huge.yaml', `golive: 1\nname: huge\n# ${'x'.repeat(20 * 1024 * 1024)}\n`),
      /huge\.yaml:1:1 error E001 file is too large \(20\.0 MiB; a runbook may be at most 2 MiB\)/,
    ],
    ['an alias bomb', () => scratchFile('lol.yaml', billionLaughs), /lol\.yaml:1:1 error E004 too many alias expansions/],
    ['a list document', () => scratchFile('list.yaml', '- id: a\n  run: echo\n'), /list\.yaml:1:1 error E003 .*not a list/],
    ['a scalar document', () => scratchFile('scalar.yaml', 'just some words\n'), /scalar\.yaml:1:1 error E003 .*not a single value/],
    [
      'invalid UTF-8',
      () => scratchFile('latin1.yaml', Buffer.from('golive: 1\nname: caf\xe9\n', 'latin1')),
      /latin1\.yaml:2:10 error E001 is not valid UTF-8 text \(the byte 0xE9 here\)/,
    ],
    // Columns count characters: the é before the cut-off € is one column.
    [
      'a character cut off mid-way',
      () => scratchFile('cut.yaml', Buffer.from([...Buffer.from('golive: 1\nname: "\u00e9t\u00e9 '), 0xe2, 0x82, 0x22, 0x0a])),
      /cut\.yaml:2:12 error E001 is not valid UTF-8 text \(the byte 0xE2 here\)/,
    ],
    [
      'a NUL byte',
      () => scratchFile('nul.yaml', 'golive: 1\nname: ok\nsteps:\n  - id: a\u0000\n'),
      /nul\.yaml:4:10 error E001 is a binary file, not YAML text \(a NUL byte here\)/,
    ],
  ];

  it.each(cases)('%s: exit 2, a clear message, no stack trace', async (_what, makeFile, message) => {
    const result = await runGolive(['validate', makeFile()]);
    expect(result.code, output(result)).toBe(2);
    expect(output(result)).toMatch(message);
    expect(output(result)).not.toMatch(STACK_TRACE);
    expect(output(result)).not.toMatch(/internal error/);
  });

  it('plan refuses hostile input the same way', async () => {
    const result = await runGolive(['plan', scratchFile('random-plan.yaml', binary())]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/E001 is a binary file/);
    expect(result.stderr).toMatch(/1 error in the runbook; nothing was executed/);
    expect(output(result)).not.toMatch(STACK_TRACE);
  });
});

describe.concurrent('validate: reporting', () => {
  const typo = 'test/fixtures/invalid/36-step-key-typo.yaml';
  const missingName = 'test/fixtures/invalid/16-missing-name.yaml';

  it('prints file:line:col, the code, the hint and the offending line', async () => {
    const result = await runGolive(['validate', typo]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain(`${typo}:8:5 error E010 unknown key \`timout\` in steps[0]`);
    expect(result.stdout).toContain('hint: did you mean `timeout`?');
    expect(result.stdout).toContain('timout: 5m');
    expect(result.stdout).toContain(`✖ ${typo}: 1 error`);
  });

  it('--json prints objects with exactly file, line, col, severity, code, message, hint', async () => {
    const missing = join(scratch, 'absent.yaml');
    const result = await runGolive(['validate', '--json', typo, missingName, missing]);
    expect(result.code).toBe(2);
    const problems = JSON.parse(result.stdout) as Array<Record<string, unknown>>;
    expect(problems).toHaveLength(3);
    for (const problem of problems) expect(Object.keys(problem).sort()).toEqual(['code', 'col', 'file', 'hint', 'line', 'message', 'severity']);
    expect(problems[0]).toEqual({
      file: typo,
      line: 8,
      col: 5,
      severity: 'error',
      code: 'E010',
      message: 'unknown key `timout` in steps[0]',
      hint: 'did you mean `timeout`?',
    });
    expect(problems[1]).toMatchObject({ file: missingName, line: 2, col: 1, code: 'E011', hint: null });
    expect(problems[2]).toMatchObject({ file: missing, line: 1, col: 1, code: 'E001', message: 'no such file' });
  });

  it('--json prints an empty list for a valid runbook', async () => {
    const result = await runGolive(['validate', '--json', scratchFile('valid-json.yaml', VALID)]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([]);
  });

  it('checks several files at once: every file reported, exit 2 if any fails', async () => {
    const valid = scratchFile('valid-many.yaml', VALID);
    const result = await runGolive(['validate', valid, typo, missingName]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain(`✔ ${valid} is valid`);
    expect(result.stdout).toContain(`✖ ${typo}: 1 error`);
    expect(result.stdout).toContain(`✖ ${missingName}: 1 error`);
    expect(result.stdout).toContain(`${missingName}:2:1 error E011`);
  });

  it('exits 0 when every file is valid', async () => {
    const result = await runGolive(['validate', scratchFile('one.yaml', VALID), scratchFile('two.yaml', VALID.replace('small', 'other'))]);
    expect(result.code).toBe(0);
    expect(result.stdout.match(/is valid/g)).toHaveLength(2);
  });

  it('exits 0 for a runbook with only warnings, and shows them', async () => {
    const file = scratchFile('warning.yaml', `${VALID}    duration: 20m\n    timeout: 10m\n`);
    const result = await runGolive(['validate', file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${file}:8:14 warning W001 timeout (10m) is shorter than the expected duration (20m)`);
    expect(result.stdout).toContain(`✔ ${file} is valid (1 warning)`);
  });

  it('--env checks the environment exists', async () => {
    const result = await runGolive(['validate', 'runbooks/webshop-release.yaml', '--env', 'staging']);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/runbooks\/webshop-release\.yaml:\d+:1 error E028 environment `staging` is not defined/);
  });
});

describe.concurrent('usage', () => {
  it('an unknown flag exits 2 with a hint', async () => {
    const result = await runGolive(['validate', '--bogus', 'x.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option '--bogus'");
    expect(result.stderr).toContain('--help');
    expect(output(result)).not.toMatch(STACK_TRACE);
  });

  it('an unknown command exits 2 with a hint', async () => {
    const result = await runGolive(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown command 'frobnicate'");
    expect(result.stderr).toContain('--help');
  });

  it('a misspelled command suggests the right one', async () => {
    const result = await runGolive(['valdate', 'x.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Did you mean validate?');
  });

  it('--help exits 0 and lists the commands and exit codes', async () => {
    const result = await runGolive(['--help']);
    expect(result.code).toBe(0);
    for (const text of ['Usage: golive', 'validate [options] <runbook...>', 'plan [options] <runbook>', 'init [options] [file]', '--version', 'Exit codes:']) {
      expect(result.stdout).toContain(text);
    }
  });

  it('validate --help exits 0 and lists its options', async () => {
    const result = await runGolive(['validate', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: golive validate [options] <runbook...>');
    expect(result.stdout).toMatch(/--env <name>\s+check templates against this environment only/);
    expect(result.stdout).toMatch(/--json\s+print problems as JSON/);
  });

  it('--version prints the package.json version', async () => {
    const result = await runGolive(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${packageVersion}\n`);
  });
});

describe.concurrent('plan', () => {
  const webshop = 'runbooks/webshop-release.yaml';
  const runbook = parse(readFileSync(join(repoRoot, webshop), 'utf8')) as Runbook;
  const members = runbook.steps.flatMap((entry): Step[] => ('parallel' in entry ? entry.parallel : [entry]));
  const expectedTotal = runbook.steps.reduce(
    (sum, entry) =>
      sum + ('parallel' in entry ? Math.max(0, ...entry.parallel.map((m) => parseDuration(m.duration) ?? 0)) : (parseDuration(entry.duration) ?? 0)),
    0,
  );
  const withoutRollback = members.filter((step) => step.run !== undefined && step.rollback === undefined).map((step) => step.id);

  it(`shows every step, owner, the total and any steps without rollback (${webshop})`, async () => {
    const result = await runGolive(['plan', webshop, '--env', 'uat']);
    expect(result.code, output(result)).toBe(0);
    expect(members.length).toBeGreaterThan(1);
    for (const step of members) {
      expect(result.stdout).toMatch(new RegExp(`^\\s+\\d+\\. ${step.id}\\b`, 'm'));
      if (step.owner) expect(result.stdout).toContain(`[${step.owner}: ${runbook.team?.[step.owner]?.name}]`);
    }
    expect(expectedTotal).toBeGreaterThan(0);
    expect(result.stdout).toContain(`Total expected: ${formatDuration(expectedTotal)} for ${members.length} steps`);
    if (withoutRollback.length > 0) expect(result.stdout).toContain(`Without rollback: ${withoutRollback.join(', ')}`);
    else expect(result.stdout).not.toContain('Without rollback');
  });

  it('names the steps without rollback, but not manual steps', async () => {
    const file = scratchFile(
      'no-rollback.yaml',
      `golive: 1
name: no-rollback
steps:
  - { id: backup, run: ./backup.sh, duration: 90s }
  - { id: deploy, run: ./deploy.sh, duration: 15m, rollback: ./deploy.sh --previous }
  - { id: warm, parallel: [{ id: warm-eu, run: ./warm.sh eu, duration: 5m }, { id: warm-us, run: ./warm.sh us, duration: 10m }] }
  - { id: announce, confirm: Post the announcement }
`,
    );
    const result = await runGolive(['plan', file]);
    expect(result.code, output(result)).toBe(0);
    expect(result.stdout).toContain('Without rollback: backup, warm-eu, warm-us\n');
    expect(result.stdout).toContain('Total expected: 26m30s for 5 steps');
  });

  it('--json parses and carries the same plan', async () => {
    const result = await runGolive(['plan', webshop, '--env', 'uat', '--json']);
    expect(result.code, output(result)).toBe(0);
    const plan = JSON.parse(result.stdout) as { environment: string; steps: Array<{ id: string }>; expectedTotalMs: number; withoutRollback: string[] };
    expect(plan.environment).toBe('uat');
    expect(plan.steps.map((s) => s.id)).toEqual(members.map((s) => s.id));
    expect(plan.expectedTotalMs).toBe(expectedTotal);
    expect(plan.withoutRollback).toEqual(withoutRollback);
  });

  it('without --env on a runbook with environments exits 2 and names --env', async () => {
    const result = await runGolive(['plan', webshop]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--env');
    expect(result.stderr).toContain('choose one');
    expect(result.stdout).toBe('');
  });

  describe.concurrent('secrets', () => {
    const secretValue = 'tok-4f9a-NOT-FOR-PRINTING';
    const secretRunbook = `golive: 1
name: secret-plan
secrets:
  API_TOKEN: { env: GOLIVE_E2E_TOKEN }
steps:
  - id: call
    run: 'curl -H "Authorization: Bearer {{ secrets.API_TOKEN }}" https://api.example.com'
    rollback: ./undo.sh --token {{ secrets.API_TOKEN }}
`;

    it('shows secrets only as *** in text and JSON', async () => {
      const file = scratchFile('secret-plan.yaml', secretRunbook);
      const env = { GOLIVE_E2E_TOKEN: secretValue };
      const [text, json] = await Promise.all([runGolive(['plan', file], { env }), runGolive(['plan', file, '--json'], { env })]);
      expect(text.code, output(text)).toBe(0);
      expect(json.code, output(json)).toBe(0);
      expect(text.stdout).toContain('curl -H "Authorization: Bearer ***" https://api.example.com');
      expect(text.stdout).toContain('./undo.sh --token ***');
      expect(JSON.parse(json.stdout).steps[0].command.run).toBe('curl -H "Authorization: Bearer ***" https://api.example.com');
      for (const result of [text, json]) expect(output(result)).not.toContain(secretValue);
    });
  });
});

describe.concurrent('init', () => {
  it('writes a starter runbook that validates and points its editor at the schema', async () => {
    const dir = tempDir();
    const created = await runGolive(['init'], { cwd: dir });
    expect(created.code, output(created)).toBe(0);
    const file = join(dir, 'runbook.yaml');
    const firstLine = readFileSync(file, 'utf8').split('\n')[0];
    const match = /^# yaml-language-server: \$schema=(\S+)$/.exec(firstLine);
    expect(match, firstLine).not.toBeNull();
    const schema = resolve(dirname(file), match![1]);
    expect(statSync(schema).isFile()).toBe(true);
    expect((JSON.parse(readFileSync(schema, 'utf8')) as { title: string }).title).toBe('golive runbook');

    const validated = await runGolive(['validate', 'runbook.yaml'], { cwd: dir });
    expect(validated.code, output(validated)).toBe(0);
    expect(validated.stdout).toContain('✔ runbook.yaml is valid');
  });

  it('keeps the schema in the repository, so the $schema line works for whoever clones it', async () => {
    const repo = tempDir();
    mkdirSync(join(repo, '.git'));
    mkdirSync(join(repo, 'runbooks'));
    const created = await runGolive(['init', 'runbooks/release.yaml'], { cwd: repo });
    expect(created.code, output(created)).toBe(0);
    expect(created.stdout).toContain('.golive/runbook.schema.json (commit it');
    const firstLine = readFileSync(join(repo, 'runbooks', 'release.yaml'), 'utf8').split('\n')[0];
    expect(firstLine).toBe('# yaml-language-server: $schema=../.golive/runbook.schema.json');
    const printed = await runGolive(['schema']);
    expect(printed.code).toBe(0);
    expect(readFileSync(join(repo, '.golive', 'runbook.schema.json'), 'utf8')).toBe(printed.stdout);
    // The journal and logs stay out of git; the schema (and the ignore file) go in.
    expect(readFileSync(join(repo, '.golive', '.gitignore'), 'utf8')).toMatch(/^\*$[\s\S]*^!runbook\.schema\.json$/m);

    // A clone elsewhere: the line still resolves, to the clone's own copy.
    const clone = tempDir();
    cpSync(repo, clone, { recursive: true });
    const schema = resolve(join(clone, 'runbooks'), firstLine.split('$schema=')[1]);
    expect(schema.startsWith(clone)).toBe(true);
    expect((JSON.parse(readFileSync(schema, 'utf8')) as { title: string }).title).toBe('golive runbook');

    // A copy from another golive version is left alone, with the command that refreshes it.
    writeFileSync(join(repo, '.golive', 'runbook.schema.json'), '{}\n');
    const second = await runGolive(['init', 'runbooks/other.yaml'], { cwd: repo });
    expect(second.code, output(second)).toBe(0);
    expect(second.stdout).toContain('update it with `golive schema --write .golive/runbook.schema.json`');
    const refreshed = await runGolive(['schema', '--write', '.golive/runbook.schema.json'], { cwd: repo });
    expect(refreshed.code, output(refreshed)).toBe(0);
    expect(readFileSync(join(repo, '.golive', 'runbook.schema.json'), 'utf8')).toBe(printed.stdout);
    const refused = await runGolive(['schema', '--write', join(repo, 'runbooks', 'release.yaml', 'x.json')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('cannot write');
  });

  it('never overwrites: a second init to the same path exits 2 and leaves the file alone', async () => {
    const dir = tempDir();
    const first = await runGolive(['init', 'release.yaml'], { cwd: dir });
    expect(first.code, output(first)).toBe(0);
    const file = join(dir, 'release.yaml');
    writeFileSync(file, `${readFileSync(file, 'utf8')}# edited by hand\n`);
    const before = readFileSync(file);

    const second = await runGolive(['init', 'release.yaml'], { cwd: dir });
    expect(second.code).toBe(2);
    expect(second.stderr).toContain('release.yaml already exists');
    expect(second.stderr).toContain('hint:');
    expect(readFileSync(file).equals(before)).toBe(true);
  });
});
