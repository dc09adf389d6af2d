/**
 * The shipped webshop runbook's little service, for end-to-end tests: its
 * own port, state directory and journal, at release 2.3.0, stopped when the
 * test ends whatever happened.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type TestContext } from 'vitest';
import { repoRoot, runGolive, tempDir } from './helpers.js';
import { freePort, killAll } from './process-helpers.js';

/** The webshop runbook and its scripts. */
export const webshopRunbook = join(repoRoot, 'runbooks', 'webshop-release.yaml');
const scripts = join(repoRoot, 'runbooks', 'webshop');

/** What GET /health answers. */
export interface Health {
  status: string;
  version: string;
  schema: number;
  checkout_flow: string;
  pid: number;
}

/** Set up a webshop at 2.3.0; returns where it lives and how to ask it and golive things. */
export async function startWebshop(context: TestContext, prefix: string) {
  const dir = tempDir(prefix);
  const stateDir = join(dir, 'state');
  const port = await freePort();
  const env = { ...process.env, state_dir: stateDir, port: String(port) };
  const pidFile = join(stateDir, 'service.pid');
  context.onTestFinished(() => {
    spawnSync(join(scripts, 'teardown.sh'), { env, stdio: 'ignore', timeout: 10_000 });
    // Belt and braces: a service teardown could not stop must not outlive the test.
    if (existsSync(pidFile)) killAll([Number(readFileSync(pidFile, 'utf8'))]);
  });
  const setup = spawnSync(join(scripts, 'setup.sh'), { env, encoding: 'utf8', timeout: 20_000 });
  expect(setup.status, `${setup.stdout}\n${setup.stderr}`).toBe(0);
  const health = async (): Promise<Health> => {
    const response = await fetch(`http://127.0.0.1:${port}/health`);
    expect(response.status).toBe(200);
    return (await response.json()) as Health;
  };
  const db = join(dir, 'golive.db');
  const golive = (args: string[]) => runGolive([...args, '--db', db], { cwd: dir, timeoutMs: 60_000 });
  const before = await health();
  expect(before).toMatchObject({ status: 'ok', version: '2.3.0', schema: 3, checkout_flow: 'classic' });
  return { dir, stateDir, port, db, health, golive, before };
}
