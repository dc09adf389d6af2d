/**
 * Shared pieces of the ssh transport tests: specs aimed at a test server,
 * and finding processes by what is on their command line (client and
 * "remote" side both run on this machine).
 */

import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll } from 'vitest';
import type { CommandSpec, RemoteTarget } from '../../src/process/types.ts';
import { type SshFleet, type SshHost, startSshFleet } from '../e2e/sshd-server.ts';
import { waitFor } from './helpers.ts';

/** The target for one test server, under the name the test gives it. */
export function targetOf(host: SshHost, name = host.name): RemoteTarget {
  return { name, host: host.host, port: host.port };
}

/** A bash spec that runs `command` on `host`. */
export function remoteSpec(host: SshHost, command: string, overrides: Partial<CommandSpec> = {}): CommandSpec {
  return { command, shell: 'bash', cwd: tmpdir(), env: {}, secrets: [], target: targetOf(host), ...overrides };
}

/** Pids of the processes (other than this one) whose command line contains `text`. */
export function processesWith(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state !== 'Z' && cmdline.split('\0').join(' ').includes(text)) found.push(Number(entry));
    } catch {
      // ended while we looked, or not ours to read
    }
  }
  return found;
}

/** Waits until no process has `text` on its command line; returns those still there after `timeoutMs`. */
export async function survivorsWith(text: string, timeoutMs: number): Promise<number[]> {
  await waitFor(() => processesWith(text).length === 0, timeoutMs);
  return processesWith(text);
}

/** A `sleep` duration nobody else uses, so a test can find its own sleeps: `300.<random digits>`. */
export function markedSleep(): string {
  return `300.${String(Math.random()).slice(2, 11)}`;
}

/**
 * Start `count` servers for this test file (beforeAll) and stop them
 * afterwards (afterAll). Read `.current` inside tests and hooks.
 */
export function useSshFleet(count: number, options: { namePrefix?: string } = {}): { readonly current: SshFleet } {
  let fleet: SshFleet | undefined;
  beforeAll(async () => {
    fleet = await startSshFleet(count, options);
  });
  afterAll(async () => {
    await fleet?.stop();
  });
  return {
    get current(): SshFleet {
      if (fleet === undefined) throw new Error('the ssh servers are not started yet (use them inside tests or hooks)');
      return fleet;
    },
  };
}
