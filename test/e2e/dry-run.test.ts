/**
 * `golive run --dry-run` end to end: every command of the fixture runbook
 * would touch its own file and the notify webhook points at a recorder on
 * 127.0.0.1, so "executes nothing" is checked against the file system and
 * the network, not against golive's word. A real run of the same runbook is
 * the control: it shows each file really is made when its command runs.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { both, removeTempDirs, repoRoot, runGolive, tempDir } from './helpers.js';
import { cleanOutput, readJournal, verifyJournal } from './process-helpers.js';

const fixtures = join(repoRoot, 'test', 'fixtures', 'dry-run');
const touchEverything = join(fixtures, 'touch-everything.yaml');
const problems = join(fixtures, 'problems.yaml');

/** The value of the fixture's secret: it names a file, so it must be masked in the plan. */
const TOKEN = 'tok-dry-5e3cr7';

/** Every request the local webhook receiver got, as "METHOD path". */
const requests: string[] = [];
let server: Server;
let hook: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    request.resume();
    request.on('end', () => response.end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  hook = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  removeTempDirs();
});

/** A scratch dir with an empty `marks/` for the commands' files and the journal beside it. */
function scratch() {
  const dir = tempDir('golive-dry-run-');
  const marks = join(dir, 'marks');
  mkdirSync(marks);
  return { dir, marks, db: join(dir, 'golive.db') };
}

/** Requests that reached the receiver under `path` (each test uses its own path). */
const requestsTo = (path: string) => requests.filter((r) => r.split(' ')[1].startsWith(path));

