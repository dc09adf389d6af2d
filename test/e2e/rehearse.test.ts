/**
 * `golive rehearse` end to end on the shipped webshop runbook and its real
 * little service on 127.0.0.1: the release runs for real, is rolled back,
 * the restore is verified, and the service itself (GET /health) says it
 * serves the original release again. The rehearsal's timings then feed
 * `golive estimate --write`, which may change nothing but `duration:` lines.
 * Protected environments refuse a rehearsal unless told otherwise.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, type TestContext } from 'vitest';
import { both, removeTempDirs, repoRoot, runGolive, tempDir } from './helpers.js';
import { cleanOutput, isAlive, readJournal, verifyJournal } from './process-helpers.js';
import { startWebshop, webshopRunbook } from './webshop-service.js';

const runbook = webshopRunbook;
const commandSteps = ['backup', 'deploy', 'migrate', 'configure', 'restart'];
/** A duration as golive prints it: 87ms, 1.2s, 10s, 2m. */
const DURATION = /^\d+(?:\.\d+)?(?:ms|s|m|h)$/;

afterAll(() => removeTempDirs());

/** A webshop at release 2.3.0 (see webshop-service.ts). */
const webshop = (context: TestContext) => startWebshop(context, 'golive-rehearse-');

/** The rows of a printed table whose first cell is one of `ids`, split into cells (two or more spaces apart). */
function tableRows(out: string, ids: string[]): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of out.split('\n')) {
    const cells = line.trim().split(/\s{2,}/);
    if (ids.includes(cells[0]) && !rows.has(cells[0])) rows.set(cells[0], cells);
  }
  return rows;
}

