/**
 * The journal's own problems through the built binary: every way `--db` can
 * name something that is not a usable journal is exit 6 with the file and
 * the problem named, nothing executed (a marker file proves it), no stack
 * trace and no hang; damage is evidence for `audit verify` (exit 1); a
 * journal half-created by a killed golive is completed by the next command.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { both, type GoliveResult, removeTempDirs, runGolive, tempDir } from './helpers.js';
import { runIdFrom } from './process-helpers.js';

let dir: string;
let runbook: string;
let marker: string;

afterAll(removeTempDirs);

beforeAll(() => {
  dir = tempDir('golive-journal-faults-');
  marker = join(dir, 'step-ran');
  runbook = join(dir, 'touch.yaml');
  writeFileSync(runbook, `golive: 1\nname: touch\nsteps:\n  - id: touch\n    run: touch ${marker}\n    rollback: rm -f ${marker}\n`);
});

/** A journal with a few runs, checkpointed so all of it is in the main file. */
async function seededJournal(name: string): Promise<{ db: string; runId: string }> {
  const db = join(dir, name);
  let runId = '';
  for (let i = 0; i < 4; i++) {
    const result = await runGolive(['run', runbook, '--db', db], { cwd: dir });
    expect(result.code, both(result)).toBe(0);
    runId = runIdFrom(result.stdout);
  }
  const raw = new BetterSqlite3(db);
  raw.pragma('wal_checkpoint(TRUNCATE)');
  raw.close();
  return { db, runId };
}

function rmMarker(): void {
  rmSync(marker, { force: true });
}

function expectJournalUnusable(result: GoliveResult, message: string | RegExp): void {
  expect(result.code, both(result)).toBe(6);
  expect(result.stderr, both(result)).not.toMatch(/internal error|\n\s+at /);
  if (typeof message === 'string') expect(result.stderr.split('\n')[0]).toBe(`golive: ${message}`);
  else expect(result.stderr.split('\n')[0]).toMatch(message);
  expect(result.stderr).toMatch(/\n {2}hint: /);
}

/** The commands that open a journal, each with arguments that would otherwise work. */
const commands = (db: string): string[][] => [
  ['run', runbook, '--db', db],
  ['history', '--db', db],
  ['show', '01M8SN0MHSB1', '--db', db],
  ['status', '--db', db],
  ['report', '01M8SN0MHSB1', '--db', db],
  ['audit', 'export', '--db', db],
  ['rollback', '--db', db],
];

describe('--db names something that is not a journal file: exit 6, nothing executed, no hang', () => {
  const cases: Array<[string, () => string, (path: string) => string]> = [
    [
      'a directory',
      () => {
        const d = join(dir, 'a-dir');
        mkdirSync(d, { recursive: true });
        return d;
      },
      (p) => `${p} is a directory, not an audit journal file`,
    ],
    [
      'a FIFO',
      () => {
        const f = join(dir, 'a-fifo');
        if (!existsSync(f)) spawnSync('mkfifo', [f]);
        return f;
      },
      (p) => `${p} is a named pipe (FIFO), not an audit journal file`,
    ],
    ['a device', () => '/dev/zero', (p) => `${p} is a device, not an audit journal file`],
    [
      'a text file',
      () => {
        const f = join(dir, 'notes.txt');
        writeFileSync(f, 'not a journal\n'.repeat(200));
        return f;
      },
      (p) => `${p} is not a golive audit journal (not an SQLite database)`,
    ],
    [
      "another program's SQLite database",
      () => {
        const f = join(dir, 'app.sqlite');
        const db = new BetterSqlite3(f);
        db.exec('CREATE TABLE IF NOT EXISTS customers (name TEXT)');
        db.close();
        return f;
      },
      (p) => `${p} is an SQLite database, but not a golive audit journal`,
    ],
  ];
  for (const [what, make, message] of cases) {
    it(what, async () => {
      const path = make();
      const before = statSync(path).isFile() ? readFileSync(path) : null;
      const results = await Promise.all([...commands(path), ['audit', 'verify', '--db', path]].map((args) => runGolive(args, { cwd: dir, timeoutMs: 8000 })));
      for (const result of results) expectJournalUnusable(result, message(path));
      expect(existsSync(marker)).toBe(false);
      if (before) expect(readFileSync(path).equals(before)).toBe(true);
    });
  }
});

