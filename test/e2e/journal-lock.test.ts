/**
 * Where the journal lives and the machine-wide deployment lock, through the
 * built binary: projects are temp directories with a `.git`, runbooks sit in
 * their `runbooks/`, and every step appends to a `ran` file, so which runs
 * really executed is read from the outside.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { both, type GoliveResult, removeTempDirs, runGolive, tempDir } from './helpers.js';
import { isAlive, jsonEvents, readJournal, runIdFrom, startGolive, waitUntil } from './process-helpers.js';

afterAll(() => removeTempDirs());

/** `hold` waits until the test creates `release-<tag>` (nothing to undo); `change` fails when `fail=yes` and is undone by its rollback. */
const RUNBOOK = `golive: 1
name: lock-e2e
environments:
  uat: {}
vars:
  marks: /dev/null/pass--var-marks
  tag: none
  fail: "no"
steps:
  - id: hold
    run: |
      echo "hold {{ vars.tag }}" >> "{{ vars.marks }}/ran"
      echo $$ > "{{ vars.marks }}/pid-{{ vars.tag }}"
      for i in $(seq 300); do [ -e "{{ vars.marks }}/release-{{ vars.tag }}" ] && exit 0; sleep 0.05; done
      exit 1
    rollback: "true"
  - id: change
    run: |
      echo "change {{ vars.tag }}" >> "{{ vars.marks }}/ran"
      test "{{ vars.fail }}" != yes
    rollback: echo "undo {{ vars.tag }}" >> "{{ vars.marks }}/ran"
`;

/** A checkout: a directory with `.git` and `runbooks/release.yaml`; its journal is `.golive/golive.db` at its root. */
function checkout(name: string) {
  const dir = join(tempDir('golive-e2e-checkout-'), name);
  mkdirSync(join(dir, '.git'), { recursive: true });
  mkdirSync(join(dir, 'runbooks', 'deep'), { recursive: true });
  const runbook = join(dir, 'runbooks', 'release.yaml');
  writeFileSync(runbook, RUNBOOK);
  return { dir, runbook, journal: join(dir, '.golive', 'golive.db') };
}

/** A directory for the `ran` file, pid files and release files. */
function marksDir() {
  const marks = tempDir('golive-e2e-marks-');
  return {
    marks,
    ran: () => (existsSync(join(marks, 'ran')) ? readFileSync(join(marks, 'ran'), 'utf8') : ''),
    release: (tag: string) => writeFileSync(join(marks, `release-${tag}`), ''),
    pid: (tag: string) => Number(readFileSync(join(marks, `pid-${tag}`), 'utf8').trim()),
  };
}

const vars = (marks: string, tag: string, ...extra: string[]) => ['--env', 'uat', '--var', `marks=${marks}`, '--var', `tag=${tag}`, ...extra];

