/**
 * How golive calls OpenSSH's client: the options it sets on every
 * connection, where the connection-reuse sockets live, and how ssh's own
 * error messages become a one-line cause. Everything else (identities,
 * agents, known hosts, StrictHostKeyChecking, proxies) is the operator's ssh
 * configuration, plus the file named by GOLIVE_SSH_CONFIG when set.
 */

import { lstatSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RemoteTarget } from './types.js';

/** What the session tells the transport. */
export interface SshOptions {
  /** An ssh_config file passed as `ssh -F` (from GOLIVE_SSH_CONFIG); default: the operator's own. */
  configFile?: string;
}

/** Seconds ssh waits for a connection to be set up before it gives up. */
export const CONNECT_TIMEOUT_S = 10;
/**
 * Seconds a reused connection stays open after its last command. Long enough
 * to carry a rollout from one host's step to the next (and over a short
 * pause); the session closes it at the end of the run anyway.
 */
const CONTROL_PERSIST_S = 60;

/**
 * Options on every connection. On the command line they win over any
 * ssh_config: BatchMode so that ssh never asks for a password or a host key
 * confirmation (a question nobody sees would hang the step), `-T` because a
 * terminal would merge stdout and stderr, no forwardings (a LocalForward in
 * the operator's config would fail on its second use), keepalives so that a
 * dead connection is noticed within a minute.
 */
function commonArguments(options: SshOptions): string[] {
  return [
    ...(options.configFile !== undefined ? ['-F', options.configFile] : []),
    '-T',
    '-o',
    'BatchMode=yes',
    '-o',
    `ConnectTimeout=${CONNECT_TIMEOUT_S}`,
    '-o',
    'ClearAllForwardings=yes',
    '-o',
    'ServerAliveInterval=15',
    '-o',
    'ServerAliveCountMax=3',
  ];
}

/** The destination part: user, port and host, after `--` so that no host name is read as an option. */
function destinationArguments(target: RemoteTarget): string[] {
  return [...(target.user !== undefined ? ['-l', target.user] : []), ...(target.port !== undefined ? ['-p', String(target.port)] : []), '--', target.host];
}

/**
 * The socket of one shared connection: this process's own (golive's pid),
 * per destination (%C: a hash of local host, remote host, port and user,
 * short enough for the socket path limit). Per process, because closing a
 * shared connection ends every session on it: a run that ends must not cut
 * off another run's commands on the same host.
 */
export function controlPath(controlDir: string): string {
  return join(controlDir, `${process.pid}-%C`);
}

/** The `-o` options that make ssh share one connection per destination through a socket in `controlDir`. */
function reuseArguments(controlDir: string): string[] {
  return ['-o', 'ControlMaster=auto', '-o', `ControlPath=${controlPath(controlDir)}`, '-o', `ControlPersist=${CONTROL_PERSIST_S}`];
}

/** ssh's arguments for one remote command, up to (not including) the remote command line. */
export function commandArguments(target: RemoteTarget, options: SshOptions, controlDir: string, logFile: string): string[] {
  return [...commonArguments(options), ...reuseArguments(controlDir), '-E', logFile, ...destinationArguments(target)];
}

/** ssh's arguments to close the shared connection to `target` (`-O exit`). */
export function closeArguments(target: RemoteTarget, options: SshOptions, controlDir: string): string[] {
  return [...commonArguments(options), '-o', `ControlPath=${controlPath(controlDir)}`, '-O', 'exit', ...destinationArguments(target)];
}

/** ssh's arguments for a connection check that shares nothing and leaves nothing open. */
export function checkArguments(target: RemoteTarget, options: SshOptions, logFile: string): string[] {
  return [...commonArguments(options), '-o', 'ControlMaster=no', '-o', 'ControlPath=none', '-E', logFile, ...destinationArguments(target)];
}

/** A key telling destinations apart: the connection ssh shares for each. */
export function destinationKey(target: RemoteTarget): string {
  return `${target.user ?? ''}@${target.host}:${target.port ?? ''}`;
}

/** The target as messages name it: `web1 (10.0.0.5:2201)`. */
export function describeTarget(target: RemoteTarget): string {
  const address = `${target.user !== undefined ? `${target.user}@` : ''}${target.host}${target.port !== undefined ? `:${target.port}` : ''}`;
  return target.name === target.host ? address : `${target.name} (${address})`;
}

/**
 * The private directory of the connection-reuse sockets: /tmp/golive-ssh-<uid>,
 * 0700. A short fixed path, because a unix socket path is limited to about
 * 104 bytes (macOS's $TMPDIR alone is 49). Refuses a directory that another
 * user could have prepared: someone else's socket there would receive our
 * commands.
 */
export function controlDirectory(): string {
  const uid = process.getuid?.() ?? 0;
  const dir = `/tmp/golive-ssh-${uid}`;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  if (!stat.isDirectory() || stat.uid !== uid || (stat.mode & 0o077) !== 0) {
    throw new Error(`${dir} is not a private directory of this user (mode 0700): remove it, and golive creates it again`);
  }
  return dir;
}

/**
 * ssh's message from its log (`-E`), as one line: the last line that is not
 * debug output, without ssh's `ssh: `, `user@host: ` and `connect to host
 * … port …: ` prefixes (the target is named by the caller). Empty when ssh said nothing.
 */
export function sshFailureCause(log: string): string {
  const lines = log
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^debug\d?:/.test(line) && !/^@+$/.test(line));
  const last = lines.at(-1) ?? '';
  return last
    .replace(/^ssh: /, '')
    .replace(/^[^\s@]+@[^\s:]+: /, '')
    .replace(/^connect to host \S+ port \d+: /, '')
    .replace(/^Could not resolve hostname \S+: /, 'could not resolve the host name: ')
    .replace(/\.$/, '');
}

/** ssh's cause, with what the operator can do about the usual refusals. */
export function withAdvice(cause: string): string {
  if (/Permission denied/i.test(cause))
    return `${cause} (golive connects with BatchMode=yes: the host must accept a key from the agent or the ssh config, without a password prompt)`;
  if (/Host key verification failed/i.test(cause))
    return `${cause} (the host's key must be in known_hosts: golive does not accept unknown or changed host keys)`;
  return cause;
}
