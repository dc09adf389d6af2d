/**
 * Shell completion as a user gets it: the script `golive completion bash`
 * prints, sourced in a real bash, with `golive` on PATH; completions are read
 * back from COMPREPLY the way bash's completion machinery fills it.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { goliveBin, goliveEnv, removeTempDirs, repoRoot, runGolive, tempDir } from './helpers.js';
import { runIdFrom, startGolive } from './process-helpers.js';

afterAll(() => removeTempDirs());

/** A directory with a `golive` launcher, to put first on PATH. */
function pathWithGolive(): string {
  const bin = tempDir('golive-bin-');
  writeFileSync(join(bin, 'golive'), `#!/bin/sh\nexec "${process.execPath}" "${goliveBin}" "$@"\n`);
  chmodSync(join(bin, 'golive'), 0o755);
  return bin;
}

/** What bash completes for the command line `words` (the last one being typed), in `cwd`. */
function complete(words: string[], cwd: string, bin: string): string[] {
  const quoted = words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
  const script = `source <(golive completion bash)\nCOMP_WORDS=(golive ${quoted}); COMP_CWORD=${words.length}\n_golive_complete\nprintf '%s\\n' "\${COMPREPLY[@]}"`;
  const result = spawnSync('bash', ['-c', script], { cwd, env: goliveEnv({ PATH: `${bin}:${process.env.PATH}` }, cwd), encoding: 'utf8', timeout: 20_000 });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.split('\n').filter(Boolean);
}

describe.concurrent('golive completion bash', () => {
  const bin = pathWithGolive();

  it('completes commands, subcommands, flags and fixed flag values', () => {
    const dir = tempDir();
    expect(complete(['ro'], dir, bin)).toEqual(['rollback']);
    expect(complete(['re'], dir, bin)).toEqual(['rehearse', 'resume', 'reject', 'report']);
    expect(complete(['audit', ''], dir, bin)).toEqual(['verify', 'export', 'replay']);
    expect(complete(['rollback', '--re'], dir, bin)).toEqual(['--rerun-in-doubt']);
    expect(complete(['report', 'x', '--format', ''], dir, bin)).toEqual(['md', 'html', 'json', 'junit']);
    expect(complete(['completion', ''], dir, bin)).toEqual(['bash', 'zsh', 'fish']);
  });

  it('completes --env from the runbook on the line, and runbook files', () => {
    const dir = tempDir();
    copyFileSync(join(repoRoot, 'examples', 'environments.yaml'), join(dir, 'environments.yaml'));
    expect(complete(['run', 'environments.yaml', '--env', ''], dir, bin)).toEqual(['dev', 'production']);
    expect(complete(['plan', 'environments.yaml', '--env', 'pr'], dir, bin)).toEqual(['production']);
    expect(complete(['run', 'env'], dir, bin)).toEqual(['environments.yaml']);
  });

  it('completes run ids from the journal for show, report, rollback, resume and status', async () => {
    const dir = tempDir();
    copyFileSync(join(repoRoot, 'examples', 'hello.yaml'), join(dir, 'hello.yaml'));
    const run = await runGolive(['run', 'hello.yaml'], { cwd: dir });
    expect(run.code).toBe(0);
    const id = runIdFrom(run.stdout);
    for (const command of ['show', 'report', 'rollback', 'resume', 'status']) expect(complete([command, id.slice(0, 4)], dir, bin)).toEqual([id]);
    expect(complete(['history', '--runbook', ''], dir, bin)).toEqual(['hello']);
  });

  it('completes approve and reject: the live runs, then the points the run waits at', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'wait.yaml'),
      `golive: 1\nname: wait\nteam:\n  dba: { name: Li Wei, user: ${userInfo().username} }\nsteps:\n  - id: migrate\n    approvers: [dba]\n    run: echo migrated\n`,
    );
    const live = startGolive(['run', 'wait.yaml'], { cwd: dir, timeoutMs: 60_000 });
    try {
      await live.waitForOutput(/waiting for Li Wei/);
      const id = runIdFrom(live.stdout());
      expect(complete(['approve', ''], dir, bin)).toEqual([id]);
      expect(complete(['reject', id, ''], dir, bin)).toEqual(['migrate']);
      expect(complete(['approve', id, 'migrate', '--'], dir, bin)).toEqual(['--comment', '--operator', '--db']);
    } finally {
      live.child.kill('SIGTERM');
      await live.exited;
    }
  });

  it('prints zsh and fish scripts built on the same helper, and refuses other shells', async () => {
    for (const shell of ['zsh', 'fish']) {
      const script = await runGolive(['completion', shell]);
      expect(script.code).toBe(0);
      expect(script.stdout).toContain('golive __complete --');
    }
    const other = await runGolive(['completion', 'tcsh']);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('bash, zsh, fish');
  });
});
