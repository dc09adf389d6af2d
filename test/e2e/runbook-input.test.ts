/**
 * Input golive must refuse before anything runs, through the built binary:
 * an --env the runbook does not define (inherited object members and the
 * empty string included), undeclared or repeated --var, secret files that
 * are FIFOs, devices, directories or too large, durations no timer holds,
 * values no process can receive, ids too long for a log file; and names
 * with escape sequences, printed escaped. "Nothing executed" is checked on
 * the file system (every command touches a marker), "nothing recorded" on
 * the journal, which must not even be created.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { both, type GoliveResult, removeTempDirs, runGolive, tempDir } from './helpers.js';

const STACK_TRACE = /\n\s+at .*:\d+:\d+/;

afterAll(() => removeTempDirs());

/** A scratch directory holding `runbook.yaml` with `text`; every command of it touches `marker`. */
function project(text: string, name = 'runbook.yaml'): { dir: string; file: string; db: string; marker: string } {
  const dir = tempDir('golive-input-');
  const file = join(dir, name);
  writeFileSync(file, text);
  return { dir, file, db: join(dir, 'journal', 'golive.db'), marker: join(dir, 'marker') };
}

const WITH_ENVIRONMENTS = `golive: 1
name: envs
environments:
  dev: { vars: { target: dev-box } }
  production: { vars: { target: shop }, protected: true }
vars:
  release: "1.0"
  fail_config: "false"
checks:
  - id: ready
    run: touch marker
steps:
  - id: deploy
    run: touch marker
    duration: 1s
    rollback: touch marker
`;

/** Exit 2, a one-line message, no stack trace, nothing executed, no journal. */
function expectRefused(result: GoliveResult, where: { marker: string; db: string }, message: RegExp): void {
  expect(result.code, both(result)).toBe(2);
  expect(`${result.stdout}${result.stderr}`, both(result)).toMatch(message);
  expect(result.stderr, both(result)).not.toMatch(STACK_TRACE);
  expect(existsSync(where.marker), `a command ran\n${both(result)}`).toBe(false);
  expect(existsSync(where.db), `a journal was created\n${both(result)}`).toBe(false);
}

describe.concurrent('--env must name an environment the runbook defines', () => {
  const commands: Array<[string, (p: ReturnType<typeof project>) => string[]]> = [
    ['validate', (p) => ['validate', p.file]],
    ['plan', (p) => ['plan', p.file]],
    ['run', (p) => ['run', p.file, '--db', p.db, '--yes']],
    ['run --dry-run', (p) => ['run', p.file, '--dry-run', '--db', p.db]],
    ['check', (p) => ['check', p.file, '--db', p.db, '--yes']],
    ['rehearse', (p) => ['rehearse', p.file, '--db', p.db, '--yes', '--allow-protected']],
    ['estimate', (p) => ['estimate', p.file, '--db', p.db]],
  ];
  const names = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'prod'];

  it.each(commands)('%s refuses the names of Object.prototype members and a typo, listing the environments', async (_label, args) => {
    for (const name of names) {
      const p = project(WITH_ENVIRONMENTS);
      const result = await runGolive([...args(p), '--env', name], { cwd: p.dir });
      expectRefused(result, p, new RegExp(`environment \`${name}\` is not defined \\(defined: dev, production\\)`));
    }
  });

  it.each(commands)('%s refuses an empty --env', async (_label, args) => {
    const p = project(WITH_ENVIRONMENTS);
    const result = await runGolive([...args(p), '--env', ''], { cwd: p.dir });
    expectRefused(result, p, /the --env value is empty/);
    expect(`${result.stdout}${result.stderr}`).toMatch(/--env dev/);
  });

  it.each(commands)('%s refuses --env on a runbook that defines no environments', async (_label, args) => {
    const p = project(WITH_ENVIRONMENTS.replace(/^environments:\n( {2}.*\n)+/m, ''));
    const result = await runGolive([...args(p), '--env', 'production'], { cwd: p.dir });
    expectRefused(result, p, /this runbook defines no environments, so --env production cannot be used/);
  });

  it('suggests the environment a short name stands for, and `history` lists no run afterwards', async () => {
    const p = project(WITH_ENVIRONMENTS);
    const result = await runGolive(['run', p.file, '--env', 'prod', '--db', p.db, '--yes'], { cwd: p.dir });
    expectRefused(result, p, /hint: did you mean `production`\?/);
    const history = await runGolive(['history', '--json', '--db', p.db], { cwd: p.dir });
    expect(history.stdout.trim() === '' || JSON.parse(history.stdout).length === 0, both(history)).toBe(true);
  });

  it('the control: a defined environment runs and is recorded', async () => {
    const p = project(WITH_ENVIRONMENTS);
    const result = await runGolive(['run', p.file, '--env', 'dev', '--db', p.db], { cwd: p.dir });
    expect(result.code, both(result)).toBe(0);
    expect(existsSync(p.marker)).toBe(true);
    const history = await runGolive(['history', '--json', '--db', p.db], { cwd: p.dir });
    expect(JSON.parse(history.stdout), both(history)).toEqual([expect.objectContaining({ environment: 'dev', status: 'succeeded' })]);
  });
});

