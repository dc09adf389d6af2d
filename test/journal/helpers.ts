/**
 * Shared fixtures for the audit tests: fresh temp directories, a run, and
 * events shaped like the engine's.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { EngineEventBody, EventOf } from '../../src/engine/events.ts';
import { sha256Hex } from '../../src/journal/hash-chain.ts';
import type { NewRun } from '../../src/journal/types.ts';

const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'golive-audit-'));
  dirs.push(dir);
  return dir;
}

/** A journal path in a fresh directory (the `.golive` folder does not exist yet). */
export function tempDbPath(): string {
  return join(tempDir(), '.golive', 'golive.db');
}

export const RUNBOOK_TEXT = 'golive: 1\nname: webshop-release\nsteps:\n  - id: backup\n    run: ./backup.sh\n';

/** A run of the webshop runbook; override what a test needs. */
export function newRun(overrides: Partial<NewRun> = {}): NewRun {
  const runbookText = overrides.runbookText ?? RUNBOOK_TEXT;
  return {
    id: 'RUN-A',
    parentRunId: null,
    mode: 'run',
    runbookName: 'webshop-release',
    runbookVersion: '2.4.0',
    runbookPath: 'runbooks/webshop-release.yaml',
    runbookText,
    runbookSha256: sha256Hex(runbookText),
    environment: 'production',
    operator: 'ana',
    host: 'deploy-host',
    pid: process.pid,
    gitCommit: 'abc123',
    changeId: 'CHG-20481',
    ...overrides,
  };
}

let tick = 0;

/** An event with a distinct, increasing timestamp. */
export function event<B extends EngineEventBody>(body: B): B & { at: string } {
  tick++;
  return { ...body, at: new Date(Date.UTC(2026, 11, 1, 9, 0, 0, tick)).toISOString() };
}

/** The `run.started` event for a run made by `newRun`. */
export function runStarted(run: NewRun): EventOf<'run.started'> {
  return event({
    kind: 'run.started',
    mode: run.mode,
    runbook: { name: run.runbookName, version: run.runbookVersion ?? undefined, path: run.runbookPath, sha256: run.runbookSha256 },
    environment: run.environment ?? undefined,
    operator: run.operator,
    host: run.host,
    steps: ['backup', 'deploy'],
    expectedMs: 900_000,
    vars: { release: '2.4.0' },
  });
}

/** A pid that certainly belongs to no live process: a child that has exited and been reaped. */
export function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  if (child.pid === undefined) throw new Error('could not spawn node');
  return child.pid;
}
