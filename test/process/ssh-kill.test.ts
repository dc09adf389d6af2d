import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProcessRunner } from '../../src/process/runner.ts';
import { killQuietly, makeTempDir, transpileRunner, waitFor } from './helpers.ts';
import { markedSleep, processesWith, remoteSpec, survivorsWith, useSshFleet } from './ssh-helpers.ts';

// Stopping a remote command must stop its whole process tree on the remote
// side: sshd without a terminal does not, so a timed-out `ssh host 'sleep 300'`
// used to leave the sleep running. Every test starts sleeps with a duration
// of its own (the marker) and checks that no process with it is left.

const fleet = useSshFleet(1);
let temp: ReturnType<typeof makeTempDir>;
let runner: ReturnType<typeof createProcessRunner>;
const started: number[] = [];

beforeEach(async () => {
  temp = makeTempDir();
  runner = createProcessRunner({ ssh: { configFile: fleet.current.configFile } });
  // Connected before the test's command starts: its timeout then measures the command, not a handshake on a loaded machine.
  expect((await runner.start(remoteSpec(fleet.current.hosts[0], 'true')).result).ok).toBe(true);
});
afterEach(async () => {
  for (const pid of started.splice(0)) killQuietly(pid);
  await runner.closeConnections?.();
  temp.cleanup();
});

/** A remote tree: two background sleeps and a foreground one, all with the marker; `ready` appears once they run. */
function treeCommand(sleep: string, ready: string, prefix = ''): string {
  return `${prefix}sleep ${sleep} & sleep ${sleep} & touch ${ready}; sleep ${sleep}`;
}

/** Waits for the remote tree of `treeCommand` to be up: three sleeps with the marker. */
async function treeRunning(sleep: string, ready: string): Promise<void> {
  expect(await waitFor(() => existsSync(ready) && processesWith(sleep).length === 3, 20_000)).toBe(true);
}

describe('stopping a remote command', () => {
  it('a timeout stops the whole remote tree, background children included', async () => {
    const host = fleet.current.hosts[0];
    const sleep = markedSleep();
    const ready = join(host.stateDir, 'ready-timeout');
    const running = runner.start(remoteSpec(host, treeCommand(sleep, ready), { timeoutMs: 2_000, killGraceMs: 10_000 }));
    await treeRunning(sleep, ready);
    const result = await running.result;
    expect(result).toMatchObject({ timedOut: true, ok: false, exitCode: null, signal: 'SIGTERM' });
    expect(result.transportError).toBeUndefined();
    expect(result.durationMs).toBeLessThan(8_000); // the group died on SIGTERM: no wait for the grace
    expect(await survivorsWith(sleep, 2_000)).toEqual([]);
  });

  it('SIGKILLs the remote group after the grace when SIGTERM is ignored', async () => {
    const host = fleet.current.hosts[0];
    const sleep = markedSleep();
    const ready = join(host.stateDir, 'ready-ignored');
    const running = runner.start(remoteSpec(host, treeCommand(sleep, ready, "trap '' TERM; "), { timeoutMs: 2_000, killGraceMs: 700 }));
    await treeRunning(sleep, ready);
    const result = await running.result;
    expect(result).toMatchObject({ timedOut: true, ok: false, exitCode: null, signal: 'SIGKILL' });
    expect(result.durationMs).toBeGreaterThanOrEqual(2_650);
    expect(await survivorsWith(sleep, 2_000)).toEqual([]);
  });

  it('terminate() gives the remote command its grace to clean up, and reports its status', async () => {
    const host = fleet.current.hosts[0];
    const sleep = markedSleep();
    const ready = join(host.stateDir, 'ready-terminate');
    const command = `trap 'echo cleaning; exit 7' TERM; sleep ${sleep} & sleep ${sleep} & touch ${ready}; sleep ${sleep} & wait`;
    const running = runner.start(remoteSpec(host, command, { killGraceMs: 5_000 }));
    await treeRunning(sleep, ready);
    running.terminate();
    const result = await running.result;
    expect(result).toMatchObject({ stopped: true, timedOut: false, ok: false, exitCode: 7, signal: null, head: 'cleaning\n' });
    expect(await survivorsWith(sleep, 2_000)).toEqual([]);
  });

  it('kill() stops the remote tree at once, even when it ignores SIGTERM', async () => {
    const host = fleet.current.hosts[0];
    const sleep = markedSleep();
    const ready = join(host.stateDir, 'ready-kill');
    const running = runner.start(remoteSpec(host, treeCommand(sleep, ready, "trap '' TERM; "), { killGraceMs: 30_000 }));
    await treeRunning(sleep, ready);
    const before = performance.now();
    running.kill();
    const result = await running.result;
    expect(performance.now() - before).toBeLessThan(10_000); // far below the 30 s grace
    expect(result).toMatchObject({ stopped: true, ok: false, exitCode: null, signal: 'SIGKILL' });
    expect(await survivorsWith(sleep, 2_000)).toEqual([]);
  });

  it('kill() after terminate() does not wait for the grace (a second Ctrl-C)', async () => {
    const host = fleet.current.hosts[0];
    const sleep = markedSleep();
    const ready = join(host.stateDir, 'ready-twice');
    const running = runner.start(remoteSpec(host, treeCommand(sleep, ready, "trap '' TERM; "), { killGraceMs: 30_000 }));
    await treeRunning(sleep, ready);
    running.terminate();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(processesWith(sleep)).toHaveLength(3); // SIGTERM is ignored
    const before = performance.now();
    running.kill();
    const result = await running.result;
    expect(performance.now() - before).toBeLessThan(10_000); // far below the 30 s grace
    expect(result).toMatchObject({ stopped: true, ok: false, exitCode: null, signal: 'SIGKILL' });
    expect(await survivorsWith(sleep, 2_000)).toEqual([]);
  });

  it('a killed ssh client leaves nothing running remotely, and says the status is unknown', async () => {
    const host = fleet.current.hosts[0];
    const sleep = markedSleep();
    const ready = join(host.stateDir, 'ready-client');
    const running = runner.start(remoteSpec(host, treeCommand(sleep, ready), { killGraceMs: 1_000 }));
    await treeRunning(sleep, ready);
    process.kill(running.pid!, 'SIGKILL');
    const result = await running.result;
    expect(result).toMatchObject({ ok: false, exitCode: null, signal: null });
    expect(result.transportError).toMatch(/^lost the connection to host1 \(127\.0\.0\.1:\d+\) while the command ran: .*ssh was killed by SIGKILL/);
    expect(await survivorsWith(sleep, 4_000)).toEqual([]);
  });

  it('golive killed with SIGKILL leaves nothing running remotely', async () => {
    const host = fleet.current.hosts[0];
    const sleep = markedSleep();
    const ready = join(host.stateDir, 'ready-golive');
    transpileRunner(temp.dir);
    const script = join(temp.dir, 'golive-like.mjs');
    const spec = remoteSpec(host, treeCommand(sleep, ready), { killGraceMs: 1_000 });
    writeFileSync(
      script,
      `import { createProcessRunner } from './process/runner.js';
const runner = createProcessRunner({ ssh: { configFile: ${JSON.stringify(fleet.current.configFile)} } });
runner.start(${JSON.stringify(spec)});
setInterval(() => {}, 1000);
`,
    );
    const golive = spawn(process.execPath, [script], { stdio: 'ignore' });
    started.push(golive.pid!);
    await treeRunning(sleep, ready);
    golive.kill('SIGKILL');
    expect(await survivorsWith(sleep, 5_000)).toEqual([]);
  });
});

