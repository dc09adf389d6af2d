/**
 * The plan facts a run keeps (journal migration 3): `golive status` reads the
 * steps, owners and expected durations from them instead of parsing the
 * run's runbook snapshot, and a run recorded without them (by an older
 * golive) still reads the same from its snapshot.
 */
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { both, removeTempDirs, repoRoot, runGolive, tempDir } from './helpers.js';
import { readJournal, startGolive, waitUntil } from './process-helpers.js';

afterAll(() => removeTempDirs());

const runbook = join(repoRoot, 'test', 'fixtures', 'status', 'three-steps.yaml');

/** The parts of a status update that do not move with the clock. */
function steady(stdout: string): Record<string, unknown> {
  const { at, eta, current, activity, ...rest } = JSON.parse(stdout);
  return {
    ...rest,
    activity: activity.replace(/[\d.]+m?s elapsed/, 'N elapsed'),
    current: current.map(({ elapsedMs, ...command }: { elapsedMs: number }) => command),
  };
}

describe('golive status and the plan facts kept with a run', () => {
  it('records them when the run starts, and says the same from them as from the snapshot of a run without them', async () => {
    const dir = tempDir();
    const db = join(dir, 'g.db');
    const run = startGolive(['run', runbook, '--db', db], { cwd: dir });
    await waitUntil(() => {
      try {
        return readJournal(db).some((r) => r.events.some((e) => e.kind === 'step.started' && e.data.stepId === 'migrate'));
      } catch {
        return false;
      }
    }, 'the journal to record that migrate started');

    const journal = new BetterSqlite3(db, { timeout: 5000 });
    const stored = journal.prepare('SELECT plan_facts FROM runs').pluck().get() as string;
    expect(JSON.parse(stored)).toEqual({
      steps: [
        { id: 'prepare', title: 'Prepare the release', owner: 'devops', expectedMs: 60_000 },
        { id: 'migrate', title: 'Run database migrations', owner: 'dba', expectedMs: 300_000 },
        { id: 'configure', title: 'Update configuration', owner: 'devops', expectedMs: 120_000 },
      ],
      checks: [],
      smokeTests: [],
    });
    const fromFacts = await runGolive(['status', '--db', db, '--json'], { cwd: dir });
    expect(fromFacts.code, both(fromFacts)).toBe(0);
    expect(JSON.parse(fromFacts.stdout)).toMatchObject({ nextSteps: ['Update configuration'], progress: { completed: 1, total: 3 } });

    // As a run recorded before golive kept plan facts: only its snapshot says what was planned.
    journal.prepare('UPDATE runs SET plan_facts = NULL').run();
    journal.close();
    const fromSnapshot = await runGolive(['status', '--db', db, '--json'], { cwd: dir });
    expect(fromSnapshot.code, both(fromSnapshot)).toBe(0);
    expect(steady(fromSnapshot.stdout)).toEqual(steady(fromFacts.stdout));
    const ran = await run.exited;
    expect(ran.code, ran.stderr).toBe(0);
  });
});
