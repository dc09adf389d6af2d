// Remote commands through golive's ssh transport against the floor: a bash
// script running the same commands with plain `ssh` and the same connection
// reuse (ControlMaster), both on real local sshd servers, hosts in parallel,
// each host's commands one after the other. Target: golive costs at most
// 1.5x the floor per host-step.
//
//   npm run build && node bench/ssh.mjs [hosts] [steps] [rounds]
//
// Both start every round without an open connection (each pays one
// handshake per host, as a rollout does); variants alternate inside every
// round so drift of the machine hits them alike; figures are medians.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { median, printTable, verdict } from './lib.mjs';

const hostCount = Number(process.argv[2] ?? 20);
const steps = Number(process.argv[3] ?? 10);
const rounds = Number(process.argv[4] ?? 3);
const TARGET = 1.5;

let createProcessRunner;
try {
  ({ createProcessRunner } = await import('../dist/process/runner.js'));
} catch (error) {
  console.error(`cannot load dist/process/runner.js (${error.message}): run npm run build first`);
  process.exit(2);
}

const workDir = mkdtempSync(join(tmpdir(), 'golive-bench-ssh-'));
process.on('exit', () => rmSync(workDir, { recursive: true, force: true }));

/** The test harness's real sshd servers, transpiled for plain node (it is TypeScript). */
async function startFleet(count) {
  const source = readFileSync(new URL('../test/e2e/sshd-server.ts', import.meta.url), 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
  const harness = join(workDir, 'sshd-server.mjs');
  writeFileSync(harness, outputText);
  const { startSshFleet } = await import(harness);
  return startSshFleet(count, { namePrefix: 'web' });
}

const fleet = await startFleet(hostCount);
const floorControlDir = mkdtempSync('/tmp/golive-bench-cm-');

/** What every step runs: a little output and the environment a step gets. */
const stepCommand = (step) => `echo "step ${step} of release $RELEASE"`;

function run(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited ${code}: ${stderr.slice(0, 500)}`))));
  });
}

/** The floor: one bash script, a loop of plain ssh calls per host, hosts in parallel, connections reused. */
const floorScript = join(workDir, 'floor.sh');
writeFileSync(
  floorScript,
  `#!/usr/bin/env bash
set -euo pipefail
config=$1 control=$2 steps=$3; shift 3
per_host() {
  local port=$1 step
  for ((step = 1; step <= steps; step++)); do
    ssh -F "$config" -T -o BatchMode=yes -o ControlMaster=auto -o "ControlPath=$control/%C" -o ControlPersist=60 -p "$port" 127.0.0.1 "RELEASE=2.4.0; echo \\"step $step of release \\$RELEASE\\"" >/dev/null
  done
}
for port in "$@"; do per_host "$port" & done
for job in $(jobs -p); do wait "$job"; done
for port in "$@"; do ssh -F "$config" -o "ControlPath=$control/%C" -O exit -p "$port" 127.0.0.1 2>/dev/null || true; done
`,
);

async function floor() {
  await run('bash', [floorScript, fleet.configFile, floorControlDir, String(steps), ...fleet.hosts.map((host) => String(host.port))]);
}

/** golive's transport: the runner from dist, each host's steps in order, hosts in parallel, logs and outputs as in a run. */
let roundCounter = 0;
async function golive() {
  const runner = createProcessRunner({ ssh: { configFile: fleet.configFile } });
  const logDir = join(workDir, `logs-${++roundCounter}`);
  mkdirSync(logDir);
  await Promise.all(
    fleet.hosts.map(async (host) => {
      for (let step = 1; step <= steps; step += 1) {
        const result = await runner.start({
          command: stepCommand(step),
          shell: 'bash',
          cwd: workDir,
          env: { RELEASE: '2.4.0', GOLIVE_RUN_ID: 'bench', GOLIVE_STEP_ID: `step-${step}` },
          secrets: ['not-in-the-output'],
          target: { name: host.name, host: host.host, port: host.port },
          logPath: join(logDir, `${host.name}-${step}.log`),
          captureOutputs: true,
        }).result;
        if (!result.ok) throw new Error(`golive step failed on ${host.name}: ${JSON.stringify(result)}`);
      }
    }),
  );
  await runner.closeConnections();
}

async function timed(fn) {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

const variants = [
  ['plain ssh in bash (floor)', floor],
  ['golive ssh transport', golive],
];
try {
  for (const [, fn] of variants) await fn(); // warm-up: page cache, first host keys read
  const samples = variants.map(() => []);
  for (let round = 0; round < rounds; round += 1) {
    for (const [index, [, fn]] of variants.entries()) samples[index].push(await timed(fn));
  }
  const floorMs = median(samples[0]);
  console.log(`${hostCount} sshd hosts on 127.0.0.1, ${steps} steps per host, hosts in parallel; median of ${rounds} rounds (node ${process.version})\n`);
  printTable(
    ['variant', 'wall ms', 'ms per host-step', 'ratio', 'verdict'],
    variants.map(([name], index) => {
      const ms = median(samples[index]);
      return [name, ms.toFixed(0), (ms / steps).toFixed(1), (ms / floorMs).toFixed(2), index === 0 ? 'floor' : verdict(ms / floorMs, TARGET)];
    }),
  );
} finally {
  await fleet.stop();
  rmSync(floorControlDir, { recursive: true, force: true });
}