describe('the machine-wide deployment lock', () => {
  it('refuses a second run of the same runbook and environment from another checkout, another directory or another journal (exit 5, naming the holder); check and dry runs do not lock', async () => {
    const locks = { GOLIVE_LOCK_DIR: tempDir('golive-e2e-shared-locks-') };
    const a = checkout('a');
    const b = checkout('b');
    const m = marksDir();
    const first = startGolive(['run', a.runbook, ...vars(m.marks, 'a'), '--operator', 'ana', '--json'], { cwd: a.dir, env: locks });
    await first.waitForOutput(/"kind":"step\.started".*"stepId":"hold"/);
    const holderId = runIdFrom(first.stdout());
    expect(jsonEvents(first.stdout())[0]).toMatchObject({ kind: 'run.started', journal: a.journal });

    const holder = `runbook lock-e2e in uat is locked by run ${holderId} on this machine (pid ${first.pid} on ${hostname()}, operator ana, since `;
    const attempts: Array<[string, Promise<GoliveResult>]> = [
      ['another checkout, its own journal', runGolive(['run', b.runbook, ...vars(m.marks, 'b')], { cwd: b.dir, env: locks })],
      ['the same checkout from another directory', runGolive(['run', a.runbook, ...vars(m.marks, 'c')], { cwd: tempDir(), env: locks })],
      [
        'the same checkout with --db elsewhere',
        runGolive(['run', a.runbook, ...vars(m.marks, 'd'), '--db', join(tempDir(), 'other.db')], { cwd: a.dir, env: locks }),
      ],
    ];
    for (const [what, attempt] of attempts) {
      const refused = await attempt;
      expect(refused.code, `${what}\n${both(refused)}`).toBe(5);
      expect(refused.stderr, what).toContain(holder);
      expect(refused.stderr, what).toContain(`, journal ${a.journal})\n  hint: wait for it to finish, or check \`golive status ${holderId}`);
      expect(refused.stdout, what).toBe('');
    }
    // The checklist alone and a dry run change nothing: they run while the deployment is locked.
    const check = await runGolive(['check', b.runbook, ...vars(m.marks, 'b')], { cwd: b.dir, env: locks });
    expect(check.code, both(check)).toBe(0);
    const dry = await runGolive(['run', b.runbook, ...vars(m.marks, 'b'), '--dry-run'], { cwd: b.dir, env: locks });
    expect(dry.code, both(dry)).toBe(0);

    m.release('a');
    const done = await first.exited;
    expect(done.code, done.stderr).toBe(0);
    expect(m.ran()).toBe('hold a\nchange a\n');
    expect(readJournal(a.journal).map((r) => r.id)).toEqual([holderId]);
    expect(readJournal(b.journal).map((r) => r.mode)).toEqual(['check', 'dry-run']);
  });

  it('after kill -9 of the holder the next run takes the lock, and the journal lock is taken over as stale', async () => {
    const locks = { GOLIVE_LOCK_DIR: tempDir('golive-e2e-shared-locks-') };
    const a = checkout('a');
    const b = checkout('b');
    const m = marksDir();
    const killed = startGolive(['run', a.runbook, ...vars(m.marks, 'killed'), '--json'], { cwd: a.dir, env: locks });
    await killed.waitForOutput(/"kind":"step\.started".*"stepId":"hold"/);
    await waitUntil(
      () => existsSync(join(m.marks, 'pid-killed')) && readFileSync(join(m.marks, 'pid-killed'), 'utf8').endsWith('\n'),
      'the hold step to start',
    );
    const killedId = runIdFrom(killed.stdout());
    const refused = await runGolive(['run', b.runbook, ...vars(m.marks, 'b')], { cwd: b.dir, env: locks });
    expect(refused.code, both(refused)).toBe(5);
    killed.child.kill('SIGKILL');
    await killed.exited;
    // The step's process group outlives golive; stop it, so nothing of the killed run still runs.
    const group = m.pid('killed');
    process.kill(-group, 'SIGKILL');
    await waitUntil(() => !isAlive(group), "the killed run's step to end");

    m.release('b');
    const other = await runGolive(['run', b.runbook, ...vars(m.marks, 'b')], { cwd: b.dir, env: locks });
    expect(other.code, both(other)).toBe(0);
    m.release('again');
    const again = await runGolive(['run', a.runbook, ...vars(m.marks, 'again')], { cwd: a.dir, env: locks });
    expect(again.code, both(again)).toBe(0);
    expect(again.stdout).toContain(`took over a stale lock of run ${killedId}`);
    expect(m.ran()).toBe('hold killed\nhold b\nchange b\nhold again\nchange again\n');
  });

  it('an unusable lock directory is exit 5 naming it and GOLIVE_LOCK_DIR; nothing runs and no journal is made', async () => {
    const a = checkout('a');
    const m = marksDir();
    const notADir = join(tempDir(), 'locks');
    writeFileSync(notADir, '');
    const result = await runGolive(['run', a.runbook, ...vars(m.marks, 'a')], { cwd: a.dir, env: { GOLIVE_LOCK_DIR: notADir } });
    expect(result.code, both(result)).toBe(5);
    expect(result.stderr).toBe(
      `golive: the lock directory ${notADir} is not a directory; without the deployment lock nothing was executed\n` +
        `  hint: make ${notADir} a directory every operator can write to, or point GOLIVE_LOCK_DIR at one\n`,
    );
    expect(m.ran()).toBe('');
    expect(existsSync(a.journal)).toBe(false);
  });
});

