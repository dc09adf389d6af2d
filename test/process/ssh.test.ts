import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProcessRunner } from '../../src/process/runner.ts';
import { controlDirectory, controlPath } from '../../src/process/ssh-options.ts';
import type { OutputStream } from '../../src/process/types.ts';
import { makeTempDir, transpileRunner, waitFor } from './helpers.ts';
import { markedSleep, processesWith, remoteSpec, survivorsWith, targetOf, useSshFleet } from './ssh-helpers.ts';

const fleet = useSshFleet(2, { namePrefix: 'web' });
let temp: ReturnType<typeof makeTempDir>;
let runner: ReturnType<typeof createProcessRunner>;

beforeEach(() => {
  temp = makeTempDir();
  runner = createProcessRunner({ ssh: { configFile: fleet.current.configFile } });
});
afterEach(async () => {
  await runner.closeConnections?.();
  temp.cleanup();
});

/** Runs a spec and collects what onOutput got, per stream. */
async function runCollecting(spec: Parameters<typeof runner.start>[0]) {
  const seen: Record<OutputStream, string> = { stdout: '', stderr: '' };
  const result = await runner.start(spec, (stream, text) => (seen[stream] += text)).result;
  return { result, seen };
}

describe('a remote command', () => {
  it('runs in the remote login directory with its environment; stdout and stderr stay apart and are masked', async () => {
    const host = fleet.current.hosts[0];
    const logPath = join(temp.dir, 'logs', 'step.log');
    const command = 'echo "out $RELEASE $TOKEN"; pwd; echo "err line" >&2; printf "no newline" >&2';
    const { result, seen } = await runCollecting(
      remoteSpec(host, command, { env: { RELEASE: '2.4.0', TOKEN: 'tok-secret-41' }, secrets: ['tok-secret-41'], logPath, cwd: temp.dir }),
    );
    expect(result).toMatchObject({ exitCode: 0, signal: null, ok: true, timedOut: false, stopped: false });
    expect(result.transportError).toBeUndefined();
    expect(seen.stdout).toBe(`out 2.4.0 ***\n${userInfo().homedir}\n`);
    expect(seen.stderr).toBe('err line\nno newline');
    expect(result.outputBytes).toBe(Buffer.byteLength(`out 2.4.0 tok-secret-41\n${userInfo().homedir}\nerr line\nno newline`));
    const log = readFileSync(logPath, 'utf8');
    expect(log).toContain('out 2.4.0 ***');
    expect(log).not.toContain('tok-secret-41');
    expect(result.head).not.toContain('tok-secret-41');
  });

  it('starts like a command of a plain ssh session: the login umask, no signal ignored', async () => {
    const host = fleet.current.hosts[0];
    const { result } = await runCollecting(remoteSpec(host, 'umask; grep SigIgn /proc/self/status'));
    const [umask, ignored] = result.head.trim().split('\n');
    expect(umask).not.toBe('0077');
    expect(umask).toMatch(/^0+[0-7]{2,3}$/);
    expect(ignored).toBe('SigIgn:\t0000000000000000');
  });

  it('streams output while the command still runs', async () => {
    const host = fleet.current.hosts[0];
    const go = join(host.stateDir, 'go-stream');
    let seen = '';
    const running = runner.start(remoteSpec(host, `echo first; while [ ! -f ${go} ]; do sleep 0.05; done; echo second`), (_, text) => (seen += text));
    expect(await waitFor(() => seen === 'first\n', 10_000)).toBe(true);
    writeFileSync(go, '');
    const result = await running.result;
    expect(seen).toBe('first\nsecond\n');
    expect(result.ok).toBe(true);
  });

  it('reports the exit status of the command, 255 included, not as a transport error', async () => {
    const host = fleet.current.hosts[0];
    for (const status of [3, 255]) {
      const { result } = await runCollecting(remoteSpec(host, `echo before; exit ${status}`));
      expect(result).toMatchObject({ exitCode: status, signal: null, ok: false, head: 'before\n' });
      expect(result.transportError).toBeUndefined();
    }
  });

  it('runs the shell the spec names, with the same flags as a local command', async () => {
    const host = fleet.current.hosts[0];
    const bash = await runCollecting(remoteSpec(host, 'false | true; echo not reached'));
    expect(bash.result).toMatchObject({ exitCode: 1, head: '' }); // bash -e -o pipefail
    const sh = await runCollecting(remoteSpec(host, 'false; echo not reached', { shell: 'sh' }));
    expect(sh.result).toMatchObject({ exitCode: 1, head: '' }); // sh -e
    const other = await runCollecting(remoteSpec(host, 'false; echo reached', { shell: 'dash' }));
    expect(other.result).toMatchObject({ exitCode: 0, head: 'reached\n' }); // no flags for other shells
    const missing = await runCollecting(remoteSpec(host, 'true', { shell: 'no-such-shell' }));
    expect(missing.result).toMatchObject({
      ok: false,
      exitCode: null,
      spawnError: `on web1 (127.0.0.1:${host.port}): the shell no-such-shell was not found`,
    });
  });

  it('returns $GOLIVE_OUTPUT lines, refuses those holding a secret, and removes the remote file', async () => {
    const host = fleet.current.hosts[0];
    const pathFile = join(host.stateDir, 'outputs-path');
    const command = [
      `echo "$GOLIVE_OUTPUT" > ${pathFile}`,
      'echo version=2.4.0 >> "$GOLIVE_OUTPUT"',
      'echo "token=$TOKEN" >> "$GOLIVE_OUTPUT"',
      `printf 'notes<<END\\nline 1\\nline 2\\nEND\\n' >> "$GOLIVE_OUTPUT"`,
      'exit 2',
    ].join('; ');
    const { result } = await runCollecting(remoteSpec(host, command, { env: { TOKEN: 'tok-secret-42' }, secrets: ['tok-secret-42'], captureOutputs: true }));
    expect(result).toMatchObject({ exitCode: 2, outputs: { version: '2.4.0', notes: 'line 1\nline 2' }, refusedOutputs: ['token'] });
    const remotePath = readFileSync(pathFile, 'utf8').trim();
    expect(remotePath).not.toBe('');
    expect(existsSync(remotePath)).toBe(false);
    expect(existsSync(join(remotePath, '..'))).toBe(false); // its private directory is gone too
  });

  it('never puts the command text, its environment or secrets on a command line, here or there', async () => {
    const host = fleet.current.hosts[0];
    const inText = `text-secret-${Math.random().toString(36).slice(2)}`;
    const inEnv = `env-secret-${Math.random().toString(36).slice(2)}`;
    const ready = join(host.stateDir, 'ready-cmdline');
    const go = join(host.stateDir, 'go-cmdline');
    const command = `expected='${inText}'; test "$DB_PASSWORD" = '${inEnv}'; touch ${ready}; while [ ! -f ${go} ]; do sleep 0.05; done; echo "$expected"`;
    const running = runner.start(remoteSpec(host, command, { env: { DB_PASSWORD: inEnv }, secrets: [inText, inEnv] }));
    expect(await waitFor(() => existsSync(ready), 10_000)).toBe(true);
    // The remote wrapper, its shell and the ssh client are all running now.
    expect(processesWith('golive_bytes').length).toBeGreaterThan(0);
    expect(processesWith(inText)).toEqual([]);
    expect(processesWith(inEnv)).toEqual([]);
    writeFileSync(go, '');
    const result = await running.result;
    expect(result).toMatchObject({ ok: true, head: '***\n' });
  });

  it('passes any variable to the command without changing what the remote side does with it', async () => {
    const host = fleet.current.hosts[0];
    const env = { golive_dir: '/', golive_group: '1', golive_status: '9', IFS: '-', TMPDIR: host.stateDir };
    const { result } = await runCollecting(
      remoteSpec(host, 'echo "$golive_dir $golive_group $golive_status"; echo a=b >> "$GOLIVE_OUTPUT"', { env, captureOutputs: true }),
    );
    expect(result).toMatchObject({ ok: true, exitCode: 0, head: '/ 1 9\n', outputs: { a: 'b' } }); // bash itself takes no IFS from its environment
  });

  it('refuses an environment name that no remote shell can take, before connecting', async () => {
    const host = fleet.current.hosts[0];
    const { result } = await runCollecting(remoteSpec(host, 'true', { env: { 'not-a-name': 'x' } }));
    expect(result.ok).toBe(false);
    expect(result.spawnError).toMatch(/`not-a-name` cannot be passed to a remote shell/);
  });
});