describe.concurrent('names are looked up as own keys only', () => {
  it('validate: {{ vars.constructor }} is an unknown variable, also when environments exist', async () => {
    const p = project(WITH_ENVIRONMENTS.replace('run: touch marker\n    duration', 'run: touch marker {{ vars.constructor }}\n    duration'));
    const result = await runGolive(['validate', p.file, '--env', 'dev'], { cwd: p.dir });
    expect(result.code, both(result)).toBe(2);
    expect(result.stdout).toMatch(/runbook\.yaml:\d+:\d+ error E021 unknown variable vars\.constructor/);
  });

  it('run: {{ steps.x.outputs.toString }} renders as a missing output, never as Object.prototype.toString', async () => {
    const p = project(`golive: 1
name: own-keys
steps:
  - id: x
    run: echo real=1 >> "$GOLIVE_OUTPUT"
  - id: y
    run: printf '%s|%s' "{{ steps.x.outputs.toString }}" "{{ steps.x.outputs.real }}" > got
`);
    const result = await runGolive(['run', p.file, '--db', p.db], { cwd: p.dir });
    expect(result.code, both(result)).toBe(0);
    expect(readFileSync(join(p.dir, 'got'), 'utf8')).toBe('|1');
    expect(result.stdout).toMatch(/steps\.x\.outputs\.toString .*has no value/);
  });
});

describe.concurrent('--var must name a declared variable, once', () => {
  it('refuses a typo with a did-you-mean, before anything runs', async () => {
    const p = project(WITH_ENVIRONMENTS);
    const result = await runGolive(['run', p.file, '--env', 'dev', '--var', 'fail_confg=true', '--db', p.db], { cwd: p.dir });
    expectRefused(result, p, /--var fail_confg: the runbook declares no variable `fail_confg`[^\n]*\n\s+hint: did you mean `--var fail_config=…`\?/);
  });

  it('refuses an inherited member name and a repeated name', async () => {
    const p = project(WITH_ENVIRONMENTS);
    expectRefused(
      await runGolive(['run', p.file, '--env', 'dev', '--var', 'constructor=x', '--db', p.db], { cwd: p.dir }),
      p,
      /declares no variable `constructor`/,
    );
    expectRefused(
      await runGolive(['run', p.file, '--env', 'dev', '--var', 'release=1', '--var', 'release=2', '--db', p.db], { cwd: p.dir }),
      p,
      /--var release is given twice/,
    );
    expectRefused(await runGolive(['plan', p.file, '--env', 'dev', '--var', 'nope=1'], { cwd: p.dir }), p, /declares no variable `nope`/);
  });

  it('accepts a variable declared only in an environment, and the run still rolls back from its stored vars', async () => {
    const p = project(WITH_ENVIRONMENTS.replace('run: touch marker\n    duration', 'run: echo "{{ vars.target }}" > target && touch marker\n    duration'));
    const result = await runGolive(['run', p.file, '--env', 'dev', '--var', 'target=other-box', '--var', 'release=2.0', '--db', p.db], { cwd: p.dir });
    expect(result.code, both(result)).toBe(0);
    expect(readFileSync(join(p.dir, 'target'), 'utf8')).toBe('other-box\n');
    const rollback = await runGolive(['rollback', '--db', p.db], { cwd: p.dir });
    expect(rollback.code, both(rollback)).toBe(0);
  });
});

