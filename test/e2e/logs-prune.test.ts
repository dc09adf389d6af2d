/**
 * `golive logs prune` on a real journal: two runs made by the built binary,
 * one of them made to have ended 100 days ago; the prune deletes only that
 * run's log folder, leaves every event as it was, and show and report of the
 * old run then say its log was pruned.
 */

import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { both, removeTempDirs, runGolive, tempDir } from './helpers.js';

const RUNBOOK = `golive: 1
name: prune
steps:
  - id: greet
    run: echo hello
  - id: fail
    run: echo oops; exit 1
`;

let dir: string;
let db: string;
let oldRun: string;
let newRun: string;
const golive = (args: string[]) => runGolive([...args, '--db', db], { cwd: dir, env: { CI: 'true' } });
const exportEvents = async () => (await golive(['audit', 'export'])).stdout;

beforeAll(async () => {
  dir = tempDir();
  db = join(dir, 'journal.db');
  writeFileSync(join(dir, 'prune.yaml'), RUNBOOK);
  for (let i = 0; i < 2; i++) expect((await golive(['run', 'prune.yaml', '--on-failure', 'abort'])).code).toBe(3);
  const runs = JSON.parse((await golive(['history', '--json'])).stdout) as Array<{ id: string }>;
  [newRun, oldRun] = runs.map((r) => r.id);
  // The older run ended 100 days ago (the run row only: its events keep their own times).
  const sqlite = new BetterSqlite3(db);
  sqlite.prepare('UPDATE runs SET ended_at = ? WHERE id = ?').run(new Date(Date.now() - 100 * 86_400_000).toISOString(), oldRun);
  sqlite.close();
}, 60_000);

afterAll(removeTempDirs);

describe('golive logs prune', () => {
  it('lists with --dry-run what it would delete, and deletes nothing', async () => {
    const dry = await golive(['logs', 'prune', '--older-than', '90d', '--dry-run', '--json']);
    expect(dry.code, both(dry)).toBe(0);
    const result = JSON.parse(dry.stdout);
    expect(result).toMatchObject({ dryRun: true, olderThan: '90d', runs: [{ id: oldRun, files: 2 }], files: 2 });
    expect(result.bytes).toBeGreaterThan(0);
    expect(existsSync(join(dir, 'logs', oldRun))).toBe(true);
  });

  it('refuses an age it cannot read, or none, with exit 2 and an example', async () => {
    const bad = await golive(['logs', 'prune', '--older-than', '90x']);
    expect(bad.code, both(bad)).toBe(2);
    expect(bad.stderr).toMatch(/--older-than 90x: expected a whole number of hours, days or weeks/);
    expect(bad.stderr).toMatch(/--older-than 90d/);
    const none = await golive(['logs', 'prune']);
    expect(none.code, both(none)).toBe(2);
    expect(none.stderr).toMatch(/logs prune needs --older-than <age>/);
    expect(existsSync(join(dir, 'logs', oldRun))).toBe(true);
  });

  it("deletes the old run's log folder only, never an event, and show and report then say the log was pruned", async () => {
    const before = await exportEvents();
    const pruned = await golive(['logs', 'prune', '--older-than', '90d']);
    expect(pruned.code, both(pruned)).toBe(0);
    expect(pruned.stdout).toMatch(/^Pruned the logs of 1 run \(2 files, [\d.]+ B\) that ended before /);
    expect(existsSync(join(dir, 'logs', oldRun))).toBe(false);
    expect(readdirSync(join(dir, 'logs', newRun)).length).toBeGreaterThan(0);
    expect(await exportEvents()).toBe(before);

    const show = await golive(['show', oldRun]);
    expect(show.code, both(show)).toBe(0);
    const today = new Date().toISOString().slice(0, 10);
    expect(show.stdout).toContain(`log: ${join(dir, 'logs', oldRun, 'fail.log')} (pruned on ${today} by golive logs prune --older-than 90d)`);
    expect(show.stdout).not.toMatch(/missing/);
    const report = await golive(['report', oldRun, '--format', 'md']);
    expect(report.code, both(report)).toBe(0);
    expect(report.stdout).toContain(`(pruned on ${today} by golive logs prune --older-than 90d)`);
    // The recent run's logs are where they were, and say nothing of a prune.
    expect((await golive(['show', newRun])).stdout).not.toMatch(/pruned/);

    const again = await golive(['logs', 'prune', '--older-than', '90d']);
    expect(again.stdout).toMatch(/^No logs to prune in /);
  });
});
