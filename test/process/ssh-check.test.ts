import { execFileSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkConnection, sshOnPath } from '../../src/process/ssh-check.ts';
import { controlDirectory } from '../../src/process/ssh-options.ts';
import { makeTempDir } from './helpers.ts';
import { targetOf, useSshFleet } from './ssh-helpers.ts';

const fleet = useSshFleet(1, { namePrefix: 'db' });
let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.cleanup());

describe('sshOnPath', () => {
  it('finds the first executable ssh on PATH, or nothing', () => {
    const fake = join(temp.dir, 'ssh');
    writeFileSync(fake, '#!/bin/sh\n');
    chmodSync(fake, 0o755);
    expect(sshOnPath({ PATH: `relative/dir:${temp.dir}:/usr/bin` })).toBe(fake);
    expect(sshOnPath({ PATH: '/nonexistent' })).toBeUndefined();
    expect(sshOnPath({})).toBeUndefined();
    expect(sshOnPath()).toBe(execFileSync('sh', ['-c', 'command -v ssh'], { encoding: 'utf8' }).trim());
  });
});

describe('checkConnection', () => {
  it('accepts a host that takes a BatchMode connection, running nothing of the runbook there', async () => {
    const host = fleet.current.hosts[0];
    expect(await checkConnection(targetOf(host), { configFile: fleet.current.configFile })).toEqual({ ok: true });
  });

  it('gives a clear cause for a host that refuses the key in BatchMode', async () => {
    const host = fleet.current.hosts[0];
    const otherKey = join(temp.dir, 'other_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey]);
    const config = join(temp.dir, 'ssh_config');
    writeFileSync(config, readFileSync(fleet.current.configFile, 'utf8').replace(/^ {2}IdentityFile .*$/m, `  IdentityFile ${otherKey}`));
    const checked = await checkConnection(targetOf(host), { configFile: config });
    expect(checked).toEqual({
      ok: false,
      cause: `could not connect to db1 (127.0.0.1:${host.port}): Permission denied (publickey) (golive connects with BatchMode=yes: the host must accept a key from the agent or the ssh config, without a password prompt)`,
    });
  });

  it('names the target when nothing answers, and leaves no log behind', async () => {
    const checked = await checkConnection({ name: 'gone', host: '127.0.0.1', port: 1 }, { configFile: fleet.current.configFile });
    expect(checked).toEqual({ ok: false, cause: 'could not connect to gone (127.0.0.1:1): Connection refused' });
    expect(readdirSync(controlDirectory()).filter((name) => name.startsWith(`check-${process.pid}-`))).toEqual([]);
  });
});
