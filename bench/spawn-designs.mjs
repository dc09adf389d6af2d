// Would a resident spawner make a step cheaper? Three ways for a parent
// process to run `true` through bash N times in a row, each step with
// separate stdout and stderr pipes, its own process group and its exit
// status, as golive's runner needs:
//   direct   the parent spawns the shell itself (what golive does);
//   helper   a small resident Node process spawns it and hands the parent
//            the two pipe handles over its IPC channel (the parent never forks);
//   warm     the helper keeps one shell started ahead, blocked on a third
//            pipe; the parent writes the path of a prelude file to that pipe
//            and the shell `exec`s bash on the step's script, so the fork is
//            off the step's path; the exit status comes from the helper.
// Each runs in a parent holding HOLD_MIB of touched memory (default 0 and 24:
// golive's running process holds about 24 MiB more anonymous memory than the
// floor's, see bench/spawn-cost.mjs), against the floor of bench/steps.mjs.
// Each design times its own loop of STEPS steps (after one warm-up step),
// alternated over ROUNDS.
//
//   node bench/spawn-designs.mjs          (ROUNDS=5, STEPS=300, HOLD_MIB=0,24)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, printTable, timeProcess } from './lib.mjs';

const rounds = Number(process.env.ROUNDS ?? 5);
const steps = Number(process.env.STEPS ?? 300);
const holds = (process.env.HOLD_MIB ?? '0,24').split(',').map(Number);
const dir = mkdtempSync(join(tmpdir(), 'golive-bench-spawners-'));

writeFileSync(
  join(dir, 'floor.mjs'),
  `import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
const n = Number(process.argv[2]);
const t0 = performance.now();
for (let i = 0; i < n; i++) await new Promise((resolve) => spawn('bash', ['-c', 'true'], { stdio: ['ignore', 'pipe', 'pipe'] }).on('exit', resolve));
writeFileSync(process.argv[3], String((performance.now() - t0) / n));
`,
);

// The helper: 'spawn' spawns the given command and hands over its pipes;
// 'warm' starts a shell that waits for a prelude path on fd 3. A pipe handed
// over must not be read here first: reading stops before the handle is sent.
writeFileSync(
  join(dir, 'helper.cjs'),
  `const { spawn } = require('node:child_process');
const WAIT = 'IFS= read -r prelude <&3 || exit 111; exec 3<&-; . "$prelude"';
let seq = 0;
function start(file, args, pipes) {
  const id = ++seq;
  const child = spawn(file, args, { detached: true, stdio: ['ignore', ...Array(pipes).fill('pipe')] });
  const handles = child.stdio.slice(1);
  for (const pipe of handles) pipe._handle.readStop();
  child.on('exit', (code, signal) => process.send({ t: 'exit', id, code, signal }));
  process.send({ t: 'started', id, pid: child.pid });
  handles.forEach((pipe, i) => process.send({ t: 'pipe', id, fd: i + 1 }, pipe));
}
process.on('message', (m) => (m.t === 'spawn' ? start(m.file, m.args, 2) : start('sh', ['-c', WAIT], 3)));
process.on('disconnect', () => process.exit(0));
`,
);

