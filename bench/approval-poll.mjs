// What waiting for an approval costs and how soon it ends. Two parts:
//
// 1. One poll of a waiting run (Journal.eventsSince of the run's approval
//    events after the last one seen: what the run does every second) on a
//    SQLite journal of 100 and of 10,000 runs, against a one-row read by
//    primary key (getRun) measured in the same run. Targets: a poll costs
//    ≤ 2× that read, and the same at 10,000 runs as at 100 (≤ 2×).
//    With GOLIVE_DB=postgres://… the same is measured on that server too.
// 2. End to end through the built binary: a real `golive run` waits at a
//    step; `golive approve` is run from another process; the time from the
//    approve command's exit to the step's start (seen in the run's --json
//    stream). Target ≤ 2 s (the poll interval is 1 s); `golive approve`'s own
//    wall time is shown against `node -e 0`.
//
//   npm run build && node bench/approval-poll.mjs [polls] [rounds]
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, printTable, timeProcess, verdict } from './lib.mjs';

const polls = Number(process.argv[2] ?? 2000);
const rounds = Number(process.argv[3] ?? 5);
const root = fileURLToPath(new URL('..', import.meta.url));
const golive = join(root, 'bin/golive.js');
const dir = mkdtempSync(join(tmpdir(), 'golive-bench-approval-'));
const { SqliteJournal } = await import(new URL('../dist/journal/sqlite/journal.js', import.meta.url).href);
const { newRunId } = await import(new URL('../dist/journal/ids.js', import.meta.url).href);

const text = 'golive: 1\nname: bench\nsteps:\n  - id: migrate\n    run: "true"\n';
const sha = createHash('sha256').update(text).digest('hex');
const at = () => new Date().toISOString();
const newRun = (id) => ({
  id,
  parentRunId: null,
  mode: 'run',
  runbookName: 'bench',
  runbookVersion: null,
  runbookPath: '/bench.yaml',
  runbookText: text,
  runbookSha256: sha,
  environment: null,
  operator: 'bench',
  host: 'bench-host',
  pid: 1,
  gitCommit: null,
  changeId: null,
});
const request = {
  kind: 'approval.requested',
  subject: 'confirm',
  pointId: 'migrate',
  title: 'Migrate',
  approvers: [{ role: 'dba', name: 'Li Wei', user: 'liwei' }],
  minApprovals: 2,
  selfApproval: false,
  runner: 'ana',
};
const answer = {
  kind: 'approval',
  pointId: 'migrate',
  answer: 'approve',
  verdict: 'refused',
  identity: { user: 'x', kind: 'os-user' },
  by: 'x',
  via: 'command',
  host: 'h',
};
const warning = (i) => ({ kind: 'warning', message: `event ${i}` });

/** A journal of `n` runs of 12 events each; the last run waits for an approval. Returns the store and the waiting run. */
async function fill(store, n) {
  let waiting;
  for (let i = 0; i < n; i++) {
    const id = newRunId(Date.now() - (n - i) * 1000);
    await store.createRun(newRun(id));
    for (let e = 0; e < 10; e++) await store.appendEvent(id, { ...warning(e), at: at() });
    await store.appendEvent(id, { ...request, at: at() });
    await store.appendEvent(id, { ...answer, at: at() });
    waiting = id;
  }
  return waiting;
}

async function fillFast(path, n) {
  const store = SqliteJournal.open(path);
  // Many runs per transaction: the journal's methods work before their promise returns.
  const batch = store.db.transaction((count) => {
    const done = [];
    for (let i = 0; i < count; i++) done.push(fill(store, 1));
    return done;
  });
  let waiting;
  for (let done = 0; done < n; done += 500) waiting = (await Promise.all(batch(Math.min(500, n - done)))).at(-1);
  return { store, waiting };
}

/** Median microseconds of `op` over `polls` calls, per round. */
async function timeOp(op) {
  const started = process.hrtime.bigint();
  for (let i = 0; i < polls; i++) await op();
  return Number(process.hrtime.bigint() - started) / 1e3 / polls;
}

