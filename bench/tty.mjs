// The live task list under a real pseudo-terminal (util-linux `script`,
// 160x50) against the same run in a pipe, measured in the same run of this
// benchmark: wall time for 200 and 1,000 steps of `true`, peak RSS, the CPU
// golive burns while one 10 s step runs with 10, 200 or 1,000 steps listed
// after it, and how fast an abort at step 2 of 200 returns.
// Pipe and terminal runs alternate, round by round, so a load spike on a
// shared machine hits both; the ratio is the median of the rounds' ratios.
// CPU seconds (user + system) are printed too: on a loaded machine they
// move far less than wall time.
// Usage: ROUNDS=3 node bench/tty.mjs   (not a test: it prints a table)
// GOLIVE_BIN: the binary to measure (another checkout's, for a before/after table).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const bin = process.env.GOLIVE_BIN ?? fileURLToPath(new URL('../bin/golive.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'golive-bench-tty-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const env = { ...process.env, GOLIVE_LOCK_DIR: dir, TERM: 'xterm-256color', NO_COLOR: undefined, CI: undefined };
for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];

function runbook(name, steps) {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `golive: 1\nname: ${name}\nsteps:\n${steps.map((run, i) => `  - id: s${i}\n    run: ${JSON.stringify(run)}\n`).join('')}`);
  return file;
}

let dbCount = 0;
/** `golive run` with GNU time: wall seconds, peak RSS MiB, CPU seconds. In a terminal when `tty`, else stdout is a pipe. */
function timed(file, tty, extra = '') {
  const db = join(dir, `r${dbCount++}.db`);
  const cmd = `/usr/bin/time -o ${db}.time -f '@@ %e %M %U %S' ${process.execPath} ${bin} run ${file} --db ${db} ${extra}`;
  // In the terminal golive's stdout is the pseudo-terminal itself (what script records is thrown away).
  const out = tty
    ? spawnSync('script', ['-qec', `stty cols 160 rows 50; ${cmd}`, '/dev/null'], { env, stdio: ['pipe', 'ignore', 'ignore'] })
    : spawnSync('bash', ['-c', `${cmd} | cat > /dev/null`], { env });
  if (out.error) throw out.error;
  const [, wall, rss, user, system] = /@@ ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(readFileSync(`${db}.time`, 'utf8'));
  return { wall: Number(wall), rssMiB: Number(rss) / 1024, cpu: Number(user) + Number(system) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function rounds(fn) {
  const results = Array.from({ length: ROUNDS }, fn);
  return { wall: median(results.map((r) => r.wall)), rssMiB: median(results.map((r) => r.rssMiB)), cpu: median(results.map((r) => r.cpu)) };
}

/** CPU seconds golive spends between 2 s and 9 s into a 10 s first step, in a terminal. */
function cpuWhileWaiting(listed) {
  const file = runbook(`sleep${listed}`, ['sleep 10', ...Array(listed).fill('true')]);
  const db = join(dir, `s${dbCount++}.db`);
  const script = `${process.execPath} ${bin} run ${file} --db ${db} </dev/tty & p=$!; sleep 2; a=$(awk '{print $14+$15}' /proc/$p/stat); sleep 7; b=$(awk '{print $14+$15}' /proc/$p/stat); echo "@@ $((b-a))" > ${db}.cpu; kill -INT $p; wait $p`;
  spawnSync('script', ['-qec', `stty cols 160 rows 50; ${script}`, '/dev/null'], { env, stdio: ['pipe', 'ignore', 'ignore'] });
  const ticks = Number(/@@ (\d+)/.exec(readFileSync(`${db}.cpu`, 'utf8'))[1]);
  return ticks / Number(execFileSync('getconf', ['CLK_TCK']).toString());
}

const rows = [];
const ratios = [];
for (const n of [200, 1000]) {
  const file = runbook(`true${n}`, Array(n).fill('true'));
  const pairs = Array.from({ length: ROUNDS }, () => ({ pipe: timed(file, false), tty: timed(file, true) }));
  const pipe = median(pairs.map((p) => p.pipe.wall));
  const tty = median(pairs.map((p) => p.tty.wall));
  const ratio = median(pairs.map((p) => p.tty.wall / p.pipe.wall));
  const cpu = (side) => median(pairs.map((p) => p[side].cpu));
  const cpuRatio = median(pairs.map((p) => p.tty.cpu / p.pipe.cpu));
  rows.push([
    `${n} steps of true`,
    pipe.toFixed(2),
    tty.toFixed(2),
    ratio.toFixed(2),
    cpu('pipe').toFixed(2),
    cpu('tty').toFixed(2),
    cpuRatio.toFixed(2),
    median(pairs.map((p) => p.tty.rssMiB)).toFixed(0),
  ]);
  ratios.push([`${n} steps: terminal / pipe`, ratio.toFixed(2), n === 200 ? '≤ 1.3×' : '≤ 1.5×, RSS ≤ 200 MiB']);
}
const abortFile = runbook('abort200', ['true', 'false', ...Array(198).fill('true')]);
const abort = rounds(() => timed(abortFile, true, '--on-failure abort'));

console.log(`Live view under a pseudo-terminal vs a pipe, medians of ${ROUNDS} (${new Date().toISOString()})\n`);
console.log('| run | pipe s | terminal s | ratio (median of rounds) | pipe CPU s | terminal CPU s | CPU ratio | terminal peak RSS MiB |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
console.log(`| abort at step 2 of 200 (whole run) | | ${abort.wall.toFixed(2)} | | | ${abort.cpu.toFixed(2)} | | ${abort.rssMiB.toFixed(0)} |`);
console.log('\n| CPU while a 10 s step runs (7 s window) | s |');
console.log('| --- | --- |');
for (const listed of [10, 200, 1000]) console.log(`| ${listed} steps listed after it | ${cpuWhileWaiting(listed).toFixed(2)} |`);
console.log('\n| ratio | value | target |\n| --- | --- | --- |');
for (const r of ratios) console.log(`| ${r.join(' | ')} |`);
