/**
 * `golive status` end to end: a real `golive run` in the background writes
 * the journal while `golive status`, another process, reads it (WAL); then
 * the finished run's outcome, `--watch` in a pipe, and the usage errors.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { both, removeTempDirs, repoRoot, runGolive, tempDir } from './helpers.js';
import { readJournal, startGolive, waitUntil } from './process-helpers.js';

afterAll(() => removeTempDirs());

const runbook = join(repoRoot, 'test', 'fixtures', 'status', 'three-steps.yaml');

/** Whether the journal at `db` has recorded that `stepId` started (false while the file does not exist yet). */
function stepStarted(db: string, stepId: string): boolean {
  try {
    return readJournal(db).some((run) => run.events.some((e) => e.kind === 'step.started' && e.data.stepId === stepId));
  } catch {
    return false;
  }
}

describe('golive status', () => {
  it('reads a live run from another process, follows it with --watch, and shows the outcome once it ends', async () => {
    const dir = tempDir();
    const db = join(dir, 'g.db');
    const run = startGolive(['run', runbook, '--db', db], { cwd: dir });
    await waitUntil(() => stepStarted(db, 'migrate'), 'the journal to record that migrate started');

    const [text, json] = await Promise.all([runGolive(['status', '--db', db], { cwd: dir }), runGolive(['status', '--db', db, '--json'], { cwd: dir })]);
    expect(text.code, both(text)).toBe(0);
    expect(text.stdout).toMatch(/^status-demo 1\.4\.0 — run [0-9A-Z]{26}\nStatus Update - \d\d:\d\d\n/);
    expect(text.stdout).toMatch(/^Current Activity: Run database migrations \(dba\) — [\d.]+m?s elapsed of 5m expected$/m);
    expect(text.stdout).toContain('Progress: 1 of 3 steps completed\nStatus: On Track\nIssues: none\nNext Steps: Update configuration\nETA: ');
    expect(json.code, both(json)).toBe(0);
    const update = JSON.parse(json.stdout);
    expect(update).toMatchObject({ runbook: 'status-demo', runStatus: 'running', finished: false, status: 'On Track', progress: { completed: 1, total: 3 } });
    expect(update.current).toMatchObject([{ stepId: 'migrate', owner: 'dba', expectedMs: 300_000 }]);

    // Ctrl-C ends a watch quietly, with exit 0: watching is not the deployment.
    const interrupted = startGolive(['status', '--db', db, '--watch', '--interval', '1s'], { cwd: dir });
    await interrupted.waitForOutput(/Current Activity: Run database migrations/);
    interrupted.child.kill('SIGINT');
    const stopped = await interrupted.exited;
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stderr).toBe('');

    // --watch in a pipe: one block per change, and it ends (exit 0) when the run does.
    const watch = await runGolive(['status', '--db', db, '--watch', '--interval', '1s'], { cwd: dir, timeoutMs: 20_000 });
    const ran = await run.exited;
    expect(ran.code, ran.stderr).toBe(0);
    expect(watch.code, both(watch)).toBe(0);
    const blocks = watch.stdout.split(/^(?=status-demo )/m);
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    expect(blocks[0]).toContain('Current Activity: Run database migrations (dba)');
    expect(blocks.at(-1)).toContain('Status: Succeeded');
    expect(watch.stdout).not.toContain('\x1b[');

    const after = await runGolive(['status', '--db', db], { cwd: dir });
    expect(after.code, both(after)).toBe(0);
    expect(after.stdout).toMatch(/^Current Activity: finished: succeeded at \d\d:\d\d after [\d.]+s$/m);
    expect(after.stdout).toContain('Progress: 3 of 3 steps completed\nStatus: Succeeded\nIssues: none\nNext Steps: none\nETA: finished at ');
    // Named by a prefix of its id, the same run.
    const runId = /run ([0-9A-Z]{26})/.exec(after.stdout)![1];
    const byId = await runGolive(['status', runId.slice(0, 12), '--db', db, '--json'], { cwd: dir });
    expect(JSON.parse(byId.stdout)).toMatchObject({ runId, status: 'Succeeded', finished: true });
  });

  it('--watch with no live run waits for the next one to start instead of showing a finished one, then follows it', async () => {
    const dir = tempDir();
    const db = join(dir, 'g.db');
    const earlier = await runGolive(['run', runbook, '--db', db], { cwd: dir, timeoutMs: 30_000 });
    expect(earlier.code, both(earlier)).toBe(0);
    const earlierId = /run ([0-9A-Z]{26})/.exec(earlier.stdout)![1];

    const watch = startGolive(['status', '--db', db, '--watch', '--interval', '1s'], { cwd: dir });
    await watch.waitForOutput(/No run is live in .*: waiting for one to start \(Ctrl-C to stop\)\./);
    const next = await runGolive(['run', runbook, '--db', db], { cwd: dir, timeoutMs: 30_000 });
    expect(next.code, both(next)).toBe(0);
    const nextId = /run ([0-9A-Z]{26})/.exec(next.stdout)![1];
    const watched = await watch.exited;
    expect(watched.code, watched.stderr).toBe(0);
    expect(watched.stdout).toContain(`run ${nextId}`);
    expect(watched.stdout).not.toContain(earlierId);
    expect(watched.stdout).toContain('Status: Succeeded');
  });

  it('an unknown run or a bad --interval is a usage error (exit 2), a missing journal exit 6, each with a hint', async () => {
    const dir = tempDir();
    const db = join(dir, 'g.db');
    const missing = await runGolive(['status', '--db', db], { cwd: dir });
    expect(missing.code, both(missing)).toBe(6);
    expect(missing.stderr).toContain(`golive: there is no audit journal at ${db}`);

    const seeded = await runGolive(['run', runbook, '--db', db], { cwd: dir });
    expect(seeded.code, both(seeded)).toBe(0);
    const unknown = await runGolive(['status', 'NOSUCHRUN0', '--db', db], { cwd: dir });
    expect(unknown.code, both(unknown)).toBe(2);
    expect(unknown.stderr).toBe(`golive: no run NOSUCHRUN0 in ${db}\n  hint: list runs with \`golive history\`, or run \`golive status\` for the live one\n`);
    expect(unknown.stdout).toBe('');

    const interval = await runGolive(['status', '--db', db, '--watch', '--interval', 'soon'], { cwd: dir });
    expect(interval.code, both(interval)).toBe(2);
    expect(interval.stderr).toContain('--interval soon: expected a duration');
  });
});