describe.concurrent('secret files that cannot be read fail fast', () => {
  const secretRunbook = (file: string) => `golive: 1
name: secret-file
secrets:
  TOKEN: { file: ${JSON.stringify(file)} }
steps:
  - id: use
    run: touch marker
`;

  it.each([
    [
      'a FIFO',
      (dir: string) => {
        execFileSync('mkfifo', [join(dir, 'fifo')]);
        return 'fifo';
      },
      /is a FIFO/,
    ],
    ['a device', () => '/dev/zero', /is a device/],
    [
      'a directory',
      (dir: string) => {
        mkdirSync(join(dir, 'secrets'));
        return 'secrets';
      },
      /is a directory/,
    ],
    [
      'over 64 KiB',
      (dir: string) => {
        writeFileSync(join(dir, 'big'), 'x'.repeat(65_537));
        return 'big';
      },
      /is 65537 bytes; a secret file may hold at most 65536 bytes/,
    ],
  ] as const)('%s: validate and run exit 2 within a second, naming the file', async (_kind, make, message) => {
    const p = project('');
    const name = make(p.dir);
    writeFileSync(p.file, secretRunbook(name));
    const started = Date.now();
    const validate = await runGolive(['validate', p.file], { cwd: p.dir, timeoutMs: 5000 });
    expectRefused(validate, p, message);
    expect(validate.stdout).toContain(name);
    const run = await runGolive(['run', p.file, '--db', p.db], { cwd: p.dir, timeoutMs: 5000 });
    expectRefused(run, p, message);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe.concurrent('values the machine cannot hold are validation errors', () => {
  it('durations over 2^31-1 ms, in the runbook and in status --interval', async () => {
    const p = project(`golive: 1
name: long
notify:
  - webhook: http://127.0.0.1:9/hook
    every: 600h
steps:
  - id: deploy
    run: touch marker
    retry: { attempts: 2, delay: 600h }
    validate: { run: "true", attempts: 2, interval: 600h }
`);
    const result = await runGolive(['run', p.file, '--db', p.db], { cwd: p.dir });
    expectRefused(result, p, /E031 notify\[0\]\.every: `600h` is longer than the longest duration, 596h31m23s/);
    expect(result.stderr.match(/E031/g)).toHaveLength(3);
    const status = await runGolive(['status', '--interval', '600h', '--db', p.db], { cwd: p.dir });
    expect(status.code, both(status)).toBe(2);
    expect(status.stderr).toMatch(/--interval 600h: longer than the longest duration, 596h31m23s/);
  });

  it('a NUL byte in a var, a step env value or a cwd, and an id too long for a log file name', async () => {
    const p = project(`golive: 1
name: nul
vars: { release: "1\\0" }
steps:
  - id: deploy
    run: touch marker
    env: { X: "a\\0" }
    cwd: "/tmp\\0"
  - id: ${'s'.repeat(205)}
    run: touch marker
`);
    const result = await runGolive(['run', p.file, '--db', p.db], { cwd: p.dir });
    expectRefused(result, p, /E030 vars\.release: the value contains a NUL byte/);
    expect(result.stderr).toMatch(/E030 steps\[0\]\.env\.X/);
    expect(result.stderr).toMatch(/E030 steps\[0\]\.cwd/);
    expect(result.stderr).toMatch(/E032 steps\[1\]\.id: the id is 205 characters long; at most 204/);
  });

  it('a step env value that only grows past MAX_ARG_STRLEN at run time ({{ env.X }}) stops the run before anything executes', async () => {
    const p = project(`golive: 1
name: big-env
steps:
  - id: first
    run: touch marker
  - id: second
    run: "true"
    env: { BIG: "{{ env.HALF }}{{ env.HALF }}" }
`);
    const result = await runGolive(['run', p.file, '--db', p.db], { cwd: p.dir, env: { HALF: 'x'.repeat(70_000) } });
    expectRefused(result, p, /step second env BIG: once rendered, the value is 140000 bytes/);
  });
});

describe.concurrent('names with escape sequences are printed escaped', () => {
  const hostile = `golive: 1
name: escapes
version: "1.0\\e[2J"
description: "line one\\nforged: ✔ all good"
steps:
  - id: deploy
    title: "Deploy \\e]0;pwned\\a\\e[31mred"
    run: touch marker
`;

  it('validate, plan, run (plain lines), history and show never print a raw ESC, BEL or a forged newline', async () => {
    const p = project(hostile, 'evil\u001b[2J\nname.yaml');
    const outputs: GoliveResult[] = [];
    outputs.push(await runGolive(['validate', p.file], { cwd: p.dir }));
    outputs.push(await runGolive(['plan', p.file], { cwd: p.dir }));
    const run = await runGolive(['run', p.file, '--db', p.db], { cwd: p.dir });
    expect(run.code, both(run)).toBe(0);
    outputs.push(run);
    const history = await runGolive(['history', '--db', p.db], { cwd: p.dir });
    outputs.push(history);
    const runId = /▶ run (\S+):/.exec(run.stdout)?.[1] ?? '';
    outputs.push(await runGolive(['show', runId, '--db', p.db], { cwd: p.dir }));
    for (const result of outputs) {
      const text = `${result.stdout}${result.stderr}`;
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the test asserts no BEL or ESC reached the output
      expect(text, both(result)).not.toMatch(/[\u0007\u001b]/);
      expect(text, both(result)).not.toMatch(/^forged/m);
      expect(result.code, both(result)).toBe(0);
    }
    expect(outputs[0].stdout).toContain('evil\\x1b[2J\\nname.yaml is valid');
    expect(outputs[1].stdout).toContain('line one\\nforged');
    expect(run.stdout).toContain('Deploy \\x1b]0;pwned\\x07\\x1b[31mred');
    expect(outputs[4].stdout).toContain('1.0\\x1b[2J');
  });
});