describe('transport failures', () => {
  /** A port on 127.0.0.1 that nothing listens on. */
  async function closedPort(): Promise<number> {
    return new Promise((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 1));
      });
    });
  }

  /** The fleet's ssh_config with one line replaced. */
  function configWith(key: string, value: string): string {
    const path = join(temp.dir, `ssh_config-${key}`);
    const text = readFileSync(fleet.current.configFile, 'utf8').replace(new RegExp(`^  ${key} .*$`, 'm'), `  ${key} ${value}`);
    writeFileSync(path, text);
    return path;
  }

  it('names the target and ssh’s cause when nothing listens', async () => {
    const port = await closedPort();
    const result = await runner.start(remoteSpec(fleet.current.hosts[0], 'true', { target: { name: 'web9', host: '127.0.0.1', port } })).result;
    expect(result).toMatchObject({ ok: false, exitCode: null, signal: null });
    expect(result.transportError).toBe(`could not connect to web9 (127.0.0.1:${port}): Connection refused`);
  });

  it('keeps host key checking on: an unknown host key is refused, nothing runs', async () => {
    const host = fleet.current.hosts[1];
    const emptyKnownHosts = join(temp.dir, 'known_hosts');
    writeFileSync(emptyKnownHosts, '');
    const strict = createProcessRunner({ ssh: { configFile: configWith('UserKnownHostsFile', emptyKnownHosts) } });
    const marker = join(host.stateDir, 'ran-unknown-key');
    const result = await strict.start(remoteSpec(host, `touch ${marker}`)).result;
    await strict.closeConnections?.();
    expect(result.ok).toBe(false);
    expect(result.transportError).toMatch(
      /^could not connect to web2 \(127\.0\.0\.1:\d+\): Host key verification failed \(the host's key must be in known_hosts/,
    );
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses a changed host key, whatever else the configuration allows', async () => {
    const host = fleet.current.hosts[1];
    const otherHostKey = join(temp.dir, 'other_host_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherHostKey]);
    const knownHosts = join(temp.dir, 'known_hosts_changed');
    const [type, key] = readFileSync(`${otherHostKey}.pub`, 'utf8').split(' ');
    writeFileSync(knownHosts, `[127.0.0.1]:${host.port} ${type} ${key}\n`);
    const strict = createProcessRunner({ ssh: { configFile: configWith('UserKnownHostsFile', knownHosts) } });
    const marker = join(host.stateDir, 'ran-changed-key');
    const result = await strict.start(remoteSpec(host, `touch ${marker}`)).result;
    await strict.closeConnections?.();
    expect(result.transportError).toMatch(/^could not connect to web2 \(127\.0\.0\.1:\d+\): Host key verification failed/);
    expect(existsSync(marker)).toBe(false);
  });

  it('reports refused authentication as such', async () => {
    const host = fleet.current.hosts[1];
    const otherKey = join(temp.dir, 'other_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey]);
    const refused = createProcessRunner({ ssh: { configFile: configWith('IdentityFile', otherKey) } });
    const result = await refused.start(remoteSpec(host, 'true')).result;
    await refused.closeConnections?.();
    expect(result.transportError).toMatch(
      /^could not connect to web2 \(127\.0\.0\.1:\d+\): Permission denied \(publickey\) \(golive connects with BatchMode=yes/,
    );
  });

  it('reports a connection lost mid-command, and the remote command does not survive it', async () => {
    const host = fleet.current.hosts[0];
    const sleep = markedSleep();
    const ready = join(host.stateDir, 'ready-lost');
    const running = runner.start(remoteSpec(host, `touch ${ready}; sleep ${sleep}`, { killGraceMs: 500 }));
    expect(await waitFor(() => existsSync(ready), 10_000)).toBe(true);
    // The shared connection's master process is the one holding the TCP connection: kill it.
    const check = spawnSync(
      'ssh',
      ['-F', fleet.current.configFile, '-o', `ControlPath=${controlPath(controlDirectory())}`, '-O', 'check', '-p', String(host.port), '127.0.0.1'],
      {
        encoding: 'utf8',
      },
    );
    const master = Number(/pid=(\d+)/.exec(check.stderr)?.[1]);
    expect(master).toBeGreaterThan(0);
    process.kill(master, 'SIGKILL');
    const result = await running.result;
    expect(result).toMatchObject({ ok: false, exitCode: null });
    expect(result.transportError).toMatch(/^lost the connection to web1 \(127\.0\.0\.1:\d+\) while the command ran: .+; its remote status is unknown$/);
    expect(await survivorsWith(sleep, 5_000)).toEqual([]);
  });
});

describe('connection reuse', () => {
  /** Whether a shared connection to `host` is open (`ssh -O check`). */
  function masterRunning(port: number): boolean {
    const args = ['-F', fleet.current.configFile, '-o', `ControlPath=${controlPath(controlDirectory())}`, '-O', 'check', '-p', String(port), '127.0.0.1'];
    return spawnSync('ssh', args, { stdio: 'ignore' }).status === 0;
  }

  afterAll(() => {
    for (const host of fleet.current.hosts) expect(masterRunning(host.port)).toBe(false);
  });

  it('keeps one connection per host open between commands, and closeConnections closes it', async () => {
    const [first, second] = fleet.current.hosts;
    for (const host of [first, second, first]) expect((await runner.start(remoteSpec(host, 'true')).result).ok).toBe(true);
    expect(masterRunning(first.port)).toBe(true);
    expect(masterRunning(second.port)).toBe(true);
    await runner.closeConnections?.();
    expect(masterRunning(first.port)).toBe(false);
    expect(masterRunning(second.port)).toBe(false);
  });

  it("closing one golive process's connections leaves another's commands on the same host running", async () => {
    const host = fleet.current.hosts[0];
    const ready = join(host.stateDir, 'ready-other-process');
    const go = join(host.stateDir, 'go-other-process');
    transpileRunner(temp.dir);
    const script = join(temp.dir, 'other-golive.mjs');
    const spec = remoteSpec(host, `touch ${ready}; while [ ! -f ${go} ]; do sleep 0.05; done; echo finished`);
    writeFileSync(
      script,
      `import { createProcessRunner } from './process/runner.js';
const runner = createProcessRunner({ ssh: { configFile: ${JSON.stringify(fleet.current.configFile)} } });
const result = await runner.start(${JSON.stringify(spec)}).result;
await runner.closeConnections();
process.stdout.write(JSON.stringify(result));
`,
    );
    const other = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let printed = '';
    other.stdout.on('data', (chunk) => (printed += chunk));
    const exited = new Promise((resolve) => other.on('exit', resolve));
    expect(await waitFor(() => existsSync(ready), 10_000)).toBe(true);
    expect((await runner.start(remoteSpec(host, 'true')).result).ok).toBe(true);
    await runner.closeConnections?.();
    writeFileSync(go, '');
    await exited;
    expect(JSON.parse(printed)).toMatchObject({ ok: true, exitCode: 0, head: 'finished\n' });
  });

  it('gives each target its own name in messages, even on the same host', async () => {
    const host = fleet.current.hosts[0];
    const result = await runner.start(remoteSpec(host, 'true', { shell: 'missing-shell', target: targetOf(host, 'db1') })).result;
    expect(result.spawnError).toMatch(/^on db1 \(127\.0\.0\.1:\d+\): the shell missing-shell was not found$/);
  });
});
