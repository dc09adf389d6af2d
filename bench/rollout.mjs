// A 10-step rollout over 20 local sshd hosts, waves [1, 25%, 100%]: golive
// (`golive run`, journal and all) against the floor, measured in the same
// run: a bash script doing the same with ssh, the hosts of a wave in
// parallel, each host's ten commands in order, one reused connection per
// host (ControlMaster, as golive's transport does).
// Target (issue 12): golive ≤ 1.5× the floor.
//
//   npm run build && node bench/rollout.mjs        (ROUNDS=3, HOSTS=20, STEPS=10)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { median, printTable, timeProcess, verdict } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const golive = process.env.GOLIVE_BIN ?? join(root, 'bin/golive.js');
const rounds = Number(process.env.ROUNDS ?? 3);
const hostCount = Number(process.env.HOSTS ?? 20);
const stepCount = Number(process.env.STEPS ?? 10);
const dir = mkdtempSync(join(tmpdir(), 'golive-bench-rollout-'));

// The servers are the tests' own harness (TypeScript), bundled for this process.
const harness = join(dir, 'sshd-server.mjs');
await build({ entryPoints: [join(root, 'test/e2e/sshd-server.ts')], bundle: true, platform: 'node', format: 'esm', outfile: harness, logLevel: 'warning' });
const { startSshFleet } = await import(pathToFileURL(harness).href);
const fleet = await startSshFleet(hostCount, { namePrefix: 'web' });
const cleanUp = async () => {
  await fleet.stop();
  rmSync(dir, { recursive: true, force: true });
};

// The same waves for both: [1, 25%, 100%] of the hosts.
const quarter = Math.ceil(hostCount / 4);
const waves = [fleet.hosts.slice(0, 1), fleet.hosts.slice(1, 1 + quarter), fleet.hosts.slice(1 + quarter)];
const stepCommand = (i) => `echo step${i} on $(hostname) > /dev/null`;

const hostsYaml = fleet.hosts.map((h) => `    - { name: ${h.name}, host: ${h.host}, port: ${h.port}, user: ${h.user} }`).join('\n');
const stepsYaml = Array.from({ length: stepCount }, (_, i) => `        - id: s${i + 1}\n          run: ${stepCommand(i + 1)}\n          rollback: "true"`).join(
  '\n',
);
const runbook = join(dir, 'rollout.yaml');
writeFileSync(
  runbook,
  `golive: 1\nname: bench-rollout\ntargets:\n  web:\n${hostsYaml}\nsteps:\n  - id: web\n    rollout:\n      on: web\n      waves: [1, 25%, 100%]\n      steps:\n${stepsYaml}\n`,
);

// The floor: the same commands, wave by wave, hosts of a wave in parallel, one master connection per host.
const control = mkdtempSync(join(tmpdir(), 'gl-bench-cm-'));
const ssh = `ssh -F ${fleet.configFile} -o BatchMode=yes -o ControlMaster=auto -o ControlPath=${control}/%C -o ControlPersist=60`;
const hostScript = (h) => Array.from({ length: stepCount }, (_, i) => `${ssh} -p ${h.port} ${h.user}@${h.host} '${stepCommand(i + 1)}' || exit 1`).join('\n  ');
const floorScript = join(dir, 'floor.sh');
writeFileSync(
  floorScript,
  `set -e\n${waves
    .map((wave) => `${wave.map((h) => `(\n  ${hostScript(h)}\n) &`).join('\n')}\nfor job in $(jobs -p); do wait "$job"; done`)
    .join('\n')}\n# Close the masters, as golive closes its connections at the end of a run.\n${fleet.hosts
    .map((h) => `${ssh} -p ${h.port} -O exit ${h.user}@${h.host} 2>/dev/null || true`)
    .join('\n')}\n`,
);

const goliveMs = [];
const floorMs = [];
try {
  for (let round = 0; round < rounds; round++) {
    floorMs.push((await timeProcess('bash', [floorScript])).ms);
    const db = join(dir, `golive-${round}.db`);
    goliveMs.push((await timeProcess(process.execPath, [golive, 'run', runbook, '--db', db], { env: { ...fleet.env, CI: 'true', NO_COLOR: '1' } })).ms);
  }
} finally {
  rmSync(control, { recursive: true, force: true });
  await cleanUp();
}

const floor = median(floorMs);
const ours = median(goliveMs);
const ratio = ours / floor;
console.log(
  `\nA ${stepCount}-step rollout over ${hostCount} sshd hosts, waves [1, 25%, 100%] (${waves.map((w) => w.length).join(' + ')}), median of ${rounds}:\n`,
);
printTable(
  ['what', 'median ms', 'runs (ms)', 'ratio', 'verdict'],
  [
    ['bash + ssh, parallel per wave (floor)', floor.toFixed(0), floorMs.map((ms) => ms.toFixed(0)).join(', '), '1.00', ''],
    ['golive run', ours.toFixed(0), goliveMs.map((ms) => ms.toFixed(0)).join(', '), ratio.toFixed(2), verdict(ratio, 1.5)],
  ],
);
