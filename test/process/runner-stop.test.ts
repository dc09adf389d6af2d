import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProcessRunner, killAllProcessGroups } from '../../src/process/runner.ts';
import { bashSpec, isGone, killQuietly, makeTempDir, readPids, waitFor } from './helpers.ts';

const runner = createProcessRunner();
let temp: ReturnType<typeof makeTempDir>;
let pidFile: string;
/** Pids a test must not leave running, whatever the outcome. */
const started: number[] = [];

beforeEach(() => {
  temp = makeTempDir();
  pidFile = join(temp.dir, 'pids');
});
afterEach(() => {
  for (const pid of started.splice(0)) killQuietly(pid);
  temp.cleanup();
});

/** Waits until every pid is gone (zombies count as gone); returns those still running. */
async function survivors(pids: number[]): Promise<number[]> {
  await waitFor(() => pids.every(isGone), 1_000);
  return pids.filter((pid) => !isGone(pid));
}

/** Background sleeps that write their pids, then a foreground sleep: a tree of three. */
function treeCommand(seconds = 30): string {
  return `sleep ${seconds} & echo $! >> "${pidFile}"; sleep ${seconds} & echo $! >> "${pidFile}"; sleep ${seconds}`;
}

describe('timeout', () => {
  it('SIGTERMs the whole group: grandchildren do not survive', async () => {
    const running = runner.start(bashSpec(treeCommand(), { timeoutMs: 300, killGraceMs: 2_000 }));
    const grandchildren = await readPids(pidFile, 2);
    started.push(...grandchildren);
    const result = await running.result;
    expect(result).toMatchObject({ timedOut: true, stopped: false, ok: false, exitCode: null, signal: 'SIGTERM' });
    expect(result.durationMs).toBeGreaterThanOrEqual(290);
    expect(result.durationMs).toBeLessThan(1_500); // did not wait for the grace: the group died on SIGTERM
    expect(await survivors([running.pid!, ...grandchildren])).toEqual([]);
  });

  it('SIGKILLs the group after the grace when SIGTERM is ignored', async () => {
    const command = `trap '' TERM; ${treeCommand()}`;
    const running = runner.start(bashSpec(command, { timeoutMs: 200, killGraceMs: 400 }));
    const grandchildren = await readPids(pidFile, 2);
    started.push(...grandchildren);
    const result = await running.result;
    expect(result).toMatchObject({ timedOut: true, ok: false, exitCode: null, signal: 'SIGKILL' });
    expect(result.durationMs).toBeGreaterThanOrEqual(590);
    expect(await survivors(grandchildren)).toEqual([]);
  });

  it('gives the command its grace period to clean up', async () => {
    const command = "trap 'echo cleaning; sleep 0.2; echo cleaned; exit 5' TERM; sleep 30 & wait";
    const result = await runner.start(bashSpec(command, { timeoutMs: 200, killGraceMs: 3_000 })).result;
    expect(result).toMatchObject({ timedOut: true, ok: false, exitCode: 5, signal: null });
    expect(result.head).toBe('cleaning\ncleaned\n');
    expect(result.durationMs).toBeLessThan(2_000);
  });
});

describe('leftover processes after a normal exit', () => {
  it('does not wait for a process that escaped the group and holds the pipes', async () => {
    const command = `setsid sleep 30 & echo $! > "${pidFile}"; echo done`;
    const running = runner.start(bashSpec(command));
    const [escaped] = await readPids(pidFile, 1);
    started.push(escaped);
    const settledWithin = await Promise.race([running.result.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 1_500))]);
    expect(settledWithin).toBe(true);
    const result = await running.result;
    expect(result).toMatchObject({ exitCode: 0, ok: true, head: 'done\n' });
    expect(result.durationMs).toBeLessThan(1_000);
    // It left the group on purpose: the runner cannot and does not kill it.
    expect(isGone(escaped)).toBe(false);
  });

  it('kills background jobs still holding the pipes, after a short drain', async () => {
    const command = `sleep 30 & echo $! > "${pidFile}"; echo started`;
    const result = await runner.start(bashSpec(command)).result;
    const [background] = await readPids(pidFile, 1);
    started.push(background);
    expect(result).toMatchObject({ exitCode: 0, ok: true, head: 'started\n' });
    expect(result.durationMs).toBeLessThan(1_000);
    expect(await survivors([background])).toEqual([]);
  });

  it('kills background jobs that closed their output when the command ends', async () => {
    const command = `sleep 30 >/dev/null 2>&1 & echo $! > "${pidFile}"`;
    const result = await runner.start(bashSpec(command)).result;
    const [background] = await readPids(pidFile, 1);
    started.push(background);
    expect(result.ok).toBe(true);
    expect(result.durationMs).toBeLessThan(200); // no drain wait (that takes 250 ms): the pipes closed with the shell
    expect(await survivors([background])).toEqual([]);
  });

  it('reads output written by background jobs before they finish', async () => {
    const result = await runner.start(bashSpec('(sleep 0.05; echo late) & echo early')).result;
    expect(result.head).toBe('early\nlate\n');
  });
});

describe('terminate and kill', () => {
  it('terminate() SIGTERMs the tree and marks the result stopped', async () => {
    const running = runner.start(bashSpec(treeCommand(), { killGraceMs: 2_000 }));
    const grandchildren = await readPids(pidFile, 2);
    started.push(...grandchildren);
    running.terminate();
    running.terminate(); // idempotent
    const result = await running.result;
    expect(result).toMatchObject({ stopped: true, timedOut: false, ok: false, exitCode: null, signal: 'SIGTERM' });
    expect(await survivors([running.pid!, ...grandchildren])).toEqual([]);
  });

  it('kill() SIGKILLs the tree at once, even during a terminate() grace', async () => {
    const running = runner.start(bashSpec(`trap '' TERM; ${treeCommand()}`, { killGraceMs: 10_000 }));
    const grandchildren = await readPids(pidFile, 2);
    started.push(...grandchildren);
    running.terminate();
    await new Promise((resolve) => setTimeout(resolve, 100));
    running.kill();
    const result = await running.result;
    expect(result).toMatchObject({ stopped: true, ok: false, exitCode: null, signal: 'SIGKILL' });
    expect(result.durationMs).toBeLessThan(2_000);
    expect(await survivors(grandchildren)).toEqual([]);
  });

  it('terminate() and kill() after the end change nothing', async () => {
    const running = runner.start(bashSpec('echo hi'));
    const before = await running.result;
    running.terminate();
    running.kill();
    const after = await running.result;
    expect(after).toBe(before);
    expect(after).toMatchObject({ stopped: false, ok: true, exitCode: 0 });
  });

  it('killAllProcessGroups() signals every running command group', async () => {
    const first = runner.start(bashSpec('sleep 30'));
    const second = runner.start(bashSpec(treeCommand()));
    const grandchildren = await readPids(pidFile, 2);
    started.push(...grandchildren);
    killAllProcessGroups();
    const results = await Promise.all([first.result, second.result]);
    for (const result of results) expect(result).toMatchObject({ exitCode: null, signal: 'SIGKILL', ok: false });
    expect(await survivors(grandchildren)).toEqual([]);
  });
});
