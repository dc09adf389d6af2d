/**
 * `golive audit verify` and `golive audit export` end to end, on a journal
 * written by real runs of the built binary: a clean run, a failed run that
 * rolled back, a run whose steps echo secrets, and a later `golive rollback`.
 * The tampering is done the way someone with the file would do it: a raw
 * SQLite connection, append-only triggers dropped, rows edited, deleted or
 * swapped, each in its own copy of the file.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { both, removeTempDirs, repoRoot, runGolive, tempDir } from './helpers.js';
import { jsonEvents, readJournal, runIdFrom, type StoredRun } from './process-helpers.js';

const examples = join(repoRoot, 'examples');

/** The env secret the secrets example echoes, and the one it reads from its file. */
const ENV_SECRET = 'audit-env-s3cr3t-9f4q';
const FILE_SECRET = readFileSync(join(examples, 'secrets', 'demo-token.txt'), 'utf8').trim();

let dir: string;
let db: string;
let runs: StoredRun[];
let eventCount: number;
const ids = { hello: '', rollbackExample: '', secrets: '', rollbackOfHello: '' };

beforeAll(async () => {
  dir = tempDir('golive-audit-');
  db = join(dir, 'golive.db');
  const golive = (args: string[], env?: Record<string, string>) => runGolive([...args, '--db', db], { cwd: dir, env, timeoutMs: 20_000 });

  const hello = await golive(['run', join(examples, 'hello.yaml')]);
  expect(hello.code, both(hello)).toBe(0);
  ids.hello = runIdFrom(hello.stdout);
  // switch-traffic fails on purpose and everything is rolled back (exit 1).
  const rollback = await golive(['run', join(examples, 'rollback.yaml'), '--var', `state_dir=${join(dir, 'rollback-state')}`]);
  expect(rollback.code, both(rollback)).toBe(1);
  ids.rollbackExample = runIdFrom(rollback.stdout);
  const secrets = await golive(['run', join(examples, 'secrets.yaml')], { DEMO_TOKEN: ENV_SECRET });
  expect(secrets.code, both(secrets)).toBe(0);
  expect(secrets.stdout).toContain('Authorization: Bearer ***');
  ids.secrets = runIdFrom(secrets.stdout);
  const undo = await golive(['rollback', ids.hello]);
  expect(undo.code, both(undo)).toBe(0);
  ids.rollbackOfHello = runIdFrom(undo.stdout);

  runs = readJournal(db);
  eventCount = runs.reduce((n, run) => n + run.events.length, 0);
});

afterAll(() => removeTempDirs());

/** A consistent copy of the journal (SQLite's online backup: the WAL included). */
async function copyOfJournal(name: string): Promise<string> {
  const copy = join(dir, name);
  const source = new BetterSqlite3(db, { readonly: true, fileMustExist: true });
  try {
    await source.backup(copy);
  } finally {
    source.close();
  }
  return copy;
}

/** Edit `file` behind golive's back: drop the append-only triggers, then run `edit`. */
function tamper(file: string, edit: (raw: BetterSqlite3.Database) => void): void {
  const raw = new BetterSqlite3(file, { fileMustExist: true });
  try {
    raw.exec('DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;');
    raw.transaction(() => edit(raw))();
  } finally {
    raw.close();
  }
}

/** The seq of the first event of `runId` that matches. */
function seqOf(runId: string, match: (e: StoredRun['events'][number]) => boolean): number {
  const event = runs.find((r) => r.id === runId)!.events.find(match);
  if (!event) throw new Error(`no such event in run ${runId}`);
  return event.seq;
}

/** `audit verify` in text and JSON on `file`; both must say altered at `seq`, after `checked` good events. */
async function expectAltered(file: string, seq: number, runId: string, reason: string, checked = seq - 1) {
  const text = await runGolive(['audit', 'verify', '--db', file], { cwd: dir });
  expect(text.code, both(text)).toBe(1);
  expect(text.stdout).toContain(`✖ ${file}: the journal has been altered at event ${seq} (run ${runId}): event ${seq}: ${reason}\n`);
  expect(text.stdout).toContain(`  ${checked} events checked before it. Keep this file as evidence; do not run golive against it.\n`);
  const json = await runGolive(['audit', 'verify', '--db', file, '--json'], { cwd: dir });
  expect(json.code, both(json)).toBe(1);
  expect(JSON.parse(json.stdout)).toEqual({ journal: file, ok: false, checked, firstBad: { seq, runId, reason: `event ${seq}: ${reason}` } });
}

