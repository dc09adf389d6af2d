// Per-step and fixed cost of `golive run` (audit journal on) against the
// floor: a plain Node script spawning `bash -c true` N times. Runbooks of 10
// and 200 steps of `true`, alternated with the floor in one run;
// per-step = (T200 − T10) / 190, fixed = T10 − 10 × per-step.
// Targets (issue "Execution engine"): per-step ≤ 1.5× the floor's, fixed ≤ 3× `node -e 0`.
// With GOLIVE_DB=postgres://… the same runs also go to that PostgreSQL
// journal, alternated with the SQLite ones (issue "A team on several
// machines": per-step ≤ 2× SQLite's).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, printTable, timeProcess, verdict } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const rounds = Number(process.env.ROUNDS ?? 7);
const dir = mkdtempSync(join(tmpdir(), 'golive-bench-steps-'));
const sizes = [10, 200];

for (const n of sizes) {
  const steps = Array.from({ length: n }, (_, i) => `  - id: s${i}\n    run: "true"\n`).join('');
  writeFileSync(join(dir, `steps-${n}.yaml`), `golive: 1\nname: bench-${n}\nsteps:\n${steps}`);
}
writeFileSync(
  join(dir, 'floor.mjs'),
  `import { spawn } from 'node:child_process';
const n = Number(process.argv[2]);
for (let i = 0; i < n; i++) await new Promise((resolve) => spawn('bash', ['-c', 'true']).on('exit', resolve));
`,
);

const serverJournal = /^postgres(ql)?:\/\//.test(process.env.GOLIVE_DB ?? '') ? process.env.GOLIVE_DB : undefined;
const run = (n, db) => timeProcess(process.execPath, [join(root, 'bin/golive.js'), 'run', join(dir, `steps-${n}.yaml`), '--db', db], { cwd: dir });
const golive = (n, round) => run(n, join(dir, `r${round}-${n}.db`));
const goliveServer = (n) => run(n, serverJournal);
const floor = (n) => timeProcess(process.execPath, [join(dir, 'floor.mjs'), String(n)], { cwd: dir });
const nodeZero = () => timeProcess(process.execPath, ['-e', '0']);

const t = { golive: { 10: [], 200: [] }, server: { 10: [], 200: [] }, floor: { 10: [], 200: [] }, node: [] };
await golive(10, 'warm');
if (serverJournal) await goliveServer(10);
for (let round = 0; round < rounds; round++) {
  t.node.push((await nodeZero()).ms);
  for (const n of sizes) {
    t.floor[n].push((await floor(n)).ms);
    t.golive[n].push((await golive(n, round)).ms);
    if (serverJournal) t.server[n].push((await goliveServer(n)).ms);
  }
}
rmSync(dir, { recursive: true, force: true });

const costs = (series) => {
  const perStep = (median(series[200]) - median(series[10])) / 190;
  return { perStep, fixed: median(series[10]) - 10 * perStep };
};
const g = costs(t.golive);
const f = costs(t.floor);
const nodeMs = median(t.node);
console.log(`Step overhead, medians of ${rounds} alternated rounds (${new Date().toISOString()})\n`);
printTable(
  ['', 'T10 ms', 'T200 ms', 'per step ms', 'fixed ms'],
  [
    ['node floor (spawn bash -c true)', median(t.floor[10]).toFixed(0), median(t.floor[200]).toFixed(0), f.perStep.toFixed(2), f.fixed.toFixed(0)],
    ['golive run (journal on)', median(t.golive[10]).toFixed(0), median(t.golive[200]).toFixed(0), g.perStep.toFixed(2), g.fixed.toFixed(0)],
    ...(serverJournal
      ? [
          [
            'golive run (PostgreSQL journal)',
            median(t.server[10]).toFixed(0),
            median(t.server[200]).toFixed(0),
            costs(t.server).perStep.toFixed(2),
            costs(t.server).fixed.toFixed(0),
          ],
        ]
      : []),
    ['node -e 0', '', '', '', nodeMs.toFixed(0)],
  ],
);
console.log('');
printTable(
  ['ratio', 'value', 'target'],
  [
    ['golive per step / floor per step', (g.perStep / f.perStep).toFixed(2), verdict(g.perStep / f.perStep, 1.5)],
    ['golive fixed / node -e 0', (g.fixed / nodeMs).toFixed(2), verdict(g.fixed / nodeMs, 3)],
    ...(serverJournal
      ? [['PostgreSQL per step / SQLite per step', (costs(t.server).perStep / g.perStep).toFixed(2), verdict(costs(t.server).perStep / g.perStep, 2)]]
      : []),
  ],
);
