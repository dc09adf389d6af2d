/** Migration 3 of the SQLite journal: a file written before runs kept their plan facts and running runs had an index. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/journal/hash-chain.ts';
import { SqliteJournal } from '../../src/journal/sqlite/journal.ts';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/journal/sqlite/migrations.ts';
import type { PlanFacts } from '../../src/journal/types.ts';
import { newRun, RUNBOOK_TEXT, tempDbPath } from './helpers.ts';

/** A journal file at schema version 2 holding one finished run and one still running. */
function versionTwoFile(): string {
  const path = tempDbPath();
  mkdirSync(dirname(path), { recursive: true });
  const db = new BetterSqlite3(path);
  for (const migration of MIGRATIONS.slice(0, 2)) db.exec(migration.sql);
  db.pragma('user_version = 2');
  const insert = db.prepare(
    `INSERT INTO runs (id, root_run_id, mode, runbook_name, runbook_path, runbook_text, runbook_sha256, operator, host, pid, started_at, heartbeat_at, outcome)
     VALUES (?, ?, 'run', 'webshop-release', 'webshop.yaml', ?, ?, 'ana', 'deploy-host', 1, ?, ?, ?)`,
  );
  insert.run('RUN-OLD', 'RUN-OLD', RUNBOOK_TEXT, sha256Hex(RUNBOOK_TEXT), '2026-11-30T09:00:00.000Z', '2026-11-30T09:00:00.000Z', 'succeeded');
  insert.run('RUN-LIVE', 'RUN-LIVE', RUNBOOK_TEXT, sha256Hex(RUNBOOK_TEXT), '2026-11-30T10:00:00.000Z', '2026-11-30T10:00:00.000Z', 'running');
  db.close();
  return path;
}

describe('migration 3: plan facts and the running-runs index', () => {
  it('reads runs recorded before it as before, with no plan facts (their snapshot tells), and keeps them for new runs', async () => {
    const path = versionTwoFile();
    // A read-only open completes an older schema first (see openReadonly).
    const reader = SqliteJournal.open(path, { readonly: true });
    try {
      expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(3);
      expect(await reader.getRun('RUN-OLD')).toMatchObject({ operator: 'ana', outcome: 'succeeded', runbookText: RUNBOOK_TEXT });
      expect(await reader.planFacts('RUN-OLD')).toBeNull();
      expect((await reader.runningRuns()).map((run) => run.id)).toEqual(['RUN-LIVE']);
    } finally {
      await reader.close();
    }
    const writer = SqliteJournal.open(path);
    try {
      const planFacts: PlanFacts = {
        description: null,
        window: null,
        protectedEnvironment: false,
        team: { dba: 'Li Wei' },
        people: {},
        steps: [{ id: 'backup', title: 'Back up', owner: 'dba', expectedMs: 60_000 }],
        checks: [],
        verify: [],
        rollbackVerify: [],
      };
      await writer.createRun(newRun({ id: 'RUN-NEW', planFacts }));
      expect(await writer.planFacts('RUN-NEW')).toEqual(planFacts);
      expect(writer.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    } finally {
      await writer.close();
    }
  });

  it('finds the running runs through the partial index, not a scan of every run', () => {
    const path = versionTwoFile();
    SqliteJournal.open(path).db.close();
    const db = new BetterSqlite3(path, { readonly: true });
    try {
      const plan = db.prepare("EXPLAIN QUERY PLAN SELECT id FROM runs WHERE outcome = 'running' ORDER BY started_at DESC, rowid DESC").all() as Array<{
        detail: string;
      }>;
      expect(plan.map((step) => step.detail).join('\n')).toContain('USING INDEX runs_running');
    } finally {
      db.close();
    }
  });

  it('reports plan facts that are not what golive wrote as damage (exit 6), not as a crash', async () => {
    const path = versionTwoFile();
    const journal = SqliteJournal.open(path);
    try {
      journal.db.prepare("UPDATE runs SET plan_facts = '{not json' WHERE id = 'RUN-OLD'").run();
      await expect(journal.planFacts('RUN-OLD')).rejects.toMatchObject({ exitCode: 6, message: expect.stringContaining('plan facts of run RUN-OLD') });
    } finally {
      await journal.close();
    }
  });
});
