// Start-up cost: medians of `node -e 0`, `golive --version` and
// `golive validate <the realistic runbook>`, alternated in one run.
// Targets (issue "Runbook format v1"): --version ≤ 1.3×, validate ≤ 2× node -e 0.
import { fileURLToPath } from 'node:url';
import { median, printTable, timeProcess, verdict } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const rounds = Number(process.env.ROUNDS ?? 21);
// GOLIVE_BIN: the binary measured (default this checkout's); GOLIVE_BEFORE_BIN: another checkout's, alternated in the same rounds.
const golive = process.env.GOLIVE_BIN ?? `${root}bin/golive.js`;
const binaries = [...(process.env.GOLIVE_BEFORE_BIN ? [[' (before)', process.env.GOLIVE_BEFORE_BIN]] : []), ['', golive]];
const cases = [
  { name: 'node -e 0', args: ['-e', '0'] },
  ...binaries.flatMap(([label, bin]) => [
    { name: `golive --version${label}`, args: [bin, '--version'], target: 1.3 },
    { name: `golive validate runbooks/webshop-release.yaml${label}`, args: [bin, 'validate', 'runbooks/webshop-release.yaml'], target: 2 },
  ]),
];
const times = cases.map(() => []);
for (let i = 0; i < 2; i++) for (const c of cases) await timeProcess(process.execPath, c.args, { cwd: root }); // warm the page cache
for (let round = 0; round < rounds; round++) {
  for (const [i, c] of cases.entries()) times[i].push((await timeProcess(process.execPath, c.args, { cwd: root })).ms);
}
const base = median(times[0]);
console.log(`Start-up, median of ${rounds} alternated runs (${new Date().toISOString()})\n`);
printTable(
  ['command', 'median ms', 'ratio to node -e 0', 'target'],
  cases.map((c, i) => {
    const m = median(times[i]);
    return [c.name, m.toFixed(1), (m / base).toFixed(2), c.target ? verdict(m / base, c.target) : 'baseline'];
  }),
);