describe('golive run --dry-run', () => {
  it('control: a real run of the fixture runs every command once and posts to the webhook', async () => {
    const { dir, marks, db } = scratch();
    const result = await runGolive(
      ['run', touchEverything, '--env', 'uat', '--var', `marks=${marks}`, '--var', `hook=${hook}/control`, '--var', 'fail_smoke=true', '--yes', '--db', db],
      { cwd: dir, env: { GL_DRY_TOKEN: TOKEN } },
    );
    // The smoke test fails on purpose: everything is rolled back (exit 1).
    expect(result.code, both(result)).toBe(1);
    expect(readdirSync(marks).sort()).toEqual([
      'check-ready',
      'rollback-prepare',
      'rollback-switch',
      'rollback-validate-prepare',
      'rollback-verify',
      'smoke',
      'step-prepare',
      `step-switch-${TOKEN}`,
      'validate-prepare',
    ]);
    expect(requestsTo('/control').length).toBeGreaterThan(0);
    expect(requestsTo('/control').every((r) => r.startsWith('POST '))).toBe(true);
  });

  it('executes nothing, posts nothing, prints the resolved plan, records a dry-run and exits 0', async () => {
    const { dir, marks, db } = scratch();
    const result = await runGolive(['run', touchEverything, '--env', 'uat', '--var', `marks=${marks}`, '--var', `hook=${hook}/dry`, '--dry-run', '--db', db], {
      cwd: dir,
      env: { GL_DRY_TOKEN: TOKEN },
    });
    expect(result.code, both(result)).toBe(0);
    expect(result.stderr).toBe('');
    // Give a stray webhook delivery time to arrive before we say none came.
    await new Promise((r) => setTimeout(r, 300));
    expect(readdirSync(marks)).toEqual([]);
    expect(requestsTo('/dry')).toEqual([]);
    expect(existsSync(join(dir, 'logs'))).toBe(false);

    const out = cleanOutput(result.stdout, [marks]);
    expect(out).toContain('Plan: dry-run-touch 1.0.0 — Every command touches its own file\n');
    expect(out).toContain('environment uat · change CHG-0001 · window 2000-01-01T09:00:00+00:00 → 2000-01-01T12:00:00+00:00\n');
    expect(out).toContain(
      [
        'Pre-deployment checks (go / no-go)',
        '  1. check-ready  [devops: Sam Okafor]',
        '       run:      touch "<dir>/check-ready"',
        '',
        'Steps',
        '  1. prepare — Prepare the release  [devops: Sam Okafor]',
        '       expected: <t>   timeout: none',
        '       run:      touch "<dir>/step-prepare"',
        '       validate: touch "<dir>/validate-prepare"',
        '       rollback: touch "<dir>/rollback-prepare"',
        '  2. switch — Switch with the token  [devops: Sam Okafor]',
        '       expected: <t>   timeout: none',
        // The secret is resolved for the run but shown masked.
        '       run:      touch "<dir>/step-switch-***"',
        '       rollback: touch "<dir>/rollback-switch"',
        '',
        'Smoke tests',
        '  smoke [critical]: touch "<dir>/smoke"',
        '                 test "false" != true',
        '',
        'After a rollback, verify',
        '  touch "<dir>/rollback-verify"',
        '',
        'Total expected: <t> for 2 steps',
      ].join('\n'),
    );
    expect(out).not.toContain('Missing before this can run');
    expect(out).toMatch(/^▶ dry-run <run>: dry-run-touch 1\.0\.0 on uat by \S+ \(change CHG-0001\) — 2 steps, expected <t>$/m);
    expect(out).toMatch(/^✔ succeeded in <t> \(exit 0\)$/m);
    expect(result.stdout).not.toContain(TOKEN);

    const runs = readJournal(db);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ mode: 'dry-run', outcome: 'succeeded', exit_code: 0 });
    expect(runs[0].events.map((e) => e.kind)).toEqual(['run.started', 'run.finished']);
    expect(runs[0].events[0].data).toMatchObject({ mode: 'dry-run', environment: 'uat' });
    expect(verifyJournal(db).ok).toBe(true);
  });

  it('names a program not on PATH, a missing cwd and an unset secret, exits 2, and still executes nothing', async () => {
    const { dir, marks, db } = scratch();
    const result = await runGolive(['run', problems, '--var', `marks=${marks}`, '--dry-run', '--db', db], {
      cwd: dir,
      env: { GL_DRY_UNSET_TOKEN: undefined },
    });
    expect(result.code, both(result)).toBe(2);
    expect(readdirSync(marks)).toEqual([]);

    const out = cleanOutput(result.stdout, [marks]);
    expect(out).toContain(
      [
        'Missing before this can run:',
        '  - secret GL_DRY_UNSET_TOKEN: environment variable GL_DRY_UNSET_TOKEN is not set',
        '  - step missing-program: `nosuchprogram-xyz` is not on PATH',
        '  - step missing-cwd: working directory <dir>/no-such-dir does not exist',
        // The step's cwd is its rollback's too.
        '  - step missing-cwd rollback: working directory <dir>/no-such-dir does not exist',
        '',
      ].join('\n'),
    );
    // Exactly these four: the runnable steps (`touch`, `echo`) are not flagged.
    expect(out.split('\n').filter((l) => l.startsWith('  - '))).toHaveLength(4);
    expect(out).toMatch(/\(exit 2\)$/m);

    const [run] = readJournal(db);
    expect(run).toMatchObject({ mode: 'dry-run', exit_code: 2 });
    expect(run.events.map((e) => e.kind)).toEqual(['run.started', 'warning', 'warning', 'warning', 'warning', 'run.finished']);
    expect(run.events.filter((e) => e.kind === 'warning').map((e) => e.data.message)).toEqual([
      'secret GL_DRY_UNSET_TOKEN: environment variable GL_DRY_UNSET_TOKEN is not set',
      'step missing-program: `nosuchprogram-xyz` is not on PATH',
      `step missing-cwd: working directory ${marks}/no-such-dir does not exist`,
      `step missing-cwd rollback: working directory ${marks}/no-such-dir does not exist`,
    ]);
    expect(run.events.some((e) => e.kind === 'step.started' || e.kind === 'check.started')).toBe(false);
  });

  // Bug: a dry run that found problems is recorded (run row and run.finished)
  // with outcome 'succeeded-with-issues' and exit code 2, and prints
  // "✖ succeeded-with-issues … (exit 2)". RunOutcome documents
  // 'succeeded-with-issues' as "Passed … Exit 0"; a persisted value must not
  // change meaning, so `golive history` shows a blocked dry run as a success.
  it('a dry run that found problems is not recorded as succeeded-with-issues (documented as exit 0)', async () => {
    const { dir, marks, db } = scratch();
    const result = await runGolive(['run', problems, '--var', `marks=${marks}`, '--dry-run', '--db', db], {
      cwd: dir,
      env: { GL_DRY_UNSET_TOKEN: undefined },
    });
    expect(result.code, both(result)).toBe(2);
    const [run] = readJournal(db);
    expect(run.exit_code).toBe(2);
    expect(run.outcome).not.toMatch(/^succeeded/);
  });

  it('with the secret set, only the PATH and cwd problems remain (still exit 2)', async () => {
    const { dir, marks, db } = scratch();
    const result = await runGolive(['run', problems, '--var', `marks=${marks}`, '--dry-run', '--db', db], {
      cwd: dir,
      env: { GL_DRY_UNSET_TOKEN: 'now-it-is-set' },
    });
    expect(result.code, both(result)).toBe(2);
    expect(readdirSync(marks)).toEqual([]);
    const out = cleanOutput(result.stdout, [marks]);
    expect(out).not.toContain('GL_DRY_UNSET_TOKEN: environment variable');
    expect(out).toContain('  - step missing-program: `nosuchprogram-xyz` is not on PATH\n');
    expect(out).toContain('  - step missing-cwd: working directory <dir>/no-such-dir does not exist\n');
    expect(result.stdout).not.toContain('now-it-is-set');
  });

  it('on a protected environment outside its window it needs neither --override-window nor --yes: it plans, runs nothing, exits 0', async () => {
    const { dir, marks, db } = scratch();
    const args = ['run', touchEverything, '--env', 'production', '--var', `marks=${marks}`, '--var', `hook=${hook}/protected`, '--db', db];
    // The control: the same run for real is refused at the window (exit 2).
    const refused = await runGolive([...args, '--yes'], { cwd: dir, env: { GL_DRY_TOKEN: TOKEN } });
    expect(refused.code, both(refused)).toBe(2);
    expect(refused.stderr).toContain('--override-window');

    const result = await runGolive([...args, '--dry-run'], { cwd: dir, env: { GL_DRY_TOKEN: TOKEN } });
    expect(result.code, both(result)).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(readdirSync(marks)).toEqual([]);
    expect(requestsTo('/protected')).toEqual([]);
    const out = cleanOutput(result.stdout, [marks]);
    expect(out).toContain('environment production (protected) · change CHG-0001 · window 2000-01-01T09:00:00+00:00 → 2000-01-01T12:00:00+00:00\n');
    expect(out).not.toContain('Missing before this can run');
    expect(out).toMatch(/^▶ dry-run <run>: dry-run-touch 1\.0\.0 on production by \S+ \(change CHG-0001\)/m);
    expect(out).toMatch(/^✔ succeeded in <t> \(exit 0\)$/m);

    // The refused real run left no run behind; the dry run left one, with no gate decisions.
    const runs = readJournal(db);
    expect(runs.map((r) => [r.mode, r.outcome, r.exit_code])).toEqual([['dry-run', 'succeeded', 0]]);
    expect(runs[0].events.map((e) => e.kind)).toEqual(['run.started', 'run.finished']);
  });
});
