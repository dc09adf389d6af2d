/**
 * golive as a user installs it: `npm pack`, then a global install of the
 * tarball into a temporary prefix with scripts disabled (as many companies
 * install), run from a directory outside the repository. The package holds
 * only what the installed tool loads, the first SQLite command explains the
 * missing native module, and once it is built golive runs its examples.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { goliveEnv, removeTempDirs, repoRoot, tempDir } from './helpers.js';

afterAll(() => removeTempDirs());

function run(command: string, args: string[], cwd: string, timeoutMs = 60_000) {
  const result = spawnSync(command, args, { cwd, env: goliveEnv({}, cwd), encoding: 'utf8', timeout: timeoutMs });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, text: `--- exit ${result.status}\n${result.stdout}\n${result.stderr}` };
}

/** Where a package's runtime may come from: the launcher, the bundle, the precompiled validator, schemas, examples, docs. */
const SHIPPED =
  /^(package\.json|README\.md|LICENSE|bin\/golive\.js|bin\/package\.json|dist\/bundle\/main\.cjs|dist\/bundle\/app-[0-9a-f]+\.cjs|dist\/runbook\/schema-validator\.cjs|schemas\/[\w.-]+\.json|examples\/[\w/.-]+)$/;

describe('the npm package', () => {
  it('packs only what the tool loads, installs with scripts disabled, explains the missing addon, then runs its examples from outside the repository', async () => {
    const work = tempDir('golive-pack-');
    const packed = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], repoRoot);
    expect(packed.code, packed.text).toBe(0);
    const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = info.files.map((f) => f.path);
    expect(files.filter((f) => !SHIPPED.test(f))).toEqual([]);
    for (const needed of [
      'bin/golive.js',
      'dist/bundle/main.cjs',
      'dist/runbook/schema-validator.cjs',
      'schemas/runbook.schema.json',
      'examples/hello.yaml',
      'LICENSE',
    ])
      expect(files).toContain(needed);

    const prefix = join(work, 'prefix');
    const installed = run(
      'npm',
      ['install', '--global', '--prefix', prefix, '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', join(work, info.filename)],
      work,
      180_000,
    );
    expect(installed.code, installed.text).toBe(0);
    const golive = join(prefix, 'bin', 'golive');
    const packageDir = join(prefix, 'lib', 'node_modules', 'golive');
    // Everything but the native SQLite driver is bundled: nothing else is installed beside it.
    expect(readdirSync(join(packageDir, 'node_modules')).filter((name) => name === 'commander' || name === 'listr2' || name === 'yaml')).toEqual([]);

    const outside = tempDir('golive-installed-');
    cpSync(join(packageDir, 'examples'), join(outside, 'examples'), { recursive: true });
    const version = run(golive, ['--version'], outside);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version);

    // --ignore-scripts left better-sqlite3 unbuilt: the first command that needs SQLite says so and how to fix it.
    const unbuilt = run(golive, ['run', 'examples/hello.yaml'], outside);
    expect(unbuilt.code, unbuilt.text).toBe(6);
    expect(unbuilt.stderr).toContain('npm rebuild better-sqlite3');
    expect(unbuilt.stderr).not.toMatch(/internal error|Tried:|\n\s+at /);

    // `npm rebuild better-sqlite3` compiles it (a minute or more); the addon this checkout compiled is the same build.
    const driver = join(packageDir, 'node_modules', 'better-sqlite3');
    const ours = join(repoRoot, 'node_modules', 'better-sqlite3');
    const versionOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version as string;
    if (versionOf(driver) === versionOf(ours) && existsSync(join(ours, 'build'))) cpSync(join(ours, 'build'), join(driver, 'build'), { recursive: true });
    else expect(run('npm', ['rebuild', 'better-sqlite3'], packageDir, 240_000).code).toBe(0);

    const init = run(golive, ['init', 'release.yaml'], outside);
    expect(init.code, init.text).toBe(0);
    // The editor line points at the project's own copy, never into the install prefix.
    expect(readFileSync(join(outside, 'release.yaml'), 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=./.golive/runbook.schema.json');
    const validate = run(golive, ['validate', 'release.yaml', 'examples/hello.yaml'], outside);
    expect(validate.code, validate.text).toBe(0);
    const hello = run(golive, ['run', 'examples/hello.yaml'], outside);
    expect(hello.code, hello.text).toBe(0);
    expect(hello.stdout).toContain(`journal: ${join(outside, 'examples', '.golive', 'golive.db')}`);
    const history = run(golive, ['history'], join(outside, 'examples'));
    expect(history.stdout).toContain('hello');
  }, 300_000);
});
