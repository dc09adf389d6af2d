// Big runbooks: `show` and `report` (md and html) of one recorded run of
// 1,000 and of 10,000 steps of `true`, `run --dry-run` and `validate` of the
// same runbooks, against `node -e 0` measured in the same run.
// Targets (issue "Fast at any size" §3): show and report of 10,000 steps
// ≤ 1 s each, their cost per step at 10,000 within 1.5× of that at 1,000;
// run --dry-run of 10,000 steps ≤ 1.5 s.
//
//   npm run build && node bench/big.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, printTable, timeProcess, verdict } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
// GOLIVE_BIN: the binary to measure (another checkout's, for a before/after table).
const golive = process.env.GOLIVE_BIN ?? join(root, 'bin/golive.js');
const rounds = Number(process.env.ROUNDS ?? 3);
const sizes = [1000, 10000];
const dir = mkdtempSync(join(tmpdir(), 'golive-bench-big-'));
const env = { CI: 'true', NO_COLOR: '1' };

const runIds = {};
for (const n of sizes) {
  const steps = Array.from({ length: n }, (_, i) => `  - id: s${i}\n    run: "true"\n`).join('');
  writeFileSync(join(dir, `big-${n}.yaml`), `golive: 1\nname: big-${n}\nsteps:\n${steps}`);
  await timeProcess(process.execPath, [golive, 'run', join(dir, `big-${n}.yaml`), '--db', join(dir, `big-${n}.db`)], { cwd: dir, env });
  const history = JSON.parse(
    execFileSync(process.execPath, [golive, 'history', '--json', '--db', join(dir, `big-${n}.db`)], { cwd: dir, env: { ...process.env, ...env } }).toString(),
  );
  runIds[n] = (history.runs ?? history)[0].id;
}

const cases = [
  { name: 'show', args: (n) => ['show', runIds[n], '--db', join(dir, `big-${n}.db`)] },
  { name: 'report --format md', args: (n) => ['report', runIds[n], '--format', 'md', '--db', join(dir, `big-${n}.db`)] },
  { name: 'report --format html', args: (n) => ['report', runIds[n], '--format', 'html', '--db', join(dir, `big-${n}.db`)] },
  { name: 'run --dry-run', args: (n) => ['run', join(dir, `big-${n}.yaml`), '--dry-run', '--db', join(dir, `dry-${n}.db`)] },
  { name: 'validate', args: (n) => ['validate', join(dir, `big-${n}.yaml`)] },
];
const times = new Map(cases.flatMap((c) => sizes.map((n) => [`${c.name}@${n}`, []])));
const node = [];
for (let round = 0; round < rounds; round++) {
  node.push((await timeProcess(process.execPath, ['-e', '0'])).ms);
  for (const c of cases)
    for (const n of sizes) times.get(`${c.name}@${n}`).push((await timeProcess(process.execPath, [golive, ...c.args(n)], { cwd: dir, env })).ms);
}
rmSync(dir, { recursive: true, force: true });

const base = median(node);
console.log(`Big runbooks, median of ${rounds} alternated rounds (${new Date().toISOString()}); node -e 0: ${base.toFixed(1)} ms\n`);
printTable(
  ['command', '1,000 steps ms', '10,000 steps ms', 'µs/step @1k', 'µs/step @10k', 'per-step ratio', 'target'],
  cases.map((c) => {
    const [small, large] = sizes.map((n) => median(times.get(`${c.name}@${n}`)));
    const [perSmall, perLarge] = [(small - base) / 1000, (large - base) / 10000].map((ms) => ms * 1000);
    const ratio = perLarge / perSmall;
    const limit = c.name === 'run --dry-run' ? 1500 : c.name === 'validate' ? Infinity : 1000;
    const target = `${verdict(ratio, 1.5)}${Number.isFinite(limit) ? `, ${large <= limit ? 'ok' : 'OVER'} (≤ ${limit} ms)` : ''}`;
    return [c.name, small.toFixed(0), large.toFixed(0), perSmall.toFixed(1), perLarge.toFixed(1), ratio.toFixed(2), target];
  }),
);