describe.concurrent('golive rehearse', () => {
  it('rehearses the webshop release on uat: the service serves 2.3.0 on schema 3 again, the report has every step, estimate --write changes only durations', async (context) => {
    const shop = await webshop(context);
    const result = await shop.golive(['rehearse', runbook, '--env', 'uat', '--var', `state_dir=${shop.stateDir}`, '--var', `port=${shop.port}`, '--yes']);
    expect(result.code, both(result)).toBe(0);

    // The release really went out (2.4.0 answered the smoke tests) and really came back.
    const out = cleanOutput(result.stdout, [shop.dir]);
    expect(out).toContain('"version":"2.4.0","schema":4,"checkout_flow":"redesign"');
    expect(out).toContain('✔ smoke test health [critical]');
    expect(out).toContain('↩ rolling back: rehearsal: rolling everything back to test the rollback\n    order: restart → configure → migrate → deploy\n');
    expect(out).toContain('✔ rollback complete, restore verified\n');
    const after = await shop.health();
    expect(after).toMatchObject({ status: 'ok', version: '2.3.0', schema: 3, checkout_flow: 'classic' });
    // Restarted twice (2.4.0, then 2.3.0 again): a new process, the first one gone.
    expect(after.pid).not.toBe(shop.before.pid);
    expect(isAlive(shop.before.pid)).toBe(false);

    // The report: every command step with an actual time and a rollback time.
    const runId = /^\d\d:\d\d:\d\d ▶ rehearsal ([0-9A-Z]{26}): webshop-release 2\.4\.0 on uat /m.exec(result.stdout)?.[1];
    expect(runId, result.stdout).toBeDefined();
    expect(result.stdout).toContain(`\nRehearsal report: webshop-release 2.4.0 on uat (run ${runId})\n`);
    const report = result.stdout.slice(result.stdout.indexOf('Rehearsal report:'));
    expect(report).toMatch(/^ {2}step +owner +expected +actual +Δ +Δ% +rollback +suggested *$/m);
    const rows = tableRows(report, [...commandSteps, 'announce']);
    expect([...rows.keys()]).toEqual([...commandSteps, 'announce']);
    const owners: Record<string, string> = { backup: 'dba', deploy: 'devops', migrate: 'dba', configure: 'devops', restart: 'devops' };
    const expected: Record<string, string> = { backup: '10s', deploy: '10s', migrate: '20s', configure: '5.0s', restart: '15s' };
    for (const id of commandSteps) {
      const [, owner, expectedCell, actual, , , rollback, suggested] = rows.get(id)!;
      expect({ id, owner, expectedCell }).toEqual({ id, owner: owners[id], expectedCell: expected[id] });
      expect(actual, `actual time of ${id}`).toMatch(DURATION);
      // The backup says `rollback: none`: nothing to undo, no rollback time.
      if (id === 'backup') expect(rollback).toBe('—');
      else expect(rollback, `rollback time of ${id}`).toMatch(DURATION);
      expect(suggested, `suggested duration of ${id}`).toMatch(DURATION);
    }
    // The manual announcement has no command: no actual time, nothing to roll back.
    expect(rows.get('announce')!.slice(1, 4)).toEqual(['deployment-lead', '2m', '—']);
    expect(report).toMatch(/^Rollback: \d+(?:\.\d+)?(?:ms|s), restore verified$/m);
    expect(report).toContain('\nSteps without rollback: none\n');
    expect(report).toContain('\nFailures: none\n');
    expect(report).toContain('\nOutcome: rolled-back\n');

    const runs = readJournal(shop.db);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ id: runId, mode: 'rehearsal', outcome: 'rolled-back', exit_code: 0 });
    const finalStates = new Map(runs[0].events.filter((e) => e.kind === 'step.state').map((e) => [e.data.stepId as string, e.data.state as string]));
    for (const id of commandSteps) expect(finalStates.get(id), id).toBe(id === 'backup' ? 'no-rollback' : 'rolled-back');
    expect(verifyJournal(shop.db).ok).toBe(true);

    // estimate --write on a copy: only `duration:` lines may change.
    const copy = join(shop.dir, 'webshop-release.yaml');
    copyFileSync(runbook, copy);
    const before = readFileSync(copy, 'utf8');
    const estimate = await shop.golive(['estimate', copy, '--env', 'uat', '--write']);
    expect(estimate.code, both(estimate)).toBe(0);
    expect(estimate.stdout).toMatch(/^ {2}step +current +samples +p50 +p90 +suggested *$/m);
    const estimates = tableRows(estimate.stdout, [...commandSteps, 'announce']);
    expect([...estimates.keys()]).toEqual(commandSteps);
    const suggestedById = new Map<string, string>();
    for (const id of commandSteps) {
      const [, current, samples, p50, p90, suggested] = estimates.get(id)!;
      expect(current).toBe(expected[id]);
      expect(Number(samples), `samples of ${id}`).toBeGreaterThanOrEqual(1);
      for (const value of [p50, p90, suggested]) expect(value).toMatch(DURATION);
      suggestedById.set(id, suggested);
    }

    const rewritten = readFileSync(copy, 'utf8');
    const oldLines = before.split('\n');
    const newLines = rewritten.split('\n');
    expect(newLines).toHaveLength(oldLines.length);
    const changed = oldLines.flatMap((line, i) => (line === newLines[i] ? [] : [{ line: i + 1, old: line, now: newLines[i] }]));
    expect(changed.length).toBeGreaterThan(0);
    for (const { old, now } of changed) {
      expect(old).toMatch(/^ {4}duration: \S+$/);
      expect(now).toMatch(/^ {4}duration: \S+$/);
    }
    // Each changed line is a step's duration, set to the printed suggestion, and the summary names exactly those steps.
    const stepOfLine = (lineNo: number) => {
      for (let i = lineNo - 1; i >= 0; i--) {
        const id = /^ {2}- id: (\S+)$/.exec(oldLines[i]);
        if (id) return id[1];
      }
      throw new Error(`no step above line ${lineNo}`);
    };
    const changedSteps = changed.map((c) => stepOfLine(c.line));
    for (const [i, c] of changed.entries()) expect(c.now).toBe(`    duration: ${suggestedById.get(changedSteps[i])}`);
    expect(estimate.stdout).toContain(`\nWrote ${changed.length} duration${changed.length === 1 ? '' : 's'} to ${copy}: ${changedSteps.join(', ')}\n`);
    // The copy still validates.
    const validate = await runGolive(['validate', copy], { cwd: shop.dir });
    expect(validate.code, both(validate)).toBe(0);
  });

  it('refuses a protected environment without --allow-protected (exit 2, naming the flag) and executes nothing', async (context) => {
    const shop = await webshop(context);
    const result = await shop.golive([
      'rehearse',
      runbook,
      '--env',
      'production',
      '--var',
      `state_dir=${shop.stateDir}`,
      '--var',
      `port=${shop.port}`,
      '--yes',
    ]);
    expect(result.code, both(result)).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('golive: production is a protected environment: a rehearsal rolls everything back, so it does not rehearse there\n');
    expect(result.stderr).toContain('--allow-protected');
    // Nothing ran: no backup was taken, the same process serves the same release, and no run was recorded.
    expect(existsSync(join(shop.stateDir, 'backups'))).toBe(false);
    expect(await shop.health()).toEqual(shop.before);
    expect(existsSync(shop.db)).toBe(false);
  });

  // Bug: `golive rehearse --allow-protected` skips the protected-environment
  // gates that `golive run` applies (src/commands/rehearse.ts never calls
  // passGates, and rehearse has no --override-window flag). Outside the
  // runbook's window, and without --yes or a terminal to confirm, it runs
  // every check, step and smoke test on the protected environment for real,
  // and records no window-override or protected-environment decision. The
  // README: protected environments "outside the runbook's window refuse to
  // start unless --override-window".
  it('--allow-protected still refuses a protected environment outside its window (exit 2, naming --override-window), executing nothing', async () => {
    const dir = tempDir('golive-rehearse-');
    const marks = join(dir, 'marks');
    mkdirSync(marks);
    const result = await runGolive(
      [
        'rehearse',
        join(repoRoot, 'test', 'fixtures', 'dry-run', 'touch-everything.yaml'),
        '--env',
        'production',
        '--allow-protected',
        '--var',
        `marks=${marks}`,
        '--var',
        'hook=http://127.0.0.1:9/unused',
        '--db',
        join(dir, 'golive.db'),
      ],
      { cwd: dir, env: { GL_DRY_TOKEN: 'rehearse-token' } },
    );
    expect(readdirSync(marks)).toEqual([]);
    expect(result.code, both(result)).toBe(2);
    expect(result.stderr).toContain('--override-window');
  });
});
