// `golive validate` at size: runbooks of 1,000, 8,000 and 20,000 steps that
// use what real runbooks use (owners, templates reading earlier steps'
// outputs, conditions, retries, rollbacks, a parallel group every 50 steps),
// and one of 10,000 steps each with an error (every problem reported, the
// screen capped, all of them in --json). Start-up is measured in the same
// run with a one-step runbook and subtracted for the cost per step; CPU
// time is the figure to compare on a shared machine.
// Targets (issue 13): 20,000 steps in under 2 s; time per step at 20,000
// within 1.5× of the time per step at 1,000.
//
//   npm run build && node bench/validate.mjs
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, printTable, verdict } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
// GOLIVE_BIN: the binary to measure (another checkout's, for a before/after table).
const golive = process.env.GOLIVE_BIN ?? join(root, 'bin/golive.js');
const rounds = Number(process.env.ROUNDS ?? 3);
const sizes = [1000, 8000, 20000];
const dir = mkdtempSync(join(tmpdir(), 'golive-bench-validate-'));
const env = { CI: 'true', NO_COLOR: '1' };

/**
 * A realistic step, written compactly (a runbook may be at most 2 MiB, and
 * 20,000 steps must fit): an owner, a template reading the step before;
 * every 4th a rollback using its own output, every 20th a condition and a
 * retry by exit code.
 */
function step(i, id = `s${i}`) {
  const previous = i > 0 ? ` {{ steps.s${i - 1}.outputs.v }}` : '';
  const rollback = i % 4 === 0 ? `, rollback: "./u {{ steps.${id}.outputs.v }}"` : '';
  const extra = i % 20 === 0 ? `, when: "{{ environment }} == 'uat'", retry: { attempts: 2, on_exit_codes: [75] }` : '';
  return `{ id: ${id}, owner: ops, run: "./d{{ vars.r }}${previous}"${rollback}${extra} }`;
}

/** Every 50th entry is a parallel group of two members (the group counts as one of the n steps). */
function entry(i) {
  return i % 50 === 49 ? `  - { id: g${i}, parallel: [${step(i)}, ${step(i, `p${i}`)}] }\n` : `  - ${step(i)}\n`;
}

function runbook(n, body) {
  return `golive: 1\nname: big-${n}\nteam:\n  ops: { name: Sam }\nenvironments:\n  uat: { vars: { r: " 1.0" } }\nsteps:\n${body}`;
}

for (const n of [1, ...sizes]) writeFileSync(join(dir, `steps-${n}.yaml`), runbook(n, Array.from({ length: n }, (_, i) => entry(i)).join('')));
const errorSteps = Array.from({ length: 10000 }, (_, i) => `  - { id: e${i}, run: ./d.sh, timeout: soon }\n`).join('');
writeFileSync(join(dir, 'errors-10000.yaml'), runbook(10000, errorSteps));

/**
 * Wall and CPU (user + system) milliseconds of one `golive validate`. CPU is
 * reported too because the machine is shared: wall time there measures the
 * neighbours as much as golive.
 */
function timeValidate(args) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    execFile(
      '/usr/bin/time',
      ['-f', '%U %S', process.execPath, golive, 'validate', ...args],
      { cwd: dir, env: { ...process.env, ...env }, maxBuffer: 1 << 28 },
      (error, _stdout, stderr) => {
        const wall = Number(process.hrtime.bigint() - started) / 1e6;
        const match = /([\d.]+) ([\d.]+)\s*$/.exec(stderr);
        if (!match) return reject(error ?? new Error(`no timing in: ${stderr.slice(-300)}`));
        resolve({ wall, cpu: (Number(match[1]) + Number(match[2])) * 1000 });
      },
    );
  });
}

const times = new Map([1, ...sizes].map((n) => [n, { wall: [], cpu: [] }]));
const errorTimes = { wall: [], cpu: [] };
const add = (into, t) => {
  into.wall.push(t.wall);
  into.cpu.push(t.cpu);
};
for (let round = 0; round < rounds; round++) {
  for (const n of [1, ...sizes]) add(times.get(n), await timeValidate([join(dir, `steps-${n}.yaml`)]));
  add(errorTimes, await timeValidate(['--json', join(dir, 'errors-10000.yaml')]));
}
if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });

const base = { wall: median(times.get(1).wall), cpu: median(times.get(1).cpu) };
const perStep = (n, kind) => ((median(times.get(n)[kind]) - base[kind]) / n) * 1000;
console.log(
  `golive validate, median of ${rounds} alternated rounds (${new Date().toISOString()}); 1 step (start-up): ${base.wall.toFixed(0)} ms wall, ${base.cpu.toFixed(0)} ms CPU\n`,
);
printTable(
  ['steps', 'wall ms', 'CPU ms', 'CPU µs/step (start-up subtracted)', 'per-step ratio to 1,000', 'target'],
  sizes.map((n) => {
    const { wall, cpu } = { wall: median(times.get(n).wall), cpu: median(times.get(n).cpu) };
    const ratio = perStep(n, 'cpu') / perStep(1000, 'cpu');
    const target = n === 1000 ? '' : `${verdict(ratio, 1.5)}${n === 20000 ? `, CPU ${cpu < 2000 ? 'ok' : 'OVER'} (< 2000 ms)` : ''}`;
    return [n.toLocaleString('en'), wall.toFixed(0), cpu.toFixed(0), perStep(n, 'cpu').toFixed(1), ratio.toFixed(2), target];
  }),
);
console.log(
  `\n10,000 steps with an error each (--json, all reported): ${median(errorTimes.wall).toFixed(0)} ms wall, ${median(errorTimes.cpu).toFixed(0)} ms CPU`,
);