describe('golive audit verify', () => {
  it('an untouched journal verifies (exit 0) and names its event count, in text and JSON', async () => {
    expect(runs.map((r) => [r.id, r.mode, r.outcome, r.exit_code])).toEqual([
      [ids.hello, 'run', 'succeeded', 0],
      [ids.rollbackExample, 'run', 'rolled-back', 1],
      [ids.secrets, 'run', 'succeeded', 0],
      [ids.rollbackOfHello, 'rollback', 'rolled-back', 0],
    ]);
    expect(eventCount).toBeGreaterThan(40);

    const text = await runGolive(['audit', 'verify', '--db', db], { cwd: dir });
    expect(text.code, both(text)).toBe(0);
    expect(text.stdout).toBe(`✔ ${db}: ${eventCount} events, hash chain and runbook snapshots intact\n`);
    expect(text.stderr).toBe('');

    const json = await runGolive(['audit', 'verify', '--db', db, '--json'], { cwd: dir });
    expect(json.code, both(json)).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ journal: db, ok: true, checked: eventCount });
  });

  it('the append-only triggers refuse an edit until they are dropped', async () => {
    const copy = await copyOfJournal('triggers.db');
    const raw = new BetterSqlite3(copy, { fileMustExist: true });
    try {
      expect(() => raw.prepare("UPDATE events SET data = '{}' WHERE seq = 1").run()).toThrow(/the audit trail is append-only: events cannot be changed/);
      expect(() => raw.prepare('DELETE FROM events WHERE seq = 1').run()).toThrow(/the audit trail is append-only: events cannot be deleted/);
    } finally {
      raw.close();
    }
    const verify = await runGolive(['audit', 'verify', '--db', copy], { cwd: dir });
    expect(verify.code, both(verify)).toBe(0);
  });

  it('(a) one byte of one event edited: exit 1, naming that event', async () => {
    const copy = await copyOfJournal('edited.db');
    const seq = seqOf(ids.rollbackExample, (e) => e.kind === 'step.started' && e.data.stepId === 'deploy-code' && e.data.phase === 'step');
    tamper(copy, (raw) => {
      const { data } = raw.prepare('SELECT data FROM events WHERE seq = ?').get(seq) as { data: string };
      const edited = data.replace('"stepId":"deploy-code"', '"stepId":"deploy-codE"');
      // Exactly one byte differs: still valid JSON of the same kind, only the hash can tell.
      expect(edited.length).toBe(data.length);
      expect([...edited].filter((c, i) => c !== data[i])).toEqual(['E']);
      raw.prepare('UPDATE events SET data = ? WHERE seq = ?').run(edited, seq);
    });
    await expectAltered(copy, seq, ids.rollbackExample, 'its content does not match its hash: the row was edited or moved');
  });

  it('(b) a middle event deleted: exit 1, naming the event after the gap and the missing one', async () => {
    const copy = await copyOfJournal('deleted.db');
    // The recorded decision to roll back: the row someone would most like to lose.
    const seq = seqOf(ids.rollbackExample, (e) => e.kind === 'decision');
    expect(seq).toBeGreaterThan(1);
    expect(seq).toBeLessThan(eventCount);
    tamper(copy, (raw) => {
      expect(raw.prepare('DELETE FROM events WHERE seq = ?').run(seq).changes).toBe(1);
    });
    // Rows 1 … seq-1 still verify; the row after the gap is the first bad one.
    await expectAltered(copy, seq + 1, ids.rollbackExample, `row ${seq} is missing before it: events were deleted`, seq - 1);
  });

  it("(c) two events' contents swapped: exit 1, naming the first of them", async () => {
    const copy = await copyOfJournal('swapped.db');
    // The failed step's result and a successful one: same kind, so only the chain can tell.
    const finished = (stepId: string) => seqOf(ids.rollbackExample, (e) => e.kind === 'step.finished' && e.data.stepId === stepId && e.data.phase === 'step');
    const first = finished('deploy-code');
    const second = finished('switch-traffic');
    expect(first).toBeLessThan(second);
    tamper(copy, (raw) => {
      const get = raw.prepare('SELECT at, kind, data FROM events WHERE seq = ?');
      const a = get.get(first) as { at: string; kind: string; data: string };
      const b = get.get(second) as { at: string; kind: string; data: string };
      expect(a.data).not.toBe(b.data);
      const put = raw.prepare('UPDATE events SET at = ?, kind = ?, data = ? WHERE seq = ?');
      put.run(b.at, b.kind, b.data, first);
      put.run(a.at, a.kind, a.data, second);
    });
    await expectAltered(copy, first, ids.rollbackExample, 'its content does not match its hash: the row was edited or moved');
  });

  it('a missing journal is exit 6 (the journal cannot be used) with a hint, and is not created', async () => {
    const missing = join(dir, 'no-such.db');
    for (const command of [
      ['audit', 'verify'],
      ['audit', 'export'],
    ]) {
      const result = await runGolive([...command, '--db', missing], { cwd: dir });
      expect(result.code, both(result)).toBe(6);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        `golive: there is no audit journal at ${missing}\n  hint: run golive from the directory of the deployment, or name the journal with --db / GOLIVE_DB\n`,
      );
    }
    expect(readdirSync(dir)).not.toContain('no-such.db');
  });
});

