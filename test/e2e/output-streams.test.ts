/**
 * Where output goes: data on stdout, and the outcome of a run that needs
 * someone also on stderr, so `golive run … > run.log` still tells the
 * operator; and a terminal that cannot be redrawn (TERM=dumb, no width)
 * gets plain lines without cursor sequences, under a real pseudo-terminal.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { both, goliveBin, goliveEnv, removeTempDirs, runGolive, tempDir } from './helpers.js';
import { runIdFrom } from './process-helpers.js';

afterAll(() => removeTempDirs());

const TWO_STEPS = 'golive: 1\nname: two\nsteps:\n  - id: a\n    run: "true"\n  - id: b\n    run: "true"\n';

/** golive under `script` (a real pseudo-terminal) with the given TERM and terminal width. */
function inTerminal(dir: string, term: string, columns: number, ci?: string): string {
  const command = `stty cols ${columns} rows 30; exec "${process.execPath}" "${goliveBin}" run two.yaml`;
  const result = spawnSync('script', ['-qec', command, '/dev/null'], {
    cwd: dir,
    env: { ...goliveEnv({ NO_COLOR: undefined, CI: ci }, dir), TERM: term },
    encoding: 'utf8',
    timeout: 20_000,
    input: '',
  });
  expect(result.status, result.stdout + result.stderr).toBe(0);
  return result.stdout;
}

describe.concurrent('output streams', () => {
  it('a failed run also says its outcome and the next commands on stderr when stdout is not the terminal', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'fail.yaml'), 'golive: 1\nname: fail\nsteps:\n  - id: a\n    run: exit 1\n    rollback: "true"\n');
    const result = await runGolive(['run', 'fail.yaml', '--on-failure', 'abort'], { cwd: dir });
    expect(result.code, both(result)).toBe(3);
    const runId = runIdFrom(result.stdout);
    expect(result.stderr).toContain(`golive: run ${runId} ended aborted (exit 3)`);
    expect(result.stderr).toContain(`golive resume ${runId}`);
    const ok = await runGolive(['run', 'fail.yaml', '--on-failure', 'continue'], { cwd: dir });
    expect(ok.code, both(ok)).toBe(0);
    expect(ok.stderr).not.toContain('ended');
  });

  it("TERM=dumb, a terminal without a width, and CI=true get plain lines, no cursor sequences; colour stays the terminal's", () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'two.yaml'), TWO_STEPS);
    for (const [term, columns, ci] of [
      ['dumb', 100, undefined],
      ['xterm-256color', 0, undefined],
      ['xterm-256color', 100, 'true'],
    ] as const) {
      const screen = inTerminal(dir, term, columns, ci);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the test strips colour codes (ESC)
      expect(screen.replace(/\u001b\[[\d;]*m/g, ''), `${term} ${columns}`).toMatch(/✔ succeeded in .* \(exit 0\)/);
      expect(screen.includes('\u001b'), `${term} ${columns}: ${JSON.stringify(screen)}`).toBe(term === 'xterm-256color'); // colour stays the terminal's, CI=true or not
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for cursor movement (ESC sequences)
      expect(screen).not.toMatch(/\u001b\[\d*[ABCDGJK]|\u001b\[\?25[hl]/); // no cursor movement, erase or hide
    }
    // The live view still draws where it can.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for cursor movement (ESC sequences)
    expect(inTerminal(dir, 'xterm-256color', 100)).toMatch(/\u001b\[\d*[AGK]|\u001b\[\?25[hl]/);
  });

  it('with --json, a command that cannot answer still answers in JSON: one error object on stdout', async () => {
    const dir = tempDir();
    for (const args of [
      ['status', '--json'],
      ['show', '01ABCDEFGH', '--json'],
      ['audit', 'verify', '--json'],
      ['rollback', '--json'],
    ]) {
      const result = await runGolive(args, { cwd: dir });
      expect(result.code, both(result)).toBe(6);
      expect(JSON.parse(result.stdout), args.join(' ')).toMatchObject({ kind: 'error', exitCode: 6, message: expect.stringContaining('no audit journal') });
    }
    const history = await runGolive(['history', '--json'], { cwd: dir });
    expect(JSON.parse(history.stdout)).toEqual([]);

    writeFileSync(join(dir, 'bad.yaml'), 'golive: 1\nname: bad\nsteps:\n  - id: a\n    rn: echo\n');
    const run = await runGolive(['run', 'bad.yaml', '--json'], { cwd: dir });
    expect(run.code, both(run)).toBe(2);
    const answer = JSON.parse(run.stdout);
    expect(answer).toMatchObject({ kind: 'error', exitCode: 2 });
    expect(answer.problems).toContainEqual(expect.objectContaining({ file: 'bad.yaml', line: 5, col: 5, code: 'E010' }));
  });
});
