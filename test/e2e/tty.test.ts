/**
 * The live task list in a real terminal: the engine, real shell commands and
 * the view run inside a tmux pane of fixed size (test/fixtures/tty-driver.mjs),
 * keys are typed with `tmux send-keys`, and the screen is read back with
 * `tmux capture-pane`. This is the only place where the listr2 default
 * renderer, inquirer prompts inside a task and Ctrl-C at a prompt meet a
 * terminal. Skipped, saying so, when tmux is not installed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, repoRoot, tempDir } from './helpers.js';

const tmuxMissing = spawnSync('tmux', ['-V']).error !== undefined;
if (tmuxMissing)
  console.warn('test/e2e/tty.test.ts SKIPPED: tmux is not installed, so the live task list is not tested in a real terminal (apt-get install -y tmux)');
// A private server on a socket in a scratch directory: the test never touches anyone's tmux sessions and leaves no socket behind.
const socket = join(tempDir('golive-tty-tmux-'), 'tmux.sock');
const driver = join(repoRoot, 'test', 'fixtures', 'tty-driver.mjs');

afterAll(() => {
  if (!tmuxMissing) tmux('kill-server');
  removeTempDirs();
});

function tmux(...args: string[]): string {
  const result = spawnSync('tmux', ['-S', socket, ...args], { encoding: 'utf8' });
  return result.stdout;
}

const SUCCESS = `
golive: 1
name: tty-demo
version: 1.0.0
team:
  devops: { name: Sam }
checks:
  - id: tools
    title: Tools installed
    run: "true"
steps:
  - id: build
    title: Build the release
    owner: devops
    duration: 30s
    run: |
      for i in 1 2 3 4; do echo "building part $i"; sleep 0.3; done
  - id: announce
    confirm: Announce the release?
  - id: both
    parallel:
      - id: web
        run: sleep 0.4; echo web up
      - id: api
        run: sleep 0.2; echo api up
verify:
  - id: health
    run: echo healthy
`;

const FAILURE = `
golive: 1
name: tty-fail
steps:
  - id: schema
    title: Migrate the schema
    run: echo migrating
    rollback: echo unmigrating
  - id: deploy
    title: Deploy the app
    run: |
      echo "deploy failed: no space left" >&2
      exit 1
    rollback: echo undeploying
  - id: cache
    run: echo warm
`;

/** Start the driver on `runbook` in a 120×40 pane; returns how to read the screen and the recorded events. */
function startInTerminal(name: string, runbook: string) {
  if (!existsSync(join(repoRoot, 'dist', 'output', 'task-list.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const dir = tempDir('golive-tty-');
  const file = join(dir, `${name}.yaml`);
  const events = join(dir, 'events.jsonl');
  writeFileSync(file, runbook);
  // The pane stays open after the driver exits, so the final screen can still be read.
  const command = `cd '${repoRoot}' && node '${driver}' '${file}' '${events}'; sleep 600`;
  tmux('-u', 'new-session', '-d', '-x', '120', '-y', '40', '-s', name, '-e', 'LANG=C.UTF-8', '-e', 'NO_COLOR=1', command);
  const screen = () => tmux('capture-pane', '-p', '-t', name);
  return {
    screen,
    keys: (...keys: string[]) => tmux('send-keys', '-t', name, ...keys),
    /** Poll the screen until `pattern` shows (fails with the screen after 20 s). */
    async waitFor(pattern: RegExp): Promise<string> {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const text = screen();
        if (pattern.test(text)) return text;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} on screen:\n${text}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    /** The driver's process id. */
    pid: () => Number(readFileSync(`${events}.pid`, 'utf8')),
    events: (): Array<Record<string, unknown>> =>
      readFileSync(events, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
  };
}

describe.skipIf(tmuxMissing)(`live task list in a real terminal${tmuxMissing ? ' — SKIPPED: tmux is not installed (apt-get install -y tmux)' : ''}`, () => {
  it('draws the list with output under the running step, asks inside the task, and ends with ✔ everywhere and the summary', async () => {
    const t = startInTerminal('success', SUCCESS);
    // While `build` runs: its title with owner and elapsed / expected, and its last output lines under it.
    const running = await t.waitFor(/› building part 2/);
    expect(running).toMatch(/✔ tools — Tools installed/);
    expect(running).toMatch(/build — Build the release \[devops\] \d+(ms|\.\ds) \/ 30s/);

    const asking = await t.waitFor(/\? Announce the release\? \(y\/N\)/);
    expect(asking).toMatch(/✔ build — Build the release \[devops\]/);
    expect(asking).toMatch(/announce .*waiting for an answer/);
    t.keys('y');
    t.keys('Enter');

    const done = await t.waitFor(/DRIVER-EXIT=\d+/);
    expect(done).toContain('DRIVER-EXIT=0');
    for (const line of [
      /✔ Pre-deployment checks: GO/,
      /✔ tools/,
      /✔ build — Build the release \[devops\] \d\.\ds \/ 30s/,
      /✔ announce .*approved by tester/,
      /✔ both \(in parallel\)/,
      /^ {4}✔ web/m,
      /^ {4}✔ api/m,
      /✔ health/,
    ]) {
      expect(done).toMatch(line);
    }
    expect(done).toMatch(/✔ succeeded in \d+(\.\d)?s \(expected 30s\) — run tty-run, exit 0/);
    // The list replaced itself in place: each task appears once on the final screen.
    expect(done.match(/build — Build the release/g)).toHaveLength(1);
    const decision = t.events().find((e) => e.kind === 'decision' && e.subject === 'confirm');
    expect(decision).toMatchObject({ subjectId: 'announce', choice: 'approved', via: 'prompt', by: 'tester' });
  });

  it('asks what to do inside the failed step, then shows the rollback as its own phase', async () => {
    const t = startInTerminal('failure', FAILURE);
    const asking = await t.waitFor(/What now\?[\s\S]*Roll back now/);
    // The question is drawn with the failed step still open, its stderr under it.
    expect(asking).toMatch(/deploy — Deploy the app .*failed: exited with status 1/);
    expect(asking).toMatch(/› deploy failed: no space left/);
    t.keys('Down', 'Down');
    await t.waitFor(/❯ Roll back now/);
    t.keys('Enter');

    const done = await t.waitFor(/DRIVER-EXIT=\d+/);
    expect(done).toContain('DRIVER-EXIT=1');
    expect(done).toMatch(/✖ deploy — Deploy the app .*rolling back by tester/);
    expect(done).toMatch(/↓ cache — not run/);
    expect(done).toMatch(/✔ Rolled back — step deploy failed: exited with status 1\n +✔ deploy .*rolled back\n +✔ schema .*rolled back/);
    expect(done).toMatch(/✖ rolled-back in .* exit 1/);
    expect(t.events().find((e) => e.kind === 'decision' && e.subject === 'guided-failure')).toMatchObject({ choice: 'rollback', via: 'prompt' });
  });

  it('treats Ctrl-C at a prompt as the interrupt, never as an answer: exit 130 with the resume and rollback commands', async () => {
    const t = startInTerminal('ctrl-c', SUCCESS);
    await t.waitFor(/\? Announce the release\?/);
    t.keys('C-c');
    const done = await t.waitFor(/DRIVER-EXIT=\d+/);
    expect(done).toContain('DRIVER-EXIT=130');
    expect(done).toMatch(/↓ announce .*not answered \(interrupted\)/);
    expect(done).toMatch(/↓ web — not run \(interrupted\)/);
    expect(done).toMatch(/✖ interrupted in .* exit 130/);
    expect(done).toContain('golive resume tty-run');
    const events = t.events();
    expect(events.some((e) => e.kind === 'decision' && e.subject === 'confirm')).toBe(false);
    expect(events.slice(-2).map((e) => e.kind)).toEqual(['run.interrupted', 'run.finished']);
    expect(events.at(-1)).toMatchObject({ outcome: 'interrupted', exitCode: 130 });
  });
  it('asks for the reason inside the failed step when it is skipped, and shows it skipped (not passed)', async () => {
    const t = startInTerminal('skip', FAILURE);
    await t.waitFor(/What now\?/);
    t.keys('Down');
    await t.waitFor(/❯ Skip and go on/);
    t.keys('Enter');
    await t.waitFor(/\? Why is it safe to skip this step\?/);
    t.keys('known disk issue', 'Enter');
    const done = await t.waitFor(/DRIVER-EXIT=\d+/);
    expect(done).toContain('DRIVER-EXIT=0');
    expect(done).toMatch(/↓ deploy — Deploy the app .*skipped: known disk issue/);
    expect(done).toMatch(/✔ cache/);
    expect(done).toMatch(/✔ succeeded-with-issues in .* exit 0\n +! step deploy skipped by tester: known disk issue/);
  });

  it('withdraws an open question when the run is stopped by SIGTERM: exit 143, nothing recorded as answered', async () => {
    const t = startInTerminal('sigterm', SUCCESS);
    await t.waitFor(/\? Announce the release\?/);
    process.kill(t.pid(), 'SIGTERM');
    const done = await t.waitFor(/DRIVER-EXIT=\d+/);
    expect(done).toContain('DRIVER-EXIT=143');
    expect(done).toMatch(/↓ announce .*not answered \(interrupted\)/);
    expect(t.events().some((e) => e.kind === 'decision' && e.subject === 'confirm')).toBe(false);
  });
});
