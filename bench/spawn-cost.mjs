// Where a step of `golive run` goes, seen from inside the parent process:
// the synchronous cost of each child_process.spawn() call, the parent's own
// CPU per step (its children's excluded) and its anonymous memory, for
// `golive run` of N steps of `true` against the floor of bench/steps.mjs (a
// Node script spawning `bash -c true` N times). bench/steps.mjs gives the
// totals; this splits golive's gap into spawn and the rest. A preloaded
// script wraps spawn() and writes the figures to a file at exit.
//
//   node bench/spawn-cost.mjs            (ROUNDS=7, STEPS=200; GOLIVE_BIN as in steps.mjs)
//
// Per-step CPU is (CPU at N steps − CPU at 10 steps) / (N − 10), so start-up
// cancels out. fork() copies the parent's page tables and every page the
// parent writes afterwards takes a fault, so spawn's cost follows the
// parent's anonymous memory (RssAnon).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, printTable, timeProcess } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const rounds = Number(process.env.ROUNDS ?? 7);
const steps = Number(process.env.STEPS ?? 200);
const bin = process.env.GOLIVE_BIN ?? join(root, 'bin/golive.js');
const dir = mkdtempSync(join(tmpdir(), 'golive-bench-spawn-'));
const sizes = [10, steps];

for (const n of sizes) {
  const body = Array.from({ length: n }, (_, i) => `  - id: s${i}\n    run: "true"\n`).join('');
  writeFileSync(join(dir, `steps-${n}.yaml`), `golive: 1\nname: bench-spawn-${n}\nsteps:\n${body}`);
}
writeFileSync(
  join(dir, 'floor.mjs'),
  `import { spawn } from 'node:child_process';
const n = Number(process.argv[2]);
for (let i = 0; i < n; i++) await new Promise((resolve) => spawn('bash', ['-c', 'true'], { stdio: ['ignore', 'pipe', 'pipe'] }).on('exit', resolve));
`,
);
// CommonJS, so it runs before the ESM bundle binds node:child_process's exports.
writeFileSync(
  join(dir, 'probe.cjs'),
  `const cp = require('node:child_process');
const { readFileSync, writeFileSync } = require('node:fs');
const original = cp.spawn;
let syncMs = 0, spawns = 0, rssAnonKiB = 0;
const sampleRss = () => { rssAnonKiB = Math.max(rssAnonKiB, Number(/RssAnon:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1])); };
cp.spawn = function (...args) {
  if (spawns % 16 === 0) sampleRss();
  const started = performance.now();
  const child = original.apply(this, args);
  syncMs += performance.now() - started;
  spawns += 1;
  return child;
};
process.on('exit', () => {
  const cpu = process.cpuUsage();
  writeFileSync(process.env.PROBE_OUT, JSON.stringify({ syncMs, spawns, cpuMs: (cpu.user + cpu.system) / 1000, rssAnonKiB }));
});
`,
);

const probe = async (args, label) => {
  const out = join(dir, `${label}.json`);
  await timeProcess(process.execPath, ['-r', join(dir, 'probe.cjs'), ...args], { cwd: dir, env: { PROBE_OUT: out } });
  return JSON.parse(readFileSync(out, 'utf8'));
};
const golive = (n, round) => probe([bin, 'run', join(dir, `steps-${n}.yaml`), '--db', join(dir, `r${round}-${n}.db`)], `golive-${n}-${round}`);
const floor = (n, round) => probe([join(dir, 'floor.mjs'), String(n)], `floor-${n}-${round}`);

const series = () => Object.fromEntries(sizes.map((n) => [n, []]));
const t = { golive: series(), floor: series() };
await golive(10, 'warm');
for (let round = 0; round < rounds; round++) {
  for (const n of sizes) {
    t.floor[n].push(await floor(n, round));
    t.golive[n].push(await golive(n, round));
  }
}
rmSync(dir, { recursive: true, force: true });

const figures = (s) => {
  const big = s[steps];
  return {
    sync: median(big.map((r) => r.syncMs / r.spawns)),
    cpu: (median(big.map((r) => r.cpuMs)) - median(s[10].map((r) => r.cpuMs))) / (steps - 10),
    anon: median(big.map((r) => r.rssAnonKiB)) / 1024,
  };
};
const f = figures(t.floor);
const g = figures(t.golive);
console.log(`Inside the parent process, medians of ${rounds} alternated rounds, ${steps} steps (${new Date().toISOString()})\n`);
printTable(
  ['', 'spawn() sync ms', 'parent CPU per step ms', 'peak RssAnon MiB'],
  [
    ['node floor (spawn bash -c true)', f.sync.toFixed(3), f.cpu.toFixed(3), f.anon.toFixed(1)],
    ['golive run (journal on)', g.sync.toFixed(3), g.cpu.toFixed(3), g.anon.toFixed(1)],
    ['golive − floor', (g.sync - f.sync).toFixed(3), (g.cpu - f.cpu).toFixed(3), (g.anon - f.anon).toFixed(1)],
  ],
);
