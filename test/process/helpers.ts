/**
 * Shared helpers for the process runner tests: temp dirs, spec defaults, and
 * telling whether a process is really gone.
 */

import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import type { CommandSpec } from '../../src/process/types.ts';

/** A fresh temp directory, removed by the returned cleanup. */
export function makeTempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'golive-process-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A bash spec with the given command and overrides. */
export function bashSpec(command: string, overrides: Partial<CommandSpec> = {}): CommandSpec {
  return { command, shell: 'bash', cwd: tmpdir(), env: {}, secrets: [], ...overrides };
}

/**
 * True when the process no longer runs. A killed orphan stays a zombie until
 * init reaps it (up to about 2 s on some hosts), and `kill(pid, 0)` succeeds
 * on zombies, so state `Z` in /proc counts as gone.
 */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return true; // vanished between the two checks
  }
}

/** Polls `condition` every 20 ms until it holds or `timeoutMs` passes; returns whether it held. */
export async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (condition()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The pids a command wrote to `path`, one per line, once `count` of them are there. */
export async function readPids(path: string, count: number): Promise<number[]> {
  const read = () =>
    existsSync(path)
      ? readFileSync(path, 'utf8')
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map(Number)
      : [];
  await waitFor(() => read().length >= count, 5_000);
  const pids = read();
  if (pids.length < count) throw new Error(`expected ${count} pids in ${path}, got ${pids.length}`);
  return pids;
}

/** Kills a pid the test started, ignoring one that is already gone. */
export function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * Transpiles src/process (and src/errors.ts, which it imports) into `outDir`,
 * keeping the layout: a test of golive's own death needs a separate node
 * process to kill, and tests otherwise run the TypeScript sources directly.
 */
export function transpileRunner(outDir: string): void {
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
