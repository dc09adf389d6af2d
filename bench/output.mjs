// One step printing 1 GB (GOLIVE_BENCH_BYTES to change it): golive's peak RSS
// and wall time against `bash -c '<same> > file'`, alternated in one run.
// Targets (issue "Execution engine"): peak RSS ≤ 120 MB, wall ≤ 1.5× bash.
// golive's own stdout goes to /dev/null, as a CI log would be somewhere else:
// what is measured is reading, masking, logging and rendering the stream.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, printTable, timeProcess, verdict } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const bytes = Number(process.env.GOLIVE_BENCH_BYTES ?? 1_000_000_000);
const rounds = Number(process.env.ROUNDS ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'golive-bench-output-'));
// Process substitution, not a pipe: under `-o pipefail` (golive's bash default) `yes` dying of SIGPIPE would fail the step.
const produce = `head -c ${bytes} < <(yes "deployment log line with a little text in it, like a real step prints")`;
writeFileSync(join(dir, 'big.yaml'), `golive: 1\nname: bench-output\nsecrets:\n  TOKEN: { env: BENCH_TOKEN }\nsteps:\n  - id: big\n    run: '${produce}'\n`);
const env = { BENCH_TOKEN: 'not-in-the-output-s3cr3t' };

const bash = (i) => timeProcess('bash', ['-c', `${produce} > ${join(dir, `bash-${i}.out`)}`]);
const golive = (i) =>
  timeProcess(process.execPath, [join(root, 'bin/golive.js'), 'run', join(dir, 'big.yaml'), '--db', join(dir, `g${i}.db`)], { cwd: dir, env, sampleRss: true });

const t = { bash: [], golive: [], rss: [] };
for (let i = 0; i < rounds; i++) {
  t.bash.push((await bash(i)).ms);
  rmSync(join(dir, `bash-${i}.out`), { force: true });
  const g = await golive(i);
  t.golive.push(g.ms);
  t.rss.push(g.peakKiB / 1024);
  rmSync(join(dir, '.golive'), { recursive: true, force: true });
}
rmSync(dir, { recursive: true, force: true });
const ratio = median(t.golive) / median(t.bash);
const rss = Math.max(...t.rss);
console.log(`One step printing ${(bytes / 1e6).toFixed(0)} MB, medians of ${rounds} alternated rounds (${new Date().toISOString()})\n`);
printTable(
  ['', 'wall s', 'peak RSS MiB', 'target'],
  [
    ['bash -c "<same> > file"', (median(t.bash) / 1000).toFixed(2), '', 'baseline'],
    [
      'golive run (log file + journal + masking)',
      (median(t.golive) / 1000).toFixed(2),
      rss.toFixed(0),
      `wall ${verdict(ratio, 1.5)}; RSS ${rss <= 120 ? 'ok' : 'OVER'} (≤ 120 MiB)`,
    ],
  ],
);