describe('golive audit export', () => {
  it('prints every event as a JSON line, in seq order, chained, with no secret anywhere', async () => {
    const result = await runGolive(['audit', 'export', '--db', db], { cwd: dir });
    expect(result.code, both(result)).toBe(0);
    expect(result.stdout.endsWith('\n')).toBe(true);
    const lines = jsonEvents(result.stdout);
    expect(lines).toHaveLength(eventCount);
    expect(lines.map((l) => l.seq)).toEqual(Array.from({ length: eventCount }, (_, i) => i + 1));
    // Same events as stored, run by run.
    expect(lines.map((l) => `${l.runId} ${l.kind}`)).toEqual(runs.flatMap((r) => r.events.map((e) => `${r.id} ${e.kind}`)));
    lines.forEach((line, i) => {
      expect(line.runId).toMatch(/^[0-9A-Z]{26}$/);
      expect(typeof line.kind).toBe('string');
      expect(line.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(line.prevHash).toBe(i === 0 ? '0'.repeat(64) : lines[i - 1].hash);
    });

    // The secrets run's steps echoed both secrets: masked in the export, and already in the journal and the logs.
    const secretsRun = lines.filter((l) => l.runId === ids.secrets);
    expect(secretsRun.find((l) => l.kind === 'step.started' && l.stepId === 'use-template')?.command).toBe(
      'echo "Authorization: Bearer ***"   # shown as ***\n',
    );
    for (const secret of [ENV_SECRET, FILE_SECRET]) {
      expect(result.stdout).not.toContain(secret);
      for (const file of filesUnder(dir).filter((f) => !f.includes('rollback-state'))) {
        expect(readFileSync(file).includes(secret), `${secret} in ${file}`).toBe(false);
      }
    }
  });

  it('--run limits the export to that run and its rollback or resume runs; an unknown run is exit 2', async () => {
    const hello = await runGolive(['audit', 'export', '--db', db, '--run', ids.hello], { cwd: dir });
    expect(hello.code, both(hello)).toBe(0);
    const helloLines = jsonEvents(hello.stdout);
    const expected = runs.filter((r) => r.id === ids.hello || r.id === ids.rollbackOfHello).flatMap((r) => r.events.map((e) => e.seq));
    expect(helloLines.map((l) => l.seq)).toEqual(expected);
    expect(new Set(helloLines.map((l) => l.runId))).toEqual(new Set([ids.hello, ids.rollbackOfHello]));
    expect(helloLines.at(-1)).toMatchObject({ runId: ids.rollbackOfHello, kind: 'run.finished', outcome: 'rolled-back' });

    // A run with no children: only its own events, by a unique prefix of its id.
    const single = await runGolive(['audit', 'export', '--db', db, '--run', ids.secrets.slice(0, 20)], { cwd: dir });
    expect(single.code, both(single)).toBe(0);
    const singleLines = jsonEvents(single.stdout);
    expect(singleLines.map((l) => l.seq)).toEqual(runs.find((r) => r.id === ids.secrets)!.events.map((e) => e.seq));
    expect(singleLines.every((l) => l.runId === ids.secrets)).toBe(true);
    expect(singleLines[0]).toMatchObject({ kind: 'run.started', mode: 'run', runbook: { name: 'secrets' } });

    const unknown = await runGolive(['audit', 'export', '--db', db, '--run', '01ZZZZZZZZZZZZZZZZZZZZZZZZ'], { cwd: dir });
    expect(unknown.code, both(unknown)).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toContain(`golive: no run 01ZZZZZZZZZZZZZZZZZZZZZZZZ in ${db}`);
  });
});

/** Every regular file under `root`, recursively. */
function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .map((name) => join(root, name))
    .filter((path) => statSync(path).isFile());
}
