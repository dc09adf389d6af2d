// The PostgreSQL journal on loopback, against baselines measured in the same
// run, on a server this benchmark starts (bench/pg-server.mjs):
// - `golive status` against a journal of 10,000 runs vs `node -e 0`
//   (target ≤ 2.5×), with history/show/estimate beside it, and the same
//   commands on an SQLite journal of the same runs, alternated with them;
// - the per-step cost of `golive run` with the PostgreSQL journal vs the
//   SQLite file: runbooks of 10 and 200 steps of `true`, alternated;
//   per step = (T200 − T10) / 190 (target ≤ 2×).
// The 10,000 runs are written through the real PostgresJournal (each replays
// the events of one real `golive run` under a new run id), so every row,
// hash and derived row is what golive writes.
//
//   npm run build && node bench/postgres.mjs        (RUNS=10000 ROUNDS=7)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { median, printTable, timeProcess, verdict } from './lib.mjs';
import { startBenchServer } from './pg-server.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const golive = join(root, 'bin/golive.js');
const rounds = Number(process.env.ROUNDS ?? 7);
const runs = Number(process.env.RUNS ?? 10_000);
const dir = mkdtempSync(join(tmpdir(), 'golive-bench-pg-work-'));
const env = { CI: 'true', NO_COLOR: '1' };
const { openPostgresJournal } = await import(new URL('../dist/journal/postgres/journal.js', import.meta.url).href);
const { newRunId } = await import(new URL('../dist/journal/ids.js', import.meta.url).href);
const { SqliteJournal } = await import(new URL('../dist/journal/sqlite/journal.js', import.meta.url).href);

/** The same runs in an SQLite journal, many per transaction (the journal's methods do their work before they return). */
async function fillSqlite(path, template, planFacts, events, count) {
  const store = SqliteJournal.open(path);
  const { id, rootRunId, startedAt, heartbeatAt, endedAt, outcome, exitCode, identity, ...rest } = template;
  const batch = store.db.transaction((n, offset) => {
    const recorded = [];
    for (let i = 0; i < n; i++) {
      const runId = newRunId(Date.now() - (count - offset - i) * 1000);
      recorded.push(store.createRun({ ...rest, planFacts, id: runId, parentRunId: null }));
      for (const event of events) recorded.push(store.appendEvent(runId, event));
    }
    return recorded;
  });
  for (let done = 0; done < count; done += 1000) await Promise.all(batch(Math.min(1000, count - done), done));
  const last = (await store.listRuns({ limit: 1 }))[0].id;
  await store.close();
  return last;
}

