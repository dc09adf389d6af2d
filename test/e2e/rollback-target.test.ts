/**
 * Rolling back and resuming are as guarded as deploying, and never act on a
 * guessed run: the protected-environment gates apply to both, both say which
 * run they act on, a plain `golive rollback` picks the latest run of one
 * deployment that has something left to undo, and refuses to choose between
 * deployments. Outcomes name the real situation, and the restore checks can
 * be run again after a manual fix.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { both, removeTempDirs, repoRoot, runGolive, tempDir } from './helpers.js';
import { readJournal, runIdFrom, verifyJournal } from './process-helpers.js';

afterAll(() => removeTempDirs());

const fixture = (name: string) => join(repoRoot, 'test', 'fixtures', 'runbooks', name);

function scenario() {
  const dir = tempDir();
  const db = join(dir, 'golive.db');
  const touch = (name: string) => writeFileSync(join(dir, name), '');
  return {
    dir,
    db,
    touch,
    trace: () => (existsSync(join(dir, 'trace')) ? readFileSync(join(dir, 'trace'), 'utf8') : ''),
    golive: (args: string[]) => runGolive([...args, '--db', db], { cwd: dir }),
    /** Run the guarded runbook (production needs --yes and a window override). */
    deploy: (env: string, extra: string[] = []) =>
      runGolive(['run', fixture('guarded.yaml'), '--env', env, '--var', `dir=${dir}`, '--db', db, ...extra], { cwd: dir }),
  };
}

/** Decisions recorded in a run, as `subject:choice (via)`. */
function decisionsOf(db: string, runId: string): string[] {
  const run = readJournal(db).find((r) => r.id === runId)!;
  return run.events.filter((e) => e.kind === 'decision').map((e) => `${e.data.subject}:${e.data.choice} (${e.data.via})`);
}

describe.concurrent('rollback and resume of a protected environment', () => {
  it('a rollback of production meets the confirmation and the window, records both, and says what it undoes first', async () => {
    const s = scenario();
    const run = await s.deploy('production', ['--yes', '--override-window', 'release night']);
    expect(run.code, both(run)).toBe(0);
    const runId = runIdFrom(run.stdout);
    const deployed = s.trace();

    const unconfirmed = await s.golive(['rollback', runId]);
    expect(unconfirmed.code, both(unconfirmed)).toBe(2);
    expect(unconfirmed.stderr).toContain('production is a protected environment');
    expect(unconfirmed.stdout).toContain(`Rolling back run ${runId} (guarded 1.4.0 on production`);
    expect(unconfirmed.stdout).toContain('will undo, in order: deploy → migrate');

    const outsideWindow = await s.golive(['rollback', runId, '--yes']);
    expect(outsideWindow.code, both(outsideWindow)).toBe(2);
    expect(outsideWindow.stderr).toContain('outside the deployment window');
    expect(outsideWindow.stderr).toContain('to roll back anyway, give the reason: --override-window');
    expect(s.trace()).toBe(deployed); // nothing was executed
    expect(readJournal(s.db).map((r) => r.mode)).toEqual(['run']); // nor recorded

    s.touch('healthy');
    const rollback = await s.golive(['rollback', runId, '--yes', '--override-window', 'customer outage']);
    expect(rollback.code, both(rollback)).toBe(0);
    expect(s.trace()).toBe(`${deployed}undo-deploy-production\nundo-migrate-production\n`);
    const rollbackRun = readJournal(s.db).at(-1)!;
    expect(decisionsOf(s.db, rollbackRun.id)).toEqual(['window-override:override (flag)', 'protected-environment:confirmed (flag)']);
    expect(rollbackRun.events.find((e) => e.kind === 'decision' && e.data.subject === 'window-override')!.data.reason).toContain('customer outage');
    expect(verifyJournal(s.db).ok).toBe(true);
  });

  it('a resume of production meets the same gates', async () => {
    const s = scenario();
    s.touch('break');
    const run = await s.deploy('production', ['--yes', '--override-window', 'release night', '--on-failure', 'abort']);
    expect(run.code, both(run)).toBe(3);
    const runId = runIdFrom(run.stdout);
    const before = s.trace();

    const refused = await s.golive(['resume', runId, '--override-window', 'finish the release']);
    expect(refused.code, both(refused)).toBe(2);
    expect(refused.stdout).toContain(`Resuming run ${runId} (guarded 1.4.0 on production`);
    expect(refused.stdout).toContain('will continue with: deploy');
    expect(refused.stderr).toContain('resuming it must be confirmed');
    expect(s.trace()).toBe(before);

    const refusedWindow = await s.golive(['resume', runId, '--yes']);
    expect(refusedWindow.code, both(refusedWindow)).toBe(2);
    expect(refusedWindow.stderr).toContain('to resume anyway, give the reason: --override-window');

    rmSync(join(s.dir, 'break'));
    const resumed = await s.golive(['resume', runId, '--yes', '--override-window', 'finish the release']);
    expect(resumed.code, both(resumed)).toBe(0);
    expect(s.trace()).toBe(`${before}deploy-production\n`);
    expect(decisionsOf(s.db, readJournal(s.db).at(-1)!.id)).toEqual(['window-override:override (flag)', 'protected-environment:confirmed (flag)']);
  });
});

