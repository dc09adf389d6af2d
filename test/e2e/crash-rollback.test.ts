/**
 * Faults never repeat an action: golive killed (`kill -9`) in the middle of a
 * rollback, or in the middle of a step, and then run again. The undo of each
 * step must be applied exactly once (counted in a trace file), a command the
 * dead golive left running must never be raced (exit 5 naming the kill that
 * stops it), and the journal must still verify. Each trial kills at another
 * instant.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, type TestContext } from 'vitest';
import { both, type GoliveResult, removeTempDirs, repoRoot, runGolive, tempDir } from './helpers.js';
import { isAlive, killAll, pidsIn, readJournal, runIdFrom, startGolive, verifyJournal, waitUntil } from './process-helpers.js';

afterAll(() => removeTempDirs());

const fixture = (name: string) => join(repoRoot, 'test', 'fixtures', 'runbooks', name);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A deployment of `runbook` that succeeded, in its own directory and journal. */
async function deployed(runbook: string, context: TestContext, undoSeconds = '0.8') {
  const dir = tempDir();
  const db = join(dir, 'golive.db');
  const golive = (args: string[]) => runGolive([...args, '--db', db], { cwd: dir, timeoutMs: 20_000 });
  const run = await golive(['run', fixture(runbook), '--var', `dir=${dir}`, '--var', `undo_s=${undoSeconds}`]);
  expect(run.code, both(run)).toBe(0);
  context.onTestFinished(() => killAll(pidsIn(join(dir, 'undo.pids')).map((pid) => -pid)));
  const trace = () => (existsSync(join(dir, 'trace')) ? readFileSync(join(dir, 'trace'), 'utf8') : '');
  const count = (line: string) =>
    trace()
      .split('\n')
      .filter((l) => l === line).length;
  return { dir, db, runId: runIdFrom(run.stdout), golive, trace, count };
}

/** Start `golive rollback <run>` and SIGKILL it `delayMs` after its trace shows `line`. */
async function killRollbackAfter(s: Awaited<ReturnType<typeof deployed>>, line: string, delayMs: number): Promise<void> {
  const rollback = startGolive(['rollback', s.runId, '--db', s.db], { cwd: s.dir });
  await waitUntil(() => s.count(line) > 0, `the rollback to write ${line}`);
  await sleep(delayMs);
  rollback.child.kill('SIGKILL');
  expect((await rollback.exited).signal).toBe('SIGKILL');
}

/**
 * Roll back again until it stops refusing because of the orphan. Returns
 * the first answer and the last.
 */
async function rollbackAgain(s: Awaited<ReturnType<typeof deployed>>, extra: string[] = []): Promise<{ first: GoliveResult; last: GoliveResult }> {
  const first = await s.golive(['rollback', s.runId, ...extra]);
  let last = first;
  for (let i = 0; last.code === 5 && i < 60; i++) {
    await sleep(200);
    last = await s.golive(['rollback', s.runId, ...extra]);
  }
  return { first, last };
}

// Kill instants: while an undo's command sleeps (its group outlives golive),
// and just after one (between two undos, or during the validation).
const INSTANTS: Array<[string, number]> = [
  ['undo-c', 0],
  ['undo-c', 500],
  ['undo-c', 850],
  ['undo-b', 100],
  ['undo-b', 790],
  ['undo-a', 300],
];