const journals = [];
for (const n of [100, 10_000]) journals.push({ name: `SQLite, ${n} runs`, n, ...(await fillFast(join(dir, `j-${n}.db`), n)) });
if (/^postgres(ql)?:\/\//.test(process.env.GOLIVE_DB ?? '')) {
  const { openPostgresJournal } = await import(new URL('../dist/journal/postgres/journal.js', import.meta.url).href);
  const store = await openPostgresJournal(process.env.GOLIVE_DB);
  journals.push({ name: 'PostgreSQL, 100 runs', n: 100, store, waiting: await fill(store, 100) });
}
const results = journals.map(() => ({ poll: [], read: [] }));
for (let round = 0; round < rounds; round++) {
  for (const [i, j] of journals.entries()) {
    const after = (await j.store.eventsSince(j.waiting, 0, ['approval.requested', 'approval'])).at(-1).seq;
    results[i].poll.push(await timeOp(() => j.store.eventsSince(j.waiting, after, ['approval.requested', 'approval'])));
    results[i].read.push(await timeOp(() => j.store.getRun(j.waiting)));
  }
}
for (const j of journals) await j.store.close();
const small = median(results[0].poll);
console.log(`One poll of a waiting run, median of ${rounds} rounds of ${polls} polls (${new Date().toISOString()})\n`);
printTable(
  ['journal', 'poll µs', 'getRun µs', 'poll / getRun', 'target', 'poll / poll@100 runs', 'target'],
  journals.map((j, i) => {
    const poll = median(results[i].poll);
    const read = median(results[i].read);
    return [
      j.name,
      poll.toFixed(1),
      read.toFixed(1),
      (poll / read).toFixed(2),
      verdict(poll / read, 2),
      (poll / small).toFixed(2),
      j.name.startsWith('SQLite') ? verdict(poll / small, 2) : '—',
    ];
  }),
);

// Part 2: through the binary.
const runbook = join(dir, 'wait.yaml');
writeFileSync(
  runbook,
  `golive: 1\nname: wait\nteam:\n  dba: { name: Li Wei, user: ${userInfo().username} }\nsteps:\n  - id: migrate\n    approvers: [dba]\n    run: "true"\n`,
);
const latencies = [];
const approveMs = [];
const nodeMs = [];
for (let round = 0; round < rounds; round++) {
  const db = join(dir, `e2e-${round}.db`);
  const run = spawn(process.execPath, [golive, 'run', runbook, '--db', db, '--json'], { cwd: dir, env: { ...process.env, CI: 'true', GOLIVE_LOCK_DIR: dir } });
  const exited = new Promise((resolve) => run.on('exit', resolve));
  let out = '';
  const seen = (pattern) =>
    new Promise((resolve) => {
      const check = () => {
        const match = pattern.exec(out);
        if (match) {
          run.stdout.off('data', onData);
          resolve([match, process.hrtime.bigint()]);
        }
      };
      const onData = (chunk) => {
        out += chunk;
        check();
      };
      run.stdout.on('data', onData);
      check();
    });
  const [[, runId]] = await seen(/"runId":"([0-9A-Z]{26})","kind":"approval.requested"/);
  const startedSeen = seen(/"kind":"step.started","phase":"step","stepId":"migrate"/);
  const approve = await timeProcess(process.execPath, [golive, 'approve', runId, 'migrate', '--db', db], { cwd: dir });
  const approvedAt = process.hrtime.bigint();
  const [, startedAt] = await startedSeen;
  latencies.push(Number(startedAt - approvedAt) / 1e6);
  approveMs.push(approve.ms);
  nodeMs.push((await timeProcess(process.execPath, ['-e', '0'])).ms);
  await exited;
}
rmSync(dir, { recursive: true, force: true });
console.log(`\nApproval from another process, through the binary: median of ${rounds} runs\n`);
const latency = median(latencies);
printTable(
  ['measure', 'ms', 'baseline', 'ratio', 'target'],
  [
    [
      'approve exit → step started',
      latency.toFixed(0),
      'poll interval 1000 ms',
      (latency / 1000).toFixed(2),
      latency <= 2000 ? 'ok (≤ 2 s)' : 'OVER (target ≤ 2 s)',
    ],
    ['golive approve (wall)', median(approveMs).toFixed(0), `node -e 0 ${median(nodeMs).toFixed(0)} ms`, (median(approveMs) / median(nodeMs)).toFixed(2), '—'],
  ],
);
