/**
 * Secrets end to end, through the built binary and real processes: no
 * command line ever holds a secret while checks, steps, validations,
 * rollbacks and restore checks run; nothing on disk holds it afterwards;
 * an output holding a secret is refused, not passed on as `***`.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { both, removeTempDirs, runGolive, tempDir } from './helpers.js';
import { isAlive, type LiveGolive, pidsIn, startGolive } from './process-helpers.js';

afterAll(() => removeTempDirs());

const SECRET = 'Sup3r-s3cret-on-no-cmdline';

/** Runs one check, a step with a validation and a rollback, a failing step, and the restore check, each with the secret in its command text. */
const EVERY_PATH = `golive: 1
name: secret-paths
on_failure: rollback
secrets:
  TOKEN: { env: DEMO_TOKEN }
checks:
  - id: token-set
    run: sleep 0.31; test "{{ secrets.TOKEN }}" = "$TOKEN"
steps:
  - id: deploy
    run: sleep 0.32; echo "deploying with {{ secrets.TOKEN }}"
    validate: sleep 0.33; test -n "{{ secrets.TOKEN }}"
    rollback: sleep 0.34; echo "undo with {{ secrets.TOKEN }}"
  - id: migrate
    run: sleep 0.35; test "{{ secrets.TOKEN }}" = wrong
rollback:
  verify:
    - run: sleep 0.36; test -n "{{ secrets.TOKEN }}"
`;

/** Every file under `dir` (recursively) whose bytes contain `text`. */
function filesContaining(dir: string, text: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if (readFileSync(path).includes(text)) found.push(path);
  }
  return found;
}

/** Scans every process's argv until `done`; returns those holding `secret`, and the `sleep` durations seen (proof that the scan saw the commands run). */
async function scanCommandLines(secret: string, done: () => boolean): Promise<{ withSecret: string[]; sleeps: Set<string> }> {
  const withSecret = new Set<string>();
  const sleeps = new Set<string>();
  while (!done()) {
    for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      let argv: string;
      try {
        argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        continue;
      }
      if (argv.includes(secret)) withSecret.add(argv.replaceAll('\0', ' '));
      const sleep = /^sleep\0(0\.3\d)\0/.exec(argv);
      if (sleep) sleeps.add(sleep[1]);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return { withSecret: [...withSecret], sleeps };
}

/** Starts golive; `ended()` turns true once it has exited. */
function startWatched(args: string[], cwd: string, env: Record<string, string>): LiveGolive & { ended: () => boolean } {
  const golive = startGolive(args, { cwd, env });
  let exited = false;
  void golive.exited.then(() => (exited = true));
  return { ...golive, ended: () => exited };
}

describe('secrets never reach a command line', () => {
  it('in checks, steps, validations, rollbacks and restore checks; and no file holds one afterwards', async () => {
    const dir = tempDir();
    const tmp = tempDir('golive-e2e-tmp-');
    writeFileSync(join(dir, 'runbook.yaml'), EVERY_PATH);
    const golive = startWatched(['run', 'runbook.yaml', '--db', join(dir, 'journal', 'golive.db')], dir, { DEMO_TOKEN: SECRET, TMPDIR: tmp });
    const scan = await scanCommandLines(SECRET, golive.ended);
    const result = await golive.exited;

    expect(result.code, both(result)).toBe(1); // migrate failed, deploy was rolled back and the restore check passed
    expect(result.stdout).toContain('deploying with ***');
    expect(result.stdout).toContain('undo with ***');
    // Each command was seen running (its `sleep` is on a command line), and no command line held the secret.
    expect([...scan.sleeps].sort()).toEqual(['0.31', '0.32', '0.33', '0.34', '0.35', '0.36']);
    expect(scan.withSecret).toEqual([]);
    expect(filesContaining(dir, SECRET)).toEqual([]);
    expect(filesContaining(tmp, SECRET)).toEqual([]);
    expect(readdirSync(join(dir, 'journal', 'logs'), { recursive: true }).filter((name) => String(name).includes('golive-script'))).toEqual([]);
  });

  it('leaves no copy on disk when golive is killed with kill -9 while the step runs', async () => {
    const dir = tempDir();
    const tmp = tempDir('golive-e2e-tmp-');
    writeFileSync(
      join(dir, 'runbook.yaml'),
      `golive: 1
name: killed
secrets:
  TOKEN: { env: DEMO_TOKEN }
steps:
  - id: long
    run: echo $$ > pid; echo "started with {{ secrets.TOKEN }}"; sleep 30
`,
    );
    const golive = startWatched(['run', 'runbook.yaml', '--db', join(dir, 'golive.db')], dir, { DEMO_TOKEN: SECRET, TMPDIR: tmp });
    await golive.waitForOutput(/started with \*\*\*/);
    const shell = pidsIn(join(dir, 'pid'));
    try {
      golive.child.kill('SIGKILL');
      await golive.exited;
      // The orphaned shell still runs its script (the kernel keeps the unlinked text for it), but no file holds it.
      expect(shell.every(isAlive)).toBe(true);
      expect(filesContaining(dir, SECRET)).toEqual([]);
      expect(filesContaining(tmp, SECRET)).toEqual([]);
    } finally {
      for (const pid of shell)
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          /* gone */
        }
    }
  });
});