describe.concurrent('kill -9 of golive rollback, then golive rollback again', () => {
  it.for(INSTANTS)('killed after %s + %i ms: every undo applied exactly once, the orphan never raced', async ([line, delayMs], context) => {
    const s = await deployed('undo-once.yaml', context);
    await killRollbackAfter(s, line, delayMs);
    const { first, last } = await rollbackAgain(s);
    if (first.code === 5) {
      // The killed rollback's command still ran: refused, naming what stops it.
      // By its recorded process group; or, killed before golive recorded it, by the run and step ids in its environment.
      expect(first.stderr).toMatch(/the rollback of step [abc] of run \S+ is still running as (process group \d+|process(es)? [\d, ]+)/);
      expect(first.stderr).toMatch(/kill -TERM -?\d+/);
    }
    // An undo whose command never got to write its line fails its validation: run again only when told to.
    const final = last.code === 3 && /--rerun-in-doubt/.test(last.stdout) ? await s.golive(['rollback', s.runId, '--rerun-in-doubt']) : last;
    expect(final.code, both(final)).toBe(0);
    expect(['undo-a', 'undo-b', 'undo-c'].map((l) => [l, s.count(l)])).toEqual([
      ['undo-a', 1],
      ['undo-b', 1],
      ['undo-c', 1],
    ]);
    expect(readJournal(s.db).at(-1)).toMatchObject({ mode: 'rollback', outcome: 'rolled-back' });
    expect(verifyJournal(s.db).ok).toBe(true);
  });

  it('while the killed undo still runs the next rollback refuses (exit 5); once it ended, its validation proves it done', async (context) => {
    const s = await deployed('undo-once.yaml', context, '3');
    await killRollbackAfter(s, 'undo-c', 0);
    const { first, last } = await rollbackAgain(s);
    expect(first.code, both(first)).toBe(5);
    expect(last.code, both(last)).toBe(0);
    expect(last.stdout).toContain('will undo, in order: c (in doubt: an earlier rollback of it never ended) → b → a');
    expect(last.stdout).toMatch(/in-doubt c: done — its validation passed on the next rollback/);
    expect(s.count('undo-c')).toBe(1);
  });

  it('an undo left in doubt with no validation is not run again: exit 3 until --rerun-in-doubt', async (context) => {
    const s = await deployed('undo-unproven.yaml', context, '3');
    await killRollbackAfter(s, 'undo-c', 100);
    const { first, last } = await rollbackAgain(s);
    expect(first.code, both(first)).toBe(5);
    expect(last.code, both(last)).toBe(3);
    expect(last.stdout).toContain('the rollback of step c is in doubt');
    expect(last.stdout).toMatch(/aborted in .* \(exit 3\)/);
    expect(last.stdout).toContain(`golive rollback `);
    expect(s.count('undo-c')).toBe(1);
    expect(s.count('undo-b')).toBe(0); // nothing after the doubtful undo ran either

    const forced = await s.golive(['rollback', s.runId, '--rerun-in-doubt']);
    expect(forced.code, both(forced)).toBe(0);
    expect(s.count('undo-c')).toBe(2); // the operator asked for it, and it is recorded so
    expect(s.count('undo-b')).toBe(1);
    expect(forced.stdout).toMatch(/in-doubt c: rerun — it has no validation to prove it finished; re-run \(--rerun-in-doubt\)/);
    expect(verifyJournal(s.db).ok).toBe(true);
  });
});

describe.concurrent('kill -9 of golive run mid-step, then golive run again', () => {
  it('refuses while the killed step still runs (exit 5, naming the group and the kill), then takes over and records the check', async (context) => {
    const dir = tempDir();
    const db = join(dir, 'golive.db');
    const args = ['run', fixture('crash.yaml'), '--var', `dir=${dir}`, '--db', db];
    const first = startGolive([...args, '--json'], { cwd: dir });
    const pidFile = join(dir, 'slow.pid');
    context.onTestFinished(() => {
      if (existsSync(pidFile)) killAll([-Number(readFileSync(pidFile, 'utf8'))]);
    });
    await waitUntil(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'), 'the slow step to start');
    first.child.kill('SIGKILL');
    await first.exited;
    const orphan = Number(readFileSync(pidFile, 'utf8'));
    expect(isAlive(orphan)).toBe(true);

    const raced = await runGolive(args, { cwd: dir });
    expect(raced.code, both(raced)).toBe(5);
    expect(raced.stderr).toMatch(new RegExp(`still runs as (process group ${orphan}|process(es)? [\\d, ]*\\b${orphan}\\b)`));
    expect(raced.stderr).toMatch(new RegExp(`kill -TERM (-${orphan}|[\\d ]*\\b${orphan}\\b)`));
    expect(readJournal(db)).toHaveLength(1); // the refused run was never recorded
    expect(readFileSync(join(dir, 'trace'), 'utf8')).toBe('before\nslow-start\n'); // and ran nothing

    await waitUntil(() => !isAlive(orphan), 'the orphaned step to end', 10_000);
    const after = await runGolive([...args, '--json'], { cwd: dir });
    expect(after.code, both(after)).toBe(0);
    expect(after.stdout).toMatch(
      /took over a stale lock of run \S+ .*its commands in flight have ended \((process group \d+ gone|no process of theirs left)\)/,
    );
    expect(
      readFileSync(join(dir, 'trace'), 'utf8')
        .split('\n')
        .filter((l) => l === 'slow-start'),
    ).toHaveLength(2);
    expect(verifyJournal(db).ok).toBe(true);
  });
});
