import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { isGone, killQuietly, makeTempDir, readPids, waitFor } from './helpers.ts';

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

/** Transpiles src/process (and src/errors.ts, which it imports) into `outDir`, keeping the layout. */
function transpileRunner(outDir: string): void {
  const sourceDir = join(import.meta.dirname, '../../src');
  mkdirSync(join(outDir, 'process'));
  const files = [
    ...readdirSync(join(sourceDir, 'process'))
      .filter((name) => name.endsWith('.ts'))
      .map((name) => `process/${name}`),
    'errors.ts',
  ];
  for (const file of files) {
    const source = readFileSync(join(sourceDir, file), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    writeFileSync(join(outDir, file.replace(/\.ts$/, '.js')), outputText);
  }
  writeFileSync(join(outDir, 'package.json'), '{"type":"module"}');
}

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
