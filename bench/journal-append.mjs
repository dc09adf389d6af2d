// Cost of recording a step in the audit journal (a step.started +
// step.finished pair through SqliteJournal.appendEvent: two IMMEDIATE
// transactions, hash chain, derived attempt row) against the floor: two bare
// single-row INSERT transactions with the same pragmas, measured in the same run.
//
//   npx tsc -p tsconfig.json && node bench/journal-append.mjs [steps] [rounds]
//
// Variants alternate inside every round; each figure is the median of the rounds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const steps = Number(process.argv[2] ?? 2000);
const rounds = Number(process.argv[3] ?? 5);
const dist = process.env.GOLIVE_DIST ?? new URL('../dist/', import.meta.url).href;

let SqliteJournal;
let openDatabase;
try {
  ({ SqliteJournal } = await import(new URL('journal/sqlite/journal.js', dist).href));
  ({ openDatabase } = await import(new URL('journal/sqlite/database.js', dist).href));
} catch (error) {
  console.error(`cannot load dist/journal (${error.message}): run npx tsc -p tsconfig.json first`);
  process.exit(2);
}

const workDir = mkdtempSync(join(tmpdir(), 'golive-bench-journal-'));
let fileCounter = 0;
const text = 'golive: 1\nname: bench\nsteps: []\n';
const { createHash } = await import('node:crypto');
const sha = createHash('sha256').update(text).digest('hex');

async function freshStore() {
  const store = SqliteJournal.open(join(workDir, `journal-${fileCounter++}.db`));
  await store.createRun({
    id: 'BENCH',
    parentRunId: null,
    mode: 'run',
    runbookName: 'bench',
    runbookVersion: null,
    runbookPath: 'bench.yaml',
    runbookText: text,
    runbookSha256: sha,
    environment: 'uat',
    operator: 'bench',
    host: 'bench',
    pid: process.pid,
    gitCommit: null,
    changeId: null,
  });
  return store;
}

function floor() {
  const db = openDatabase(join(workDir, `floor-${fileCounter++}.db`));
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, data TEXT)');
  const insert = db.prepare('INSERT INTO t (data) VALUES (?)');
  const tx = db.transaction((data) => insert.run(data));
  const started = process.hrtime.bigint();
  for (let i = 0; i < steps * 2; i++) tx.immediate(`row ${i}`);
  const ns = Number(process.hrtime.bigint() - started);
  db.close();
  return ns;
}

async function journal(streamBytes) {
  const store = await freshStore();
  const head = 'h'.repeat(streamBytes);
  const tail = 't'.repeat(streamBytes);
  const at = new Date().toISOString();
  const started = process.hrtime.bigint();
  for (let i = 0; i < steps; i++) {
    const stepId = `step-${i}`;
    await store.appendEvent('BENCH', {
      kind: 'step.started',
      at,
      phase: 'step',
      stepId,
      title: stepId,
      attempt: 1,
      attempts: 1,
      expectedMs: 1000,
      command: `./deploy.sh ${i}`,
    });
    await store.appendEvent('BENCH', {
      kind: 'step.finished',
      at,
      phase: 'step',
      stepId,
      attempt: 1,
      status: 'passed',
      exitCode: 0,
      signal: null,
      durationMs: 12,
      head,
      tail,
      outputBytes: streamBytes * 2,
      outputs: { id: String(i) },
    });
  }
  const ns = Number(process.hrtime.bigint() - started);
  const verifyStarted = process.hrtime.bigint();
  const report = await store.verifyChain();
  const verifyNs = Number(process.hrtime.bigint() - verifyStarted);
  if (!report.ok) throw new Error(`chain does not verify: ${JSON.stringify(report)}`);
  await store.close();
  return { ns, verifyNs };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const results = { floor: [], small: [], large: [], verifySmall: [] };
for (let round = 0; round < rounds; round++) {
  results.floor.push(floor());
  const small = await journal(100);
  results.small.push(small.ns);
  results.verifySmall.push(small.verifyNs);
  results.large.push((await journal(64 * 1024)).ns);
}
rmSync(workDir, { recursive: true, force: true });

const perStepUs = (ns) => ns / steps / 1000;
const floorUs = perStepUs(median(results.floor));
const line = (label, ns) => {
  const us = perStepUs(ns);
  console.log(
    `${label.padEnd(44)} ${us.toFixed(1).padStart(8)} µs/step  ${Math.round(1e6 / us)
      .toString()
      .padStart(7)} steps/s  ${(us / floorUs).toFixed(2)}x floor`,
  );
};
console.log(`${steps} steps x ${rounds} rounds (median); a step = step.started + step.finished`);
line('floor: 2 bare INSERT transactions', median(results.floor));
line('appendEvent pair, 100 B head/tail', median(results.small));
line('appendEvent pair, 64 KiB head/tail', median(results.large));
console.log(`verifyChain: ${(median(results.verifySmall) / (steps * 2) / 1000).toFixed(1)} µs/event`);