const REFUSED = `golive: 1
name: refused-output
on_failure: abort
secrets:
  TOKEN: { env: DEMO_TOKEN }
steps:
  - id: login
    run: |
      echo "user=deployer" >> "$GOLIVE_OUTPUT"
      echo "session=sess-{{ secrets.TOKEN }}" >> "$GOLIVE_OUTPUT"
    rollback: echo "{{ steps.login.outputs.session }}" > logout-ran
  - id: deploy
    run: echo "{{ steps.login.outputs.user }}" > deploy-ran
  - id: use
    run: echo "{{ steps.login.outputs.session }}" > use-ran
`;

describe('an output that contains a secret', () => {
  it('is refused with a warning naming it; a step and a later rollback that use it fail before they start', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'runbook.yaml'), REFUSED);
    const db = join(dir, 'golive.db');
    const env = { DEMO_TOKEN: SECRET };
    const run = await runGolive(['run', 'runbook.yaml', '--db', db], { cwd: dir, env });

    expect(run.code, both(run)).toBe(3);
    expect(run.stdout).toContain('output "session" of step login was not kept because it contains a secret');
    expect(readFileSync(join(dir, 'deploy-ran'), 'utf8')).toBe('deployer\n');
    expect(existsSync(join(dir, 'use-ran'))).toBe(false);
    expect(run.stdout).toMatch(/use failed: could not start: refers to \{\{ steps\.login\.outputs\.session \}\}/);

    const rollback = await runGolive(['rollback', '--db', db], { cwd: dir, env });
    expect(rollback.code, both(rollback)).toBe(3);
    expect(existsSync(join(dir, 'logout-ran'))).toBe(false);
    expect(rollback.stdout).toMatch(/rollback login failed: could not start: refers to \{\{ steps\.login\.outputs\.session \}\}/);
    expect(filesContaining(dir, SECRET)).toEqual([]);
    expect(`${run.stdout}${run.stderr}${rollback.stdout}${rollback.stderr}`).not.toContain('***');
  });
});

describe('the log size cap', () => {
  it('keeps the head and tail of a command printing megabytes, says so in the log and in one terminal line', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'runbook.yaml'),
      `golive: 1
name: loud
steps:
  - id: loud
    run: yes | head -c 20000000 || true
`,
    );
    const db = join(dir, 'golive.db');
    const result = await runGolive(['run', 'runbook.yaml', '--db', db], { cwd: dir, env: { GOLIVE_LOG_MAX: '256K' } });
    expect(result.code, both(result)).toBe(0);
    const [log] = readdirSync(join(dir, 'logs'), { recursive: true })
      .map(String)
      .filter((name) => name.endsWith('loud.log'));
    const logPath = join(dir, 'logs', log);
    expect(statSync(logPath).size).toBeLessThan(256 * 1024 + 200);
    const text = readFileSync(logPath, 'utf8');
    const leftOut = 20_000_000 - 256 * 1024;
    expect(text).toContain(
      `\n… [golive left out ${leftOut} bytes here: a log keeps the first 128 KiB and the last 128 KiB of a command's output (GOLIVE_LOG_MAX)]\n`,
    );
    expect(text.startsWith('y\ny\n') && text.endsWith('y\ny\n')).toBe(true);
    expect(result.stdout.split('\n').filter((line) => line.includes(`golive left ${leftOut} bytes out of the middle of ${logPath}`))).toHaveLength(1);
    expect(
      readdirSync(join(dir, 'logs'), { recursive: true })
        .map(String)
        .filter((name) => name.includes('.tail-')),
    ).toEqual([]);
  });

  it('refuses a GOLIVE_LOG_MAX that is not a size, before anything runs or is recorded', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'runbook.yaml'), 'golive: 1\nname: t\nsteps:\n  - id: a\n    run: touch ran\n');
    const result = await runGolive(['run', 'runbook.yaml', '--db', join(dir, 'golive.db')], { cwd: dir, env: { GOLIVE_LOG_MAX: 'lots' } });
    expect(result.code, both(result)).toBe(2);
    expect(result.stderr).toMatch(/GOLIVE_LOG_MAX=lots is not a log size\n.*hint: .*GOLIVE_LOG_MAX/s);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'ran'))).toBe(false);
    expect(existsSync(join(dir, 'golive.db')), 'no run is recorded').toBe(false);
  });
});