writeFileSync(
  join(dir, 'parent.mjs'),
  `import { spawn } from 'node:child_process';
import { closeSync, openSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
const [design, n, holdMib, dir, out] = process.argv.slice(2);
const held = [];
for (let i = 0; i < Number(holdMib) * 8; i++) held.push(new Float64Array(16384).fill(i));
let files = 0;
function unlinkedFile(text) {
  const path = dir + '/.f' + process.pid + '-' + ++files;
  const fd = openSync(path, 'wx+', 0o600);
  unlinkSync(path);
  writeSync(fd, text);
  return fd;
}
// A pipe handed over starts reading at once, and an empty one can end and
// close before the step awaits it: each is followed from the moment it arrives.
const closed = (pipe) =>
  new Promise((resolve) => {
    pipe.on('data', () => {});
    pipe.on('close', resolve);
  });
const script = () => unlinkedFile('true\\n');
const scriptArgs = (fd) => ['-e', '-o', 'pipefail', '/proc/' + process.pid + '/fd/' + fd];

let helper;
const children = new Map();
let nextReady;
function child(id) {
  if (!children.has(id)) {
    let settle;
    const exited = new Promise((resolve) => (settle = resolve));
    let piped;
    const pipesIn = new Promise((resolve) => (piped = resolve));
    children.set(id, { pipes: [], closes: [], exited, settle, pipesIn, piped });
  }
  return children.get(id);
}
if (design !== 'direct') {
  helper = spawn(process.execPath, [dir + '/helper.cjs'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], detached: true });
  const want = design === 'warm' ? 3 : 2;
  helper.on('message', (m, handle) => {
    const c = child(m.id);
    if (m.t === 'started') { c.pid = m.pid; nextReady?.(c); }
    else if (m.t === 'pipe') {
      c.pipes[m.fd - 1] = handle;
      if (m.fd < 3) c.closes.push(closed(handle));
      if (c.pipes.filter(Boolean).length === want) c.piped();
    }
    else c.settle(m.code);
  });
}
const started = () => new Promise((resolve) => (nextReady = resolve));

async function direct() {
  const fd = script();
  const c = spawn('bash', scriptArgs(fd), { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  await Promise.all([closed(c.stdout), closed(c.stderr), new Promise((resolve) => c.on('exit', resolve))]);
  closeSync(fd);
}
async function viaHelper() {
  const fd = script();
  const next = started();
  helper.send({ t: 'spawn', file: 'bash', args: scriptArgs(fd) });
  const c = await next;
  await c.pipesIn;
  await Promise.all([...c.closes, c.exited]);
  closeSync(fd);
}
let warm;
function warmUp() {
  const next = started();
  helper.send({ t: 'warm' });
  return next.then(async (c) => { await c.pipesIn; return c; });
}
async function viaWarm() {
  const c = await warm;
  warm = warmUp();
  const fd = script();
  const prelude = unlinkedFile('exec bash ' + scriptArgs(fd).join(' ') + '\\n');
  c.pipes[2].end('/proc/' + process.pid + '/fd/' + prelude + '\\n');
  await Promise.all([...c.closes, c.exited]);
  closeSync(fd);
  closeSync(prelude);
}
const step = { direct, helper: viaHelper, warm: viaWarm }[design];
if (design === 'warm') warm = warmUp();
await step();
const t0 = performance.now();
for (let i = 0; i < Number(n); i++) await step();
writeFileSync(out, String((performance.now() - t0) / Number(n)));
helper?.disconnect();
// A shell warmed for a next step keeps its pipes open: leave without waiting for it (the helper ends at the disconnect, the shell at EOF on fd 3).
process.exit(0);
`,
);

const result = join(dir, 'per-step-ms');
const perStep = async (args) => {
  await timeProcess(process.execPath, [...args, result]);
  return Number(readFileSync(result, 'utf8'));
};
const designs = ['direct', 'helper', 'warm'];
const t = { floor: [] };
for (const hold of holds) for (const design of designs) t[`${design}@${hold}`] = [];
for (let round = 0; round < rounds; round++) {
  t.floor.push(await perStep([join(dir, 'floor.mjs'), String(steps)]));
  for (const hold of holds) {
    for (const design of designs) t[`${design}@${hold}`].push(await perStep([join(dir, 'parent.mjs'), design, String(steps), String(hold), dir]));
  }
}
rmSync(dir, { recursive: true, force: true });

const floor = median(t.floor);
console.log(`Spawn designs, medians of ${rounds} alternated rounds of ${steps} steps (${new Date().toISOString()})\n`);
const label = { direct: 'parent spawns the shell', helper: 'resident helper spawns, hands over the pipes', warm: 'helper keeps a shell started ahead' };
printTable(
  ['design', 'parent holds MiB', 'per step ms', 'ratio to floor'],
  [
    ['node floor (spawn bash -c true)', '0', floor.toFixed(2), '1.00'],
    ...holds.flatMap((hold) =>
      designs.map((design) => [label[design], String(hold), median(t[`${design}@${hold}`]).toFixed(2), (median(t[`${design}@${hold}`]) / floor).toFixed(2)]),
    ),
  ],
);
