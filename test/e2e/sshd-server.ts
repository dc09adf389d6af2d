/**
 * Real OpenSSH servers for the tests: Debian's `sshd -D -e -f <temp config>`
 * on 127.0.0.1 and a free port each, every one with its own host key, all
 * accepting one client key generated here. The ssh_config written for the
 * client pins the host keys in a temporary known_hosts file, so
 * StrictHostKeyChecking stays on: a test passing through these servers
 * proves golive does not turn host key checking off.
 *
 * Remote commands run as the same OS user as the test (root here), and every
 * host is 127.0.0.1, so a test reads what a remote command wrote in the
 * host's `stateDir` directly. Servers never outlive the test process: stop()
 * kills each server with every process it forked (connection handlers and
 * the commands they run), and a process 'exit' hook does the same should the
 * worker die first. It never skips: a machine without sshd fails the tests
 * (`.ci/run` installs openssh-server).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/** Where Debian's openssh-server puts the daemon; sshd refuses to start by a relative path. */
export const SSHD_PATH = '/usr/sbin/sshd';

/** One running server, seen as a remote host. */
export interface SshHost {
  /** The name a runbook would give it (`<prefix><n>`, from 1). */
  name: string;
  host: '127.0.0.1';
  port: number;
  /** A directory remote commands may write into (the test reads it directly). */
  stateDir: string;
  /** The OS user remote commands run as (the test's own). */
  user: string;
}

/** A set of running servers and the client configuration that reaches them. */
export interface SshFleet {
  hosts: SshHost[];
  /** An ssh_config file (IdentityFile, UserKnownHostsFile, StrictHostKeyChecking, …) to pass as GOLIVE_SSH_CONFIG. */
  configFile: string;
  /** Environment for the golive child process: { GOLIVE_SSH_CONFIG: configFile }. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** A running sshd: its process and the log it writes (`-e`: to stderr, collected here). */
interface Server {
  child: ChildProcess;
  log: string[];
}

/** How long a server may take to accept connections. */
const START_TIMEOUT_MS = 10_000;

/** A TCP port nobody listens on right now. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A fresh ed25519 key pair without a passphrase; returns the public key's text. */
function generateKey(path: string): string {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'golive-test', '-f', path], { stdio: ['ignore', 'pipe', 'pipe'] });
  return readFileSync(`${path}.pub`, 'utf8').trim();
}

/** The pids of every descendant of `pid` (children first found, recursively), from /proc. */
function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // ended while we looked
    }
  }
  const found: number[] = [];
  const pending = [pid];
  while (pending.length > 0) {
    for (const child of children.get(pending.pop()!) ?? []) {
      found.push(child);
      pending.push(child);
    }
  }
  return found;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Resolves once `port` accepts a TCP connection; rejects when the server exits first or takes too long. */
async function waitUntilListening(port: number, server: Server): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new Error(`sshd on port ${port} exited at start: ${server.log.join('').trim() || `status ${server.child.exitCode}`}`);
    }
    const accepted = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (accepted) return;
    if (Date.now() > deadline) throw new Error(`sshd on port ${port} did not accept connections within ${START_TIMEOUT_MS} ms: ${server.log.join('')}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The sshd_config of one server: everything in its own directory, one authorized key, root allowed (the tests run as root). */
function serverConfig(dir: string, port: number): string {
  return [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'host_ed25519')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'StrictModes no',
    'UsePAM no',
    'PermitRootLogin yes',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'AuthenticationMethods publickey',
    'X11Forwarding no',
    'PrintMotd no',
    'LogLevel ERROR',
    '',
  ].join('\n');
}

async function startServer(dir: string, clientKey: string): Promise<{ port: number; server: Server; hostKey: string }> {
  mkdirSync(dir, { mode: 0o700 });
  const hostKey = generateKey(join(dir, 'host_ed25519'));
  writeFileSync(join(dir, 'authorized_keys'), `${clientKey}\n`, { mode: 0o600 });
  // Another process may take a free port before sshd binds it: try a few.
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const configPath = join(dir, 'sshd_config');
    writeFileSync(configPath, serverConfig(dir, port));
    const server: Server = { child: spawn(SSHD_PATH, ['-D', '-e', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] }), log: [] };
    server.child.stderr!.setEncoding('utf8').on('data', (text: string) => server.log.push(text));
    server.child.on('error', (error) => server.log.push(`${error.message}\n`));
    try {
      await waitUntilListening(port, server);
      return { port, server, hostKey };
    } catch (error) {
      killQuietly(server.child.pid ?? -1);
      if (attempt >= 3 || !server.log.join('').includes('Address already in use')) throw error;
    }
  }
}

/** Starts `count` real sshd servers (sshd -D -f <temp config>, free ports, temp host key, generated client key). */
export async function startSshFleet(count: number, options: { namePrefix?: string } = {}): Promise<SshFleet> {
  if (!existsSync(SSHD_PATH)) throw new Error(`${SSHD_PATH} not found: install openssh-server (.ci/run does)`);
  // Debian's sshd refuses to start without its privilege separation directory, which only the service unit creates.
  if (userInfo().uid === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const root = mkdtempSync(join(tmpdir(), 'golive-sshd-'));
  const servers: Server[] = [];
  let stopped = false;
  // Synchronous, so that it also works in an 'exit' handler.
  const stopNow = (): void => {
    if (stopped) return;
    stopped = true;
    for (const { child } of servers) {
      if (child.pid === undefined) continue;
      // Connection handlers call setsid(): a group kill would miss them and the commands they run.
      for (const pid of descendantsOf(child.pid)) killQuietly(pid);
      killQuietly(child.pid);
    }
    rmSync(root, { recursive: true, force: true });
  };
  process.once('exit', stopNow);
  try {
    const clientKeyPath = join(root, 'client_ed25519');
    const clientKey = generateKey(clientKeyPath);
    const user = userInfo().username;
    const prefix = options.namePrefix ?? 'host';
    const hosts: SshHost[] = [];
    const knownHosts: string[] = [];
    for (let index = 1; index <= count; index += 1) {
      const { port, server, hostKey } = await startServer(join(root, `server-${index}`), clientKey);
      servers.push(server);
      const stateDir = join(root, `state-${index}`);
      mkdirSync(stateDir, { mode: 0o700 });
      hosts.push({ name: `${prefix}${index}`, host: '127.0.0.1', port, stateDir, user });
      knownHosts.push(`[127.0.0.1]:${port} ${hostKey.split(' ').slice(0, 2).join(' ')}`);
    }
    const knownHostsPath = join(root, 'known_hosts');
    writeFileSync(knownHostsPath, `${knownHosts.join('\n')}\n`, { mode: 0o600 });
    const configFile = join(root, 'ssh_config');
    writeFileSync(
      configFile,
      [
        'Host *',
        `  IdentityFile ${clientKeyPath}`,
        '  IdentitiesOnly yes',
        `  UserKnownHostsFile ${knownHostsPath}`,
        '  GlobalKnownHostsFile /dev/null',
        '  StrictHostKeyChecking yes',
        '  BatchMode yes',
        '  LogLevel ERROR',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    return {
      hosts,
      configFile,
      env: { GOLIVE_SSH_CONFIG: configFile },
      async stop() {
        stopNow();
        process.removeListener('exit', stopNow);
      },
    };
  } catch (error) {
    stopNow();
    process.removeListener('exit', stopNow);
    throw error;
  }
}