describe('a damaged journal', () => {
  it('with overwritten pages: read commands exit 6 naming the damage and the recovery; audit verify exits 1', async () => {
    const { db, runId } = await seededJournal('pages.db');
    const bytes = readFileSync(db);
    const pages = bytes.length / 4096;
    // The last pages hold events and indexes: garbage over them, as a bad disk or a stray write would leave.
    bytes.fill(0x5a, 4096 * (pages - 3), 4096 * (pages - 1));
    writeFileSync(db, bytes);

    const verify = await runGolive(['audit', 'verify', '--db', db], { cwd: dir });
    expect(verify.code, both(verify)).toBe(1);
    expect(verify.stdout).toContain(`${db}: the journal is damaged: `);
    expect(verify.stdout).toContain(`sqlite3 ${db} ".recover" | sqlite3 recovered.db`);
    expect(verify.stderr).toBe('');

    for (const args of [
      ['show', runId],
      ['report', runId],
      ['audit', 'export'],
    ]) {
      const result = await runGolive([...args, '--db', db], { cwd: dir });
      expectJournalUnusable(result, /^golive: the audit journal .* is damaged: /);
      expect(result.stderr).toContain('.recover');
    }
  });

  it('whose events table was dropped: run refuses (exit 6) before executing anything', async () => {
    const { db } = await seededJournal('dropped.db');
    const raw = new BetterSqlite3(db);
    raw.exec('DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete; DROP TABLE events');
    raw.close();
    rmMarker();
    const [run, history, verify] = await Promise.all(
      [['run', runbook], ['history'], ['audit', 'verify']].map((args) => runGolive([...args, '--db', db], { cwd: dir })),
    );
    for (const result of [run, history]) expectJournalUnusable(result, `the audit journal ${db} is damaged: its table events is missing`);
    expect(existsSync(marker)).toBe(false);
    expect(verify.code, both(verify)).toBe(1);
    expect(verify.stdout).toContain('the journal is damaged: its table events is missing');
  });

  it('written by a newer golive: exit 6, upgrade golive', async () => {
    const { db } = await seededJournal('newer.db');
    const raw = new BetterSqlite3(db);
    raw.pragma('user_version = 99');
    raw.close();
    for (const result of await Promise.all([['run', runbook], ['history']].map((args) => runGolive([...args, '--db', db], { cwd: dir })))) {
      expectJournalUnusable(result, /has schema version 99, newer than this golive understands/);
      expect(result.stderr).toContain('hint: upgrade golive');
    }
  });
});

describe('journal that is missing or busy', () => {
  it('missing: commands that need one exit 6 and create nothing', async () => {
    const db = join(dir, 'nowhere', 'golive.db');
    for (const args of [['show', '01M8SN0MHSB1'], ['status'], ['report', '01M8SN0MHSB1'], ['audit', 'verify'], ['rollback']]) {
      expectJournalUnusable(await runGolive([...args, '--db', db], { cwd: dir }), `there is no audit journal at ${db}`);
    }
    expect(existsSync(join(dir, 'nowhere'))).toBe(false);
  });

  it('locked by another process beyond the busy timeout: run exits 6 and executes nothing', async () => {
    const { db } = await seededJournal('locked.db');
    // Another process holds the write lock for longer than golive's 5 s busy timeout.
    const holder = new BetterSqlite3(db);
    holder.exec('BEGIN EXCLUSIVE');
    try {
      rmMarker();
      const result = await runGolive(['run', runbook, '--db', db], { cwd: dir, timeoutMs: 9000 });
      expectJournalUnusable(result, /stayed locked by another process for longer than the busy timeout/);
      expect(existsSync(marker)).toBe(false);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  }, 15_000);
});

describe('a journal half-created by a golive killed during its very first creation', () => {
  const killedDuring = (db: string, stage: 'empty' | 'migration') => {
    if (stage === 'empty') return writeFileSync(db, '', { mode: 0o600 });
    const script = `const B = require(${JSON.stringify(require.resolve('better-sqlite3'))});
      const db = new B(${JSON.stringify(db)}); db.pragma('journal_mode = WAL');
      db.exec('BEGIN IMMEDIATE; CREATE TABLE runs (id TEXT);'); process.kill(process.pid, 'SIGKILL');`;
    expect(spawnSync(process.execPath, ['-e', script]).signal).toBe('SIGKILL');
  };
  for (const stage of ['empty', 'migration'] as const) {
    it(`(${stage === 'empty' ? 'an empty file' : 'killed inside the migration'}) is completed by the next read-only command, then used`, async () => {
      const db = join(dir, `half-${stage}.db`);
      killedDuring(db, stage);
      const history = await runGolive(['history', '--db', db], { cwd: dir });
      expect(history.code, both(history)).toBe(0);
      expect(history.stdout).toContain('No runs recorded yet');
      const verify = await runGolive(['audit', 'verify', '--db', db], { cwd: dir });
      expect(verify.code, both(verify)).toBe(0);
      expect(verify.stdout).toContain('0 events, hash chain and runbook snapshots intact');
      const run = await runGolive(['run', runbook, '--db', db], { cwd: dir });
      expect(run.code, both(run)).toBe(0);
    });
  }
});
