// Per-step and fixed cost of `golive run` (audit journal on) against the
// floor: a plain Node script spawning `bash -c true` N times. Runbooks of 10
// and 200 steps of `true`, alternated with the floor in one run;
// per-step = (T200 − T10) / 190, fixed = T10 − 10 × per-step.
// Targets (issue "Execution engine"): per-step ≤ 1.5× the floor's, fixed ≤ 3× `node -e 0`.
// With GOLIVE_DB=postgres://… the same runs also go to that PostgreSQL
// journal, alternated with the SQLite ones (issue "A team on several
// machines": per-step ≤ 2× SQLite's). With GOLIVE_BEFORE_BIN=<other
// checkout>/bin/golive.js that binary runs too (GOLIVE_BIN: the one measured, default this checkout's), alternated in the same
// rounds, for a before/after table. CPU (user + sys of the process and its
// children) is shown beside wall time: this machine is shared.
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
// stdin ignored as golive does: with a socket on stdin bash takes itself for a remote shell and reads ~/.bashrc.
for (let i = 0; i < n; i++) await new Promise((resolve) => spawn('bash', ['-c', 'true'], { stdio: ['ignore', 'pipe', 'pipe'] }).on('exit', resolve));
`,
);

const serverJournal = /^postgres(ql)?:\/\//.test(process.env.GOLIVE_DB ?? '') ? process.env.GOLIVE_DB : undefined;
const beforeBin = process.env.GOLIVE_BEFORE_BIN;
const afterBin = process.env.GOLIVE_BIN ?? join(root, 'bin/golive.js');
const run = (n, db, bin = afterBin) => timeProcess(process.execPath, [bin, 'run', join(dir, `steps-${n}.yaml`), '--db', db], { cwd: dir });
const golive = (n, round) => run(n, join(dir, `r${round}-${n}.db`));
const goliveBefore = (n, round) => run(n, join(dir, `before-r${round}-${n}.db`), beforeBin);
const goliveServer = (n) => run(n, serverJournal);
const floor = (n) => timeProcess(process.execPath, [join(dir, 'floor.mjs'), String(n)], { cwd: dir });
const nodeZero = () => timeProcess(process.execPath, ['-e', '0']);

const series = () => ({ 10: [], 200: [], cpu: { 10: [], 200: [] } });
const t = { golive: series(), before: series(), server: series(), floor: series(), node: [] };
const record = (into, n, result) => {
  into[n].push(result.ms);
  into.cpu[n].push(result.cpuMs);
};
await golive(10, 'warm');
if (beforeBin) await goliveBefore(10, 'warm');
if (serverJournal) await goliveServer(10);
for (let round = 0; round < rounds; round++) {
  t.node.push((await nodeZero()).ms);
  for (const n of sizes) {
    record(t.floor, n, await floor(n));
    if (beforeBin) record(t.before, n, await goliveBefore(n, round));
    record(t.golive, n, await golive(n, round));
    if (serverJournal) record(t.server, n, await goliveServer(n));
  }
}
rmSync(dir, { recursive: true, force: true });

const costs = (s) => {
  const perStep = (median(s[200]) - median(s[10])) / 190;
  const cpuPerStep = (median(s.cpu[200]) - median(s.cpu[10])) / 190;
  return { perStep, cpuPerStep, fixed: median(s[10]) - 10 * perStep };
};
const g = costs(t.golive);
const f = costs(t.floor);
const nodeMs = median(t.node);
const row = (label, s) => {
  const c = costs(s);
  return [label, median(s[10]).toFixed(0), median(s[200]).toFixed(0), c.perStep.toFixed(2), c.cpuPerStep.toFixed(2), c.fixed.toFixed(0)];
};
console.log(`Step overhead, medians of ${rounds} alternated rounds (${new Date().toISOString()})\n`);
printTable(
  ['', 'T10 ms', 'T200 ms', 'per step ms', 'CPU per step ms', 'fixed ms'],
  [
    row('node floor (spawn bash -c true)', t.floor),
    ...(beforeBin ? [row('golive run, GOLIVE_BEFORE_BIN', t.before)] : []),
    row('golive run (journal on)', t.golive),
    ...(serverJournal ? [row('golive run (PostgreSQL journal)', t.server)] : []),
    ['node -e 0', '', '', '', '', nodeMs.toFixed(0)],
  ],
);
console.log('');
printTable(
  ['ratio', 'value', 'target'],
  [
    ...(beforeBin
      ? [['before: per step / floor per step', (costs(t.before).perStep / f.perStep).toFixed(2), verdict(costs(t.before).perStep / f.perStep, 1.5)]]
      : []),
    ['golive per step / floor per step', (g.perStep / f.perStep).toFixed(2), verdict(g.perStep / f.perStep, 1.5)],
    ['golive CPU per step / floor CPU per step', (g.cpuPerStep / f.cpuPerStep).toFixed(2), '—'],
    ['golive fixed / node -e 0', (g.fixed / nodeMs).toFixed(2), verdict(g.fixed / nodeMs, 3)],
    ...(serverJournal
      ? [['PostgreSQL per step / SQLite per step', (costs(t.server).perStep / g.perStep).toFixed(2), verdict(costs(t.server).perStep / g.perStep, 2)]]
      : []),
  ],
);
