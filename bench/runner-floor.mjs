// Per-step overhead of the process runner against the floor: a bare
// child_process.spawn('bash', ['-c', 'true']) loop, measured in the same run.
// Target: the runner costs at most 1.5x the floor.
//
//   npx tsc -p tsconfig.json && node bench/runner-floor.mjs [iterations] [rounds]
//
// Variants alternate inside every round so drift of the machine hits them
// alike; each figure is the median of the rounds.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const iterations = Number(process.argv[2] ?? 200);
const rounds = Number(process.argv[3] ?? 5);

let createProcessRunner;
try {
  ({ createProcessRunner } = await import('../dist/process/runner.js'));
} catch (error) {
  console.error(`cannot load dist/process/runner.js (${error.message}): run npx tsc -p tsconfig.json first`);
  process.exit(2);
}

const runner = createProcessRunner();
const workDir = mkdtempSync(join(tmpdir(), 'golive-bench-'));
let logCounter = 0;

function bare() {
  return new Promise((resolve) => spawn('bash', ['-c', 'true']).on('exit', resolve));
}

function viaRunner({ log = false, outputs = false } = {}) {
  return async () => {
    const result = await runner.start({
      command: 'true',
      shell: 'bash',
      cwd: workDir,
      env: { GOLIVE_STEP: 'bench' },
      secrets: ['not-in-the-output'],
      logPath: log ? join(workDir, 'logs', `${logCounter++}.log`) : undefined,
      captureOutputs: outputs,
    }).result;
    if (!result.ok) throw new Error(`runner failed: ${JSON.stringify(result)}`);
  };
}

const variants = [
  ['bare child_process.spawn (floor)', bare],
  ['runner', viaRunner()],
  ['runner + logPath', viaRunner({ log: true })],
  ['runner + captureOutputs', viaRunner({ outputs: true })],
  ['runner + logPath + captureOutputs', viaRunner({ log: true, outputs: true })],
];

async function perStep(fn) {
  const start = performance.now();
  for (let i = 0; i < iterations; i += 1) await fn();
  return (performance.now() - start) / iterations;
}

const samples = variants.map(() => []);
for (const [, fn] of variants) await fn(); // warm-up: JIT, first mkdir
for (let round = 0; round < rounds; round += 1) {
  for (const [index, [, fn]] of variants.entries()) samples[index].push(await perStep(fn));
}
rmSync(workDir, { recursive: true, force: true });

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const floor = median(samples[0]);
console.log(`${iterations} steps x ${rounds} rounds, median ms per step (node ${process.version})\n`);
console.log(`${'variant'.padEnd(36)} ${'ms/step'.padStart(8)} ${'ratio'.padStart(6)}`);
for (const [index, [name]] of variants.entries()) {
  const ms = median(samples[index]);
  console.log(`${name.padEnd(36)} ${ms.toFixed(3).padStart(8)} ${(ms / floor).toFixed(2).padStart(6)}`);
}
