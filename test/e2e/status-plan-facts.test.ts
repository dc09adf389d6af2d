/**
 * The plan facts a run keeps (journal migration 3): `golive status` reads the
 * steps, owners and expected durations from them instead of parsing the
 * run's runbook snapshot, and a run recorded without them (by an older
 * golive) still reads the same from its snapshot.
 */
import { writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
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
      description: null,
      window: null,
      protectedEnvironment: false,
      team: { devops: 'Sam Okafor', dba: 'Li Wei' },
      people: {},
      steps: [
        { id: 'prepare', title: 'Prepare the release', owner: 'devops', expectedMs: 60_000 },
        { id: 'migrate', title: 'Run database migrations', owner: 'dba', expectedMs: 300_000 },
        { id: 'configure', title: 'Update configuration', owner: 'devops', expectedMs: 120_000 },
      ],
      checks: [],
      verify: [],
      rollbackVerify: [],
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

  it('makes the same report and show of a finished run from them as from the snapshot of a run without them', async () => {
    const dir = tempDir();
    const db = join(dir, 'g.db');
    const runbook = join(dir, 'release.yaml');
    writeFileSync(
      runbook,
      [
        'golive: 1',
        'name: release',
        'description: The release of the week',
        'window: { start: "2026-01-01T00:00:00Z", end: "2099-01-01T00:00:00Z" }',
        'team:',
        `  dba: { name: Li Wei, user: ${userInfo().username} }`,
        'checks:',
        '  - { id: disk, title: Disk has room, run: "true", blocking: false }',
        'steps:',
        '  - { id: backup, title: Back up the database, owner: dba, run: "true", duration: 2m }',
        '  - id: restart',
        '    parallel:',
        '      - { id: web-1, run: "true" }',
        '      - { id: web-2, run: "true", duration: 30s }',
        'verify:',
        '  - { id: home, title: Home page answers, owner: dba, run: "true", severity: minor }',
        '',
      ].join('\n'),
    );
    const ran = await runGolive(['run', runbook, '--db', db], { cwd: dir });
    expect(ran.code, both(ran)).toBe(0);
    const runId = /run ([0-9A-Z]{26})/.exec(ran.stdout)![1];
    const read = async () => {
      const results = await Promise.all([
        runGolive(['report', runId, '--format', 'md', '--db', db], { cwd: dir }),
        runGolive(['report', runId, '--format', 'json', '--db', db], { cwd: dir }),
        runGolive(['show', runId, '--db', db], { cwd: dir }),
      ]);
      for (const result of results) expect(result.code, both(result)).toBe(0);
      const [md, json, show] = results.map((r) => r.stdout);
      return { md: md.replace(/generated .*/, 'generated …'), json: { ...JSON.parse(json), generatedAt: '…' }, show };
    };
    const fromFacts = await read();
    expect(fromFacts.md).toContain('Li Wei');
    expect(fromFacts.md).toContain('The release of the week');
    expect(fromFacts.show).toContain('Li Wei');

    const journal = new BetterSqlite3(db);
    journal.prepare('UPDATE runs SET plan_facts = NULL').run();
    journal.close();
    expect(await read()).toEqual(fromFacts);
  });
});
