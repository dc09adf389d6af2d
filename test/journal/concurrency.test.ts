/**
 * Two processes on one journal: `golive status` reads while a run writes, and
 * two runs of different runbooks append to the one global chain. A child
 * process appends chained rows with its own better-sqlite3 connection (and
 * its own copy of the documented hash formula) while this process reads and
 * appends through the store.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SqliteJournal } from '../../src/journal/sqlite/journal.ts';
import { event, newRun, tempDbPath } from './helpers.ts';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

const WRITER = `
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
const [path, bursts, perBurst] = process.argv.slice(1).map((a, i) => (i < 1 ? a : Number(a)));
const sha256 = (text) => createHash('sha256').update(text).digest('hex');
const db = new Database(path, { timeout: 5000 });
const head = db.prepare('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1');
const insert = db.prepare('INSERT INTO events (seq, run_id, at, kind, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)');
const insertRun = db.prepare(\`INSERT INTO runs (id, root_run_id, mode, runbook_name, runbook_path, runbook_text,
  runbook_sha256, operator, host, pid, started_at, heartbeat_at) VALUES (?, ?, 'run', 'other', 'o.yaml', 'x', ?, 'li', 'h', 1, ?, ?)\`);
const append = db.transaction((runId, i, newRun) => {
  const at = new Date().toISOString();
  if (newRun) insertRun.run(runId, runId, sha256('x'), at, at);
  const last = head.get();
  const seq = (last?.seq ?? 0) + 1;
  const prev = last?.hash ?? '0'.repeat(64);
  const data = JSON.stringify({ at, kind: 'warning', message: 'child ' + i }); // keys already sorted
  insert.run(seq, runId, at, 'warning', data, prev, sha256(prev + '\\n' + seq + '\\n' + runId + '\\n' + data));
});
// Between bursts, wait until the parent has appended again: the two
// writers then interleave in the chain on any machine, however loaded.
const parentRows = db.prepare("SELECT count(*) FROM events WHERE run_id = 'PARENT'").pluck();
const pause = new Int32Array(new SharedArrayBuffer(4));
let i = 0;
for (let burst = 0; burst < bursts; burst++) {
  const seen = parentRows.get();
  const deadline = Date.now() + 10000;
  while (burst > 0 && parentRows.get() === seen && Date.now() < deadline) Atomics.wait(pause, 0, 0, 1);
  // Each burst is a new run, created in the transaction of its first event.
  for (let k = 0; k < perBurst; k++) append.immediate('CHILD-' + burst, i++, k === 0);
}
db.close();
`;

describe('concurrent processes', () => {
  it('a child writes while this process reads and writes: no SQLITE_BUSY, one valid chain', async () => {
    const path = tempDbPath();
    const store = SqliteJournal.open(path);
    await store.createRun(newRun({ id: 'PARENT' }));
    const BURSTS = 30;
    const PER_BURST = 100;
    const CHILD_ROWS = BURSTS * PER_BURST;

    const child = spawn(process.execPath, ['--input-type=module', '-e', WRITER, path, String(BURSTS), String(PER_BURST)], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let done = false;
    void exited.then(() => (done = true));

    let appended = 0;
    let reads = 0;
    try {
      while (!done) {
        await store.appendEvent('PARENT', event({ kind: 'warning', message: `parent ${appended}` }));
        appended++;
        const childRuns = (await store.listRuns({ runbook: 'other' })).map((r) => r.id);
        await store.eventsOf(childRuns);
        // Verifying while runs and events are being added sees one consistent snapshot.
        if (appended % 10 === 0) expect((await store.verifyChain()).ok).toBe(true);
        reads++;
        // Let the child's exit event through.
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(await exited).toBe(0);
      expect(stderr).toBe('');

      const childRuns = Array.from({ length: BURSTS }, (_, burst) => `CHILD-${burst}`);
      expect((await store.listRuns({ runbook: 'other' })).map((r) => r.id).sort()).toEqual([...childRuns].sort());
      const trail = await store.eventsOf(['PARENT', ...childRuns]);
      expect(trail.filter((e) => e.runId.startsWith('CHILD-'))).toHaveLength(CHILD_ROWS);
      expect(trail.filter((e) => e.runId === 'PARENT')).toHaveLength(appended);
      // The writes really overlapped: each pause of the child lets parent rows in between its bursts.
      const switches = trail.filter((e, i) => i > 0 && (e.runId === 'PARENT') !== (trail[i - 1].runId === 'PARENT')).length;
      expect(switches).toBeGreaterThanOrEqual(2 * (BURSTS - 1));
      expect(reads).toBeGreaterThan(2);

      expect(await store.verifyChain()).toEqual({ ok: true, checked: CHILD_ROWS + appended });
    } finally {
      if (!done) child.kill('SIGKILL');
      await store.close();
    }
  });
});
