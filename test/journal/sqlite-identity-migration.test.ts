/** Migration 2 of the SQLite journal: a file written before golive kept a run's identity. */
import { mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/journal/hash-chain.ts';
import { SqliteJournal } from '../../src/journal/sqlite/journal.ts';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/journal/sqlite/migrations.ts';
import { newRun, RUNBOOK_TEXT, tempDbPath } from './helpers.ts';

/** A journal file at schema version 1 holding one run. */
function versionOneFile(): string {
  const path = tempDbPath();
  mkdirSync(dirname(path), { recursive: true });
  const db = new BetterSqlite3(path);
  db.exec(MIGRATIONS[0].sql);
  db.pragma('user_version = 1');
  db.prepare(
    `INSERT INTO runs (id, root_run_id, mode, runbook_name, runbook_path, runbook_text, runbook_sha256, operator, host, pid, started_at, heartbeat_at)
     VALUES ('RUN-OLD', 'RUN-OLD', 'run', 'webshop-release', 'webshop.yaml', ?, ?, 'ana', 'deploy-host', 1, '2026-11-30T09:00:00.000Z', '2026-11-30T09:00:00.000Z')`,
  ).run(RUNBOOK_TEXT, sha256Hex(RUNBOOK_TEXT));
  db.close();
  return path;
}

describe('migration 2: the identity of a run', () => {
  it('leaves the identity of runs recorded before it unknown, and records it for new ones', async () => {
    const journal = SqliteJournal.open(versionOneFile());
    try {
      expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(2);
      expect(await journal.getRun('RUN-OLD')).toMatchObject({ operator: 'ana', identity: null });
      const created = await journal.createRun(newRun({ id: 'RUN-NEW', operator: 'Someone Else' }));
      expect(created.identity).toEqual({ user: userInfo().username, kind: 'os-user' });
      expect((await journal.getRun('RUN-NEW'))?.identity).toEqual({ user: userInfo().username, kind: 'os-user' });
    } finally {
      await journal.close();
    }
  });
});
