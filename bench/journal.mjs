// Long journals: read commands against a journal of 10,000 and of 30,000
// small runs, against `node -e 0` measured in the same run. The journals
// are filled through the real SqliteJournal (each run replays the events of
// one real `golive run`, under a new run id, many runs per transaction), so
// every row, hash and derived attempt is what golive writes.
// Targets (issue "Fast at any size" §2): status and estimate at 30,000 runs
// ≤ 2× node -e 0; audit export in constant memory.
//
//   npm run build && node bench/journal.mjs
// (bench/journal-append.mjs measures the cost of recording a step.)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, printTable, timeProcess, verdict } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
// GOLIVE_BIN: the binary to measure (another checkout's, for a before/after table); the journal is filled with this checkout's dist/.
const golive = process.env.GOLIVE_BIN ?? join(root, 'bin/golive.js');
const rounds = Number(process.env.ROUNDS ?? 5);
const sizes = (process.env.SIZES ?? '10000,30000').split(',').map(Number);
const dir = mkdtempSync(join(tmpdir(), 'golive-bench-journal-'));
const env = { CI: 'true', NO_COLOR: '1' };
const { SqliteJournal } = await import(new URL('../dist/journal/sqlite/journal.js', import.meta.url).href);
const { newRunId } = await import(new URL('../dist/journal/ids.js', import.meta.url).href);

const runbook = join(dir, 'small.yaml');
writeFileSync(runbook, 'golive: 1\nname: small\nsteps:\n  - id: build\n    run: "true"\n  - id: deploy\n    run: "true"\n  - id: check\n    run: "true"\n');
const template = join(dir, 'template.db');
await timeProcess(process.execPath, [golive, 'run', runbook, '--db', template], { cwd: dir, env });
const source = SqliteJournal.open(template, { readonly: true });
const [templateRun] = await source.listRuns();
const templateEvents = (await source.eventsOf([templateRun.id])).map((stored) => stored.event);
// The plan facts golive records with each run (null from a journal before they were kept).
const templateFacts = (await source.planFacts?.(templateRun.id)) ?? undefined;
await source.close();

/**
 * A journal of `n` runs of the small runbook, written by the SqliteJournal.
 * The fast path: many runs per outer transaction. The journal's methods do
 * their work before they return their promise, so calling them inside a
 * synchronous better-sqlite3 transaction records in call order; the
 * promises are awaited after each batch so that a failure is not lost.
 */
async function fill(n) {
  const path = join(dir, `journal-${n}.db`);
  const store = SqliteJournal.open(path);
  const { id, rootRunId, startedAt, heartbeatAt, endedAt, outcome, exitCode, ...rest } = templateRun;
  const batch = store.db.transaction((count, offset) => {
    const recorded = [];
    for (let i = 0; i < count; i++) {
      const runId = newRunId(Date.now() - (n - offset - i) * 1000);
      recorded.push(store.createRun({ ...rest, id: runId, parentRunId: null, planFacts: templateFacts }));
      for (const event of templateEvents) recorded.push(store.appendEvent(runId, event));
    }
    return recorded;
  });
  for (let done = 0; done < n; done += 1000) await Promise.all(batch(Math.min(1000, n - done), done));
  const events = store.db.prepare('SELECT count(*) FROM events').pluck().get();
  const last = (await store.listRuns({ limit: 1 }))[0].id;
  await store.close();
  return { path, events, last };
}

const journals = {};
for (const n of sizes) journals[n] = await fill(n);
const cases = [
  { name: 'status', args: (j) => ['status', '--db', j.path], target: 2 },
  { name: 'show <run>', args: (j) => ['show', j.last, '--db', j.path] },
  { name: 'report <run> --format md', args: (j) => ['report', j.last, '--format', 'md', '--db', j.path] },
  { name: 'estimate', args: (j) => ['estimate', runbook, '--db', j.path], target: 2 },
  { name: 'history --limit 20', args: (j) => ['history', '--limit', '20', '--db', j.path] },
];
const times = new Map(cases.flatMap((c) => sizes.map((n) => [`${c.name}@${n}`, []])));
const node = [];
for (let round = 0; round < rounds; round++) {
  node.push((await timeProcess(process.execPath, ['-e', '0'])).ms);
  for (const c of cases)
    for (const n of sizes) times.get(`${c.name}@${n}`).push((await timeProcess(process.execPath, [golive, ...c.args(journals[n])], { cwd: dir, env })).ms);
}
const whole = {};
for (const n of sizes) {
  const exported = await timeProcess(process.execPath, [golive, 'audit', 'export', '--db', journals[n].path], { cwd: dir, env, sampleRss: true });
  const verified = await timeProcess(process.execPath, [golive, 'audit', 'verify', '--db', journals[n].path], { cwd: dir, env });
  whole[n] = { exportMiB: exported.peakKiB / 1024, verifyPer1000: verified.ms / (journals[n].events / 1000) };
}
rmSync(dir, { recursive: true, force: true });

const base = median(node);
console.log(
  `Long journals, median of ${rounds} alternated rounds (${new Date().toISOString()}); node -e 0: ${base.toFixed(1)} ms; ${sizes.map((n) => `${n} runs = ${journals[n].events} events`).join(', ')}\n`,
);
printTable(
  ['command', ...sizes.map((n) => `${n} runs ms`), ...sizes.map((n) => `ratio @${n}`), `target @${sizes.at(-1)}`],
  cases.map((c) => {
    const ms = sizes.map((n) => median(times.get(`${c.name}@${n}`)));
    return [c.name, ...ms.map((m) => m.toFixed(0)), ...ms.map((m) => (m / base).toFixed(2)), c.target ? verdict(ms.at(-1) / base, c.target) : '—'];
  }),
);
console.log('');
printTable(
  ['whole journal', ...sizes.map((n) => `${n} runs`)],
  [
    ['audit export peak RSS (MiB)', ...sizes.map((n) => whole[n].exportMiB.toFixed(0))],
    ['audit verify ms per 1,000 events', ...sizes.map((n) => whole[n].verifyPer1000.toFixed(1))],
  ],
);
