/**
 * The launcher's V8 code cache (src/cli/launch.ts), through the built
 * binary: the first run of a command leaves a cache file in the user's
 * private cache folder, later runs leave it alone, and no state of the
 * cache (damaged, foreign, switched off, unwritable) changes what golive
 * prints or the exit code.
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, repoRoot, runGolive, tempDir } from './helpers.js';

afterAll(() => removeTempDirs());

const hello = join(repoRoot, 'examples', 'hello.yaml');
const validate = (env: Record<string, string>) => runGolive(['validate', hello], { env });
const cacheFiles = (dir: string) => readdirSync(dir).filter((name) => name.endsWith('.v8cache'));

describe('the compile cache', () => {
  it('is written once per command into $XDG_CACHE_HOME/golive, private to the user, and reused after', async () => {
    const home = tempDir('golive-cache-');
    const first = await validate({ XDG_CACHE_HOME: home });
    expect(first.code, first.stderr).toBe(0);
    const dir = join(home, 'golive');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const [file] = cacheFiles(dir);
    expect(file).toMatch(/^app-[0-9a-f]{16}-[0-9a-f]{8}-validate\.v8cache$/);
    expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);
    const written = statSync(join(dir, file)).mtimeMs;

    const second = await validate({ XDG_CACHE_HOME: home });
    expect(second).toEqual(first);
    // Accepted by V8, so not written again.
    expect(statSync(join(dir, file)).mtimeMs).toBe(written);

    await runGolive(['--help'], { env: { XDG_CACHE_HOME: home } });
    expect(cacheFiles(dir).sort()).toEqual([file, file.replace('-validate.', '-other.')].sort());
  });

  it("deletes other builds' files untouched for 30 days when it writes one, and leaves the rest", async () => {
    const home = tempDir('golive-cache-');
    const dir = join(home, 'golive');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const old = new Date(Date.now() - 40 * 86_400_000);
    const names = {
      oldBuild: 'app-0123456789abcdef-01234567-status.v8cache',
      recentBuild: 'app-fedcba9876543210-01234567-status.v8cache',
      oldTemporary: 'app-0123456789abcdef-01234567-run.v8cache.4242.tmp',
      notOurs: 'notes.txt',
    };
    for (const name of Object.values(names)) writeFileSync(join(dir, name), 'x', { mode: 0o600 });
    for (const name of [names.oldBuild, names.oldTemporary, names.notOurs]) utimesSync(join(dir, name), old, old);

    const first = await validate({ XDG_CACHE_HOME: home });
    expect(first.code, first.stderr).toBe(0);
    const left = readdirSync(dir);
    expect(left).not.toContain(names.oldBuild);
    expect(left).not.toContain(names.oldTemporary);
    expect(left).toEqual(expect.arrayContaining([names.recentBuild, names.notOurs]));
    const [own] = cacheFiles(dir).filter((name) => name.endsWith('-validate.v8cache'));
    expect(own).toBeDefined();

    // This build's own file is never pruned, however old.
    utimesSync(join(dir, own), old, old);
    await runGolive(['--help'], { env: { XDG_CACHE_HOME: home } });
    expect(readdirSync(dir)).toContain(own);
  });

  it('a damaged cache file is a normal compile, and is replaced by a good one', async () => {
    const home = tempDir('golive-cache-');
    const clean = await validate({ XDG_CACHE_HOME: home });
    const dir = join(home, 'golive');
    const [file] = cacheFiles(dir);
    const good = readFileSync(join(dir, file));
    writeFileSync(join(dir, file), Buffer.concat([good.subarray(0, 64), Buffer.alloc(4096, 0xa5)]));
    expect(await validate({ XDG_CACHE_HOME: home })).toEqual(clean);
    expect(readFileSync(join(dir, file)).length).toBeGreaterThan(4096 + 64);
    expect(await validate({ XDG_CACHE_HOME: home })).toEqual(clean);
  });

  it('is not used from a folder others can write to, nor when switched off or unwritable; golive works the same', async () => {
    const base = tempDir('golive-cache-');
    const shared = join(base, 'shared');
    mkdirSync(shared, { recursive: true });
    chmodSync(shared, 0o777);
    const clean = await validate({ GOLIVE_COMPILE_CACHE: join(base, 'fresh') });
    expect(await validate({ GOLIVE_COMPILE_CACHE: shared })).toEqual(clean);
    expect(readdirSync(shared)).toEqual([]);

    const off = tempDir('golive-cache-');
    expect(await validate({ XDG_CACHE_HOME: off, GOLIVE_COMPILE_CACHE: 'off' })).toEqual(clean);
    expect(readdirSync(off)).toEqual([]);

    // A file where the folder should be: nothing can be cached, nothing fails.
    const blocked = join(base, 'blocked');
    writeFileSync(blocked, '');
    expect(await validate({ GOLIVE_COMPILE_CACHE: blocked })).toEqual(clean);
  });
});
