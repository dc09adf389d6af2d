import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProcessRunner } from '../../src/process/runner.ts';
import { bashSpec, makeTempDir, waitFor } from './helpers.ts';

const runner = createProcessRunner();
let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.cleanup());

const SECRET = 'pa55-word-on-no-command-line';

/** Every process's argv that mentions `text` (as any local user could read it). */
function commandLinesContaining(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (argv.includes(text)) found.push(`${pid}: ${argv.replaceAll('\0', ' ')}`);
    } catch {
      /* gone, or not ours to read */
    }
  }
  return found;
}

describe('how a command reaches its shell', () => {
  it('never puts the command text on any command line, and leaves no file behind', async () => {
    const logPath = join(temp.dir, 'logs', 'step.log');
    const marker = join(temp.dir, 'started');
    const running = runner.start(bashSpec(`touch ${marker}; sleep 1 # ${SECRET}`, { logPath, secrets: [SECRET] }));
    await waitFor(() => readdirSync(temp.dir).includes('started'), 5_000);
    expect(commandLinesContaining(SECRET)).toEqual([]);
    // The shell reads its script through golive's descriptor, not a file with a name.
    expect(readFileSync(`/proc/${running.pid}/cmdline`, 'utf8').split('\0')).toEqual([
      'bash',
      '-e',
      '-o',
      'pipefail',
      expect.stringMatching(/^\/proc\/\d+\/fd\/\d+$/),
      '',
    ]);
    expect(readdirSync(join(temp.dir, 'logs'))).toEqual([]);
    expect((await running.result).ok).toBe(true);
    expect(readdirSync(join(temp.dir, 'logs'))).toEqual([]);
  });

  it('gives the step the same descriptors as `bash -c` would', async () => {
    const list = 'ls /proc/self/fd | sort -n | tr "\\n" " "';
    const viaC = spawnSync('bash', ['-c', list], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' }).stdout;
    const result = await runner.start(bashSpec(list)).result;
    expect(result.head).toBe(viaC);
  });

  it('keeps the shell semantics of -c: exit codes, -e, pipefail, syntax errors, signals', async () => {
    expect((await runner.start(bashSpec('exit 7')).result).exitCode).toBe(7);
    expect((await runner.start(bashSpec('false | true; echo no')).result).exitCode).toBe(1);
    const syntax = await runner.start(bashSpec('echo first\nif then')).result;
    expect(syntax).toMatchObject({ exitCode: 2 });
    expect(syntax.head).toMatch(/^first\n.*syntax error/s);
    expect(await runner.start(bashSpec('kill -TERM $$')).result).toMatchObject({ exitCode: null, signal: 'SIGTERM' });
    expect((await runner.start(bashSpec('echo $LINENO\necho $LINENO')).result).head).toBe('1\n2\n');
    expect((await runner.start(bashSpec('false; echo $?', { shell: 'sh' })).result).exitCode).toBe(1);
  });

  it('runs any shell that takes a script path, with the script text unchanged', async () => {
    const result = await runner.start(bashSpec("import sys\nprint('python', len(sys.argv))\nsys.exit(4)", { shell: 'python3' })).result;
    expect(result).toMatchObject({ exitCode: 4, head: 'python 1\n' });
  });

  it('runs a script bigger than a pipe buffer in full', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `: line ${i}`).join('\n');
    const result = await runner.start(bashSpec(`${lines}\necho end`)).result;
    expect(result).toMatchObject({ ok: true, head: 'end\n' });
  });

  it("closes golive's descriptor of the script once the shell has exited", async () => {
    const before = readdirSync('/proc/self/fd').length;
    await Promise.all(Array.from({ length: 20 }, () => runner.start(bashSpec('true')).result));
    const leaked = readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`).includes('.golive-script-');
      } catch {
        return false;
      }
    });
    expect(leaked).toEqual([]);
    expect(readdirSync('/proc/self/fd').length).toBeLessThanOrEqual(before + 2);
  });
});