describe.concurrent('which run a plain rollback or resume acts on', () => {
  it('skips a later NO-GO run that executed nothing and undoes the deployment that changed something', async () => {
    const s = scenario();
    const good = await s.deploy('uat');
    expect(good.code, both(good)).toBe(0);
    s.touch('nogo');
    const nogo = await s.deploy('uat');
    expect(nogo.code, both(nogo)).toBe(4);

    const rollback = await s.golive(['rollback']);
    expect(rollback.code, both(rollback)).toBe(3); // restore checks fail: no `healthy` file yet
    expect(rollback.stdout).toContain(`Rolling back run ${runIdFrom(good.stdout)} (guarded 1.4.0 on uat`);
    expect(s.trace()).toBe('migrate-uat\ndeploy-uat\nundo-deploy-uat\nundo-migrate-uat\n');

    // Nothing left to undo: said so, naming the run looked at and why.
    s.touch('healthy');
    const recheck = await s.golive(['rollback']);
    expect(recheck.code, both(recheck)).toBe(0);
    expect(recheck.stdout).toContain('nothing left to undo; the restore checks (rollback.verify) did not pass last time: running them again');
    const again = await s.golive(['rollback']);
    expect(again.code, both(again)).toBe(0);
    expect(again.stdout).toMatch(
      new RegExp(
        `Nothing left to roll back in run ${runIdFrom(good.stdout)} \\(guarded 1.4.0 on uat, run started .*: succeeded\\): every step with a rollback was already rolled back \\(by run \\S+\\)\\.`,
      ),
    );
    expect(s.trace()).toBe('migrate-uat\ndeploy-uat\nundo-deploy-uat\nundo-migrate-uat\n');
  });

  it('refuses to choose between deployments (runbooks or environments) and lists each with its command', async () => {
    const s = scenario();
    const uat = await s.deploy('uat');
    const other = await s.golive(['run', fixture('sequence.yaml'), '--var', `dir=${s.dir}`]);
    expect([uat.code, other.code], both(other)).toEqual([0, 0]);

    const refused = await s.golive(['rollback']);
    expect(refused.code, both(refused)).toBe(2);
    expect(refused.stderr).toContain('holds runs of 2 deployments; say which one to roll back, nothing was done');
    expect(refused.stderr).toContain(`guarded on uat: golive rollback ${runIdFrom(uat.stdout)} --db ${s.db}`);
    expect(refused.stderr).toContain(`sequence (no environment): golive rollback ${runIdFrom(other.stdout)} --db ${s.db}`);
    expect(refused.stderr).toContain('--runbook <name> --env <environment>');
    expect(s.trace()).not.toContain('undo');

    const prod = await s.deploy('production', ['--yes', '--override-window', 'x']);
    expect(prod.code, both(prod)).toBe(0);
    const byRunbook = await s.golive(['rollback', '--runbook', 'guarded']);
    expect(byRunbook.code, both(byRunbook)).toBe(2); // still two environments
    expect(byRunbook.stderr).toContain('guarded on production: golive rollback');

    s.touch('healthy');
    const narrowed = await s.golive(['rollback', '--runbook', 'guarded', '--env', 'uat']);
    expect(narrowed.code, both(narrowed)).toBe(0);
    expect(s.trace()).toContain('undo-deploy-uat\nundo-migrate-uat\n');
    expect(s.trace()).not.toContain('undo-deploy-production');
  });

  it('resume picks the stopped run of the named deployment, and refuses to guess between two', async () => {
    const s = scenario();
    s.touch('break');
    const stopped = await s.deploy('uat', ['--on-failure', 'abort']);
    expect(stopped.code, both(stopped)).toBe(3);
    const other = await s.golive(['run', fixture('sequence.yaml'), '--var', `dir=${s.dir}`]);
    expect(other.code, both(other)).toBe(0);

    const refused = await s.golive(['resume']);
    expect(refused.code, both(refused)).toBe(2);
    expect(refused.stderr).toContain(`guarded on uat: golive resume ${runIdFrom(stopped.stdout)}`);
    expect(refused.stderr).toContain('sequence (no environment): nothing to resume');

    rmSync(join(s.dir, 'break'));
    const resumed = await s.golive(['resume', '--runbook', 'guarded']);
    expect(resumed.code, both(resumed)).toBe(0);
    expect(resumed.stdout).toContain(`Resuming run ${runIdFrom(stopped.stdout)}`);
    const nothing = await s.golive(['resume', '--runbook', 'sequence']);
    expect(nothing.code, both(nothing)).toBe(2);
    expect(nothing.stderr).toMatch(/Nothing to resume: run \S+ \(sequence, run started .*: succeeded\) did not stop half-way/);
  });
});

describe.concurrent('honest words at the end of a rollback', () => {
  it('restore checks that fail end as restore-unverified; after the fix, golive rollback runs them again and the run ends restored', async () => {
    const s = scenario();
    const run = await s.deploy('uat');
    const runId = runIdFrom(run.stdout);
    const rollback = await s.golive(['rollback', runId]);
    expect(rollback.code, both(rollback)).toBe(3);
    expect(rollback.stdout).toContain('✖ restore-unverified');
    expect(rollback.stdout).toContain('rollback.verify failed: check the system; after fixing it, run the restore checks again:');
    expect(rollback.stdout).not.toContain('fix the failed rollback');
    const undone = s.trace();

    s.touch('healthy');
    const recheck = await s.golive(['rollback', runId]);
    expect(recheck.code, both(recheck)).toBe(0);
    expect(s.trace()).toBe(undone); // no undo ran twice
    const runs = readJournal(s.db);
    expect(runs.map((r) => [r.mode, r.outcome])).toEqual([
      ['run', 'succeeded'],
      ['rollback', 'restore-unverified'],
      ['rollback', 'rolled-back'],
    ]);
    expect(verifyJournal(s.db).ok).toBe(true);
  });
});
