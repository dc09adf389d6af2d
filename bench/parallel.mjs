// A parallel group of 500 members of `true`: the durations golive records
// for its members (each member's own process takes about a millisecond),
// and what the whole group costs against the Node floor, measured in the
// same run: one node process spawning 500 detached `bash -c true` with
// piped output at once and waiting for every exit.
// Target (issue "Fast at any size" §4): a member's duration is its own
// process's, not the time the group spent starting the others.
//
//   npm run build && node bench/parallel.mjs        (ROUNDS=3, MEMBERS=500)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, printTable, timeProcess } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
// GOLIVE_BIN: the binary to measure (another checkout's, for a before/after table).
const golive = process.env.GOLIVE_BIN ?? join(root, 'bin/golive.js');
const rounds = Number(process.env.ROUNDS ?? 3);
const members = Number(process.env.MEMBERS ?? 500);
const dir = mkdtempSync(join(tmpdir(), 'golive-bench-parallel-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const env = { CI: 'true', NO_COLOR: '1' };

const group = Array.from({ length: members }, (_, i) => `      - id: m${i}\n        run: "true"\n`).join('');
writeFileSync(join(dir, 'group.yaml'), `golive: 1\nname: group\nsteps:\n  - id: all\n    parallel:\n${group}`);
writeFileSync(join(dir, 'one.yaml'), 'golive: 1\nname: one\nsteps:\n  - id: only\n    run: "true"\n');
// The floor: what a group of `members` processes costs Node itself.
const floorScript = `
const { spawn } = require('node:child_process');
let left = ${members};
for (let i = 0; i < ${members}; i++) {
  const child = spawn('bash', ['-c', 'true'], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.resume(); child.stderr.resume();
  child.on('close', () => { if (--left === 0) process.exit(0); });
}`;

/** Member durations (ms) recorded in one run's journal. */
function memberDurations(db) {
  const lines = execFileSync(process.execPath, [golive, 'audit', 'export', '--db', db], { env: { ...process.env, ...env } })
    .toString()
    .trim()
    .split('\n');
  return lines
    .map((l) => JSON.parse(l))
    .map((e) => e.event ?? e)
    .filter((e) => e.kind === 'step.finished' && e.phase === 'step')
    .map((e) => e.durationMs);
}

const group_ = [],
  one = [],
  floor = [],
  node = [],
  medians = [],
  maxima = [];
for (let round = 0; round < rounds; round++) {
  node.push((await timeProcess(process.execPath, ['-e', '0'])).ms);
  floor.push((await timeProcess(process.execPath, ['-e', floorScript])).ms);
  one.push((await timeProcess(process.execPath, [golive, 'run', join(dir, 'one.yaml'), '--db', join(dir, `one-${round}.db`)], { cwd: dir, env })).ms);
  const db = join(dir, `group-${round}.db`);
  group_.push((await timeProcess(process.execPath, [golive, 'run', join(dir, 'group.yaml'), '--db', db], { cwd: dir, env })).ms);
  const durations = memberDurations(db);
  if (durations.length !== members) throw new Error(`expected ${members} member durations, found ${durations.length}`);
  medians.push(median(durations));
  maxima.push(Math.max(...durations));
}

const groupCost = median(group_) - median(one);
const floorCost = median(floor) - median(node);
console.log(`A parallel group of ${members} members of \`true\`, median of ${rounds} rounds (${new Date().toISOString()})\n`);
printTable(
  ['measure', 'ms'],
  [
    ['member duration, median', median(medians).toFixed(1)],
    ['member duration, max', median(maxima).toFixed(1)],
    [`golive run, group of ${members}`, median(group_).toFixed(0)],
    ['golive run, one step', median(one).toFixed(0)],
    ['group cost (group run − one-step run)', groupCost.toFixed(0)],
    [`Node floor (${members} spawns at once − node -e 0)`, floorCost.toFixed(0)],
    ['group cost / floor', `${(groupCost / floorCost).toFixed(2)}×`],
  ],
);