const server = await startBenchServer();
try {
  // --- a long journal: `runs` runs of a small runbook ---
  const longUrl = server.url(await server.createDatabase(pg));
  const runbook = join(dir, 'small.yaml');
  writeFileSync(runbook, 'golive: 1\nname: small\nsteps:\n  - id: build\n    run: "true"\n  - id: deploy\n    run: "true"\n  - id: check\n    run: "true"\n');
  await timeProcess(process.execPath, [golive, 'run', runbook, '--db', longUrl], { cwd: dir, env });
  const journal = await openPostgresJournal(longUrl);
  const [templateRun] = await journal.listRuns();
  const templateEvents = (await journal.eventsOf([templateRun.id])).map((stored) => stored.event);
  // A run record is listed without its plan facts: they are copied too, as `golive run` records them with every run.
  const planFacts = (await journal.planFacts(templateRun.id)) ?? undefined;
  const fillStarted = Date.now();
  const { id, rootRunId, startedAt, heartbeatAt, endedAt, outcome, exitCode, identity, ...rest } = templateRun;
  let last = templateRun.id;
  let pending = [];
  for (let i = 1; i < runs; i++) {
    const runId = newRunId(Date.now() - (runs - i) * 1000);
    // Queued without waiting between them (the journal runs its operations in order); awaited in batches.
    pending.push(journal.createRun({ ...rest, planFacts, id: runId, parentRunId: null }), ...templateEvents.map((event) => journal.appendEvent(runId, event)));
    if (i % 50 === 0 || i === runs - 1) {
      await Promise.all(pending);
      pending = [];
    }
    last = runId;
  }
  const fillSeconds = (Date.now() - fillStarted) / 1000;
  await journal.close();
  const counts = new pg.Client({ connectionString: longUrl });
  await counts.connect();
  const events = Number((await counts.query('SELECT count(*) AS n FROM events')).rows[0].n);
  const runRows = Number((await counts.query('SELECT count(*) AS n FROM runs')).rows[0].n);
  await counts.end();

  const sqlitePath = join(dir, 'long.db');
  const sqliteLast = await fillSqlite(sqlitePath, templateRun, planFacts, templateEvents, runs);

  const cases = [
    { name: 'status', args: (db) => ['status', '--db', db], target: 2.5 },
    { name: 'history --limit 20', args: (db) => ['history', '--limit', '20', '--db', db] },
    { name: 'show <run>', args: (db, run) => ['show', run, '--db', db] },
    { name: 'estimate', args: (db) => ['estimate', runbook, '--db', db] },
  ];
  const journals = { postgres: [longUrl, last], sqlite: [sqlitePath, sqliteLast] };
  const readTimes = new Map(cases.flatMap((c) => Object.keys(journals).map((kind) => [`${c.name}@${kind}`, []])));
  const node = [];
  for (let round = 0; round < rounds; round++) {
    node.push((await timeProcess(process.execPath, ['-e', '0'])).ms);
    for (const c of cases)
      for (const [kind, [db, run]] of Object.entries(journals))
        readTimes.get(`${c.name}@${kind}`).push((await timeProcess(process.execPath, [golive, ...c.args(db, run)], { cwd: dir, env })).ms);
  }
  const base = median(node);
  console.log(
    `PostgreSQL journal on loopback, medians of ${rounds} alternated rounds (${new Date().toISOString()}); ${runRows} runs = ${events} events (filled in ${fillSeconds.toFixed(0)} s); node -e 0: ${base.toFixed(1)} ms\n`,
  );
  printTable(
    ['command', 'PostgreSQL ms', 'ratio to node -e 0', 'target', 'SQLite ms (same runs)', 'PostgreSQL / SQLite'],
    cases.map((c) => {
      const ms = median(readTimes.get(`${c.name}@postgres`));
      const sqliteMs = median(readTimes.get(`${c.name}@sqlite`));
      return [c.name, ms.toFixed(0), (ms / base).toFixed(2), c.target ? verdict(ms / base, c.target) : '—', sqliteMs.toFixed(0), (ms / sqliteMs).toFixed(2)];
    }),
  );

  // --- per-step cost: PostgreSQL vs SQLite, alternated ---
  const sizes = [10, 200];
  for (const n of sizes) {
    const steps = Array.from({ length: n }, (_, i) => `  - id: s${i}\n    run: "true"\n`).join('');
    writeFileSync(join(dir, `steps-${n}.yaml`), `golive: 1\nname: bench-${n}\nsteps:\n${steps}`);
  }
  const stepsUrl = server.url(await server.createDatabase(pg));
  const runSteps = (n, db) => timeProcess(process.execPath, [golive, 'run', join(dir, `steps-${n}.yaml`), '--db', db], { cwd: dir, env });
  const t = { sqlite: { 10: [], 200: [] }, postgres: { 10: [], 200: [] } };
  await runSteps(10, join(dir, 'warm.db'));
  await runSteps(10, stepsUrl);
  for (let round = 0; round < rounds; round++) {
    for (const n of sizes) {
      t.sqlite[n].push((await runSteps(n, join(dir, `r${round}-${n}.db`))).ms);
      t.postgres[n].push((await runSteps(n, stepsUrl)).ms);
    }
  }
  const costs = (series) => {
    const perStep = (median(series[200]) - median(series[10])) / 190;
    return { perStep, fixed: median(series[10]) - 10 * perStep };
  };
  const sqlite = costs(t.sqlite);
  const postgres = costs(t.postgres);
  console.log('');
  printTable(
    ['golive run', 'T10 ms', 'T200 ms', 'per step ms', 'fixed ms'],
    [
      ['SQLite journal', median(t.sqlite[10]).toFixed(0), median(t.sqlite[200]).toFixed(0), sqlite.perStep.toFixed(2), sqlite.fixed.toFixed(0)],
      ['PostgreSQL journal', median(t.postgres[10]).toFixed(0), median(t.postgres[200]).toFixed(0), postgres.perStep.toFixed(2), postgres.fixed.toFixed(0)],
    ],
  );
  console.log('');
  printTable(
    ['ratio', 'value', 'target'],
    [['PostgreSQL per step / SQLite per step', (postgres.perStep / sqlite.perStep).toFixed(2), verdict(postgres.perStep / sqlite.perStep, 2)]],
  );
} finally {
  server.stop();
  rmSync(dir, { recursive: true, force: true });
}