describe('stopping before the command started', () => {
  let proxy: Server | undefined;
  afterEach(() => {
    proxy?.close();
    proxy = undefined;
  });

  /** A TCP proxy to `port` that lets each connection through only after `delayMs`: a slow network. */
  async function slowProxy(port: number, delayMs: number): Promise<number> {
    proxy = createServer((client) => {
      client.pause();
      const timer = setTimeout(() => {
        const upstream = connect(port, '127.0.0.1');
        client.pipe(upstream).pipe(client);
        client.resume();
        upstream.on('error', () => client.destroy());
      }, delayMs);
      client.on('error', () => clearTimeout(timer));
      client.on('close', () => clearTimeout(timer));
    });
    return new Promise((resolve) => proxy!.listen(0, '127.0.0.1', () => resolve((proxy!.address() as { port: number }).port)));
  }

  it('a timeout while ssh is still connecting kills the client, and the command never runs', async () => {
    const host = fleet.current.hosts[0];
    const proxyPort = await slowProxy(host.port, 3_000);
    // The proxy's port must be a known host too: the same key as the server behind it.
    const knownHosts = join(temp.dir, 'known_hosts');
    const serverKey = readFileSync(fleet.current.configFile, 'utf8').match(/UserKnownHostsFile (\S+)/)![1];
    const line = readFileSync(serverKey, 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith(`[127.0.0.1]:${host.port} `))!;
    writeFileSync(knownHosts, `${line.replace(`:${host.port} `, `:${proxyPort} `)}\n`);
    const config = join(temp.dir, 'ssh_config');
    writeFileSync(config, readFileSync(fleet.current.configFile, 'utf8').replace(/UserKnownHostsFile \S+/, `UserKnownHostsFile ${knownHosts}`));
    const slow = createProcessRunner({ ssh: { configFile: config } });
    const ran = join(host.stateDir, 'ran-after-timeout');
    const result = await slow.start(remoteSpec(host, `touch ${ran}`, { target: { name: 'slow1', host: '127.0.0.1', port: proxyPort }, timeoutMs: 400 })).result;
    expect(result).toMatchObject({ timedOut: true, ok: false, exitCode: null });
    expect(result.transportError).toBeUndefined();
    expect(result.durationMs).toBeLessThan(2_500);
    await new Promise((resolve) => setTimeout(resolve, 4_000)); // past the moment the connection would have gone through
    expect(existsSync(ran)).toBe(false);
    await slow.closeConnections?.();
  });
});