describe('finding the journal', () => {
  it("a run started anywhere writes to the runbook's project journal, names it in its header, and the read commands find it from any directory inside the project", async () => {
    const p = checkout('project');
    const m = marksDir();
    const outside = tempDir();
    m.release('ok');
    m.release('bad');
    const ok = await runGolive(['run', p.runbook, ...vars(m.marks, 'ok')], { cwd: outside });
    expect(ok.code, both(ok)).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`▶ run [0-9A-Z]{26}: lock-e2e on uat by .* expected .*\\n    journal: ${p.journal}\\n`));
    const bad = await runGolive(['run', p.runbook, ...vars(m.marks, 'bad', '--var', 'fail=yes', '--on-failure', 'abort')], { cwd: outside });
    expect(bad.code, both(bad)).toBe(3);
    const badId = runIdFrom(bad.stdout);
    // From outside the project the journal is not found: the advice names it.
    expect(bad.stdout).toContain(`golive rollback ${badId} --db ${p.journal}`);
    expect(existsSync(join(outside, '.golive'))).toBe(false);
    expect(readJournal(p.journal)).toHaveLength(2);

    const deep = join(p.dir, 'runbooks', 'deep');
    const history = await runGolive(['history', '--json'], { cwd: deep });
    expect(history.code, both(history)).toBe(0);
    expect((JSON.parse(history.stdout) as Array<{ id: string }>)[0].id).toBe(badId);
    for (const args of [
      ['status', badId],
      ['show', badId],
      ['report', badId],
      ['audit', 'verify'],
      ['audit', 'export', '--run', badId],
    ]) {
      const result = await runGolive(args, { cwd: deep });
      expect(result.code, `${args.join(' ')}\n${both(result)}`).toBe(0);
      expect(result.stdout, args.join(' ')).toContain(args[0] === 'audit' && args[1] === 'verify' ? p.journal : badId);
    }
    const estimate = await runGolive(['estimate', p.runbook, '--env', 'uat'], { cwd: outside });
    expect(estimate.stdout).toContain(`from ${p.journal}`);

    const rollback = await runGolive(['rollback', badId], { cwd: join(p.dir, 'runbooks') });
    expect(rollback.code, both(rollback)).toBe(0);
    expect(rollback.stdout).toContain(`    journal: ${p.journal}\n`);
    expect(m.ran()).toBe('hold ok\nchange ok\nhold bad\nchange bad\nundo bad\n');
    // resume finds the same journal, and the run in it: rolled back, nothing to resume.
    const resume = await runGolive(['resume', badId], { cwd: deep });
    expect(resume.code, both(resume)).toBe(2);
    expect(resume.stderr).toContain(`run ${badId} was rolled back`);
  });

  it('outside any project: history says there are no runs; other read commands exit 6 (the journal cannot be used: missing) saying where they looked and naming --db / GOLIVE_DB', async () => {
    const outside = tempDir();
    const looked = `no audit journal found: looked for .golive/golive.db in ${outside} and every directory up to /`;
    const history = await runGolive(['history'], { cwd: outside });
    expect(history.code, both(history)).toBe(0);
    expect(history.stdout).toContain(`No runs recorded yet: ${looked}.`);
    for (const args of [['status'], ['show', '01XXXXXXXXXX'], ['report', '01XXXXXXXXXX'], ['audit', 'verify'], ['audit', 'export'], ['rollback'], ['resume']]) {
      const result = await runGolive(args, { cwd: outside });
      expect(result.code, `${args.join(' ')}\n${both(result)}`).toBe(6);
      expect(result.stderr, args.join(' ')).toMatch(
        new RegExp(`^golive: ${looked.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n  hint: .*--db <path> or GOLIVE_DB\\n$`),
      );
    }
    expect(existsSync(join(outside, '.golive'))).toBe(false);
  });

  it('check and dry runs name their journal in the header too', async () => {
    const p = checkout('project');
    const m = marksDir();
    for (const args of [
      ['check', p.runbook],
      ['run', p.runbook, '--dry-run'],
    ]) {
      const result = await runGolive([...args, ...vars(m.marks, 'x')], { cwd: tempDir() });
      expect(result.code, both(result)).toBe(0);
      expect(result.stdout, args.join(' ')).toContain(`\n    journal: ${p.journal}\n`);
    }
  });
});
