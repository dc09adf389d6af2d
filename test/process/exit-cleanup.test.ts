import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { isGone, killQuietly, makeTempDir, readPids, transpileRunner, waitFor } from './helpers.ts';

// A crash of golive itself must not leave step processes running. That needs
// a separate node process to crash, so the runner is transpiled to plain
// JavaScript for it (tests otherwise run the TypeScript sources directly).

let temp: ReturnType<typeof makeTempDir>;
const started: number[] = [];
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => {
  for (const pid of started.splice(0)) killQuietly(pid);
  temp.cleanup();
});

it('kills running step groups when golive dies of an uncaught error', async () => {
  transpileRunner(temp.dir);
  const pidFile = join(temp.dir, 'pids');
  const script = join(temp.dir, 'crash.mjs');
  writeFileSync(
    script,
    `import { createProcessRunner } from './process/runner.js';
const running = createProcessRunner().start({
  command: 'sleep 30 & echo $! >> ${JSON.stringify(pidFile)}; echo $$ >> ${JSON.stringify(pidFile)}; sleep 30',
  shell: 'bash', cwd: ${JSON.stringify(temp.dir)}, env: {}, secrets: [],
});
setTimeout(() => { throw new Error('unexpected failure inside golive'); }, 300);
`,
  );
  const crashed = spawn(process.execPath, [script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  crashed.stderr.on('data', (chunk) => (stderr += chunk));
  const exitCode = await new Promise<number | null>((resolve) => crashed.on('exit', resolve));
  const pids = await readPids(pidFile, 2);
  started.push(...pids);
  expect(exitCode).toBe(1);
  expect(stderr).toContain('unexpected failure inside golive');
  await waitFor(() => pids.every(isGone), 1_000);
  expect(pids.filter((pid) => !isGone(pid))).toEqual([]);
});
