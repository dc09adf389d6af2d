import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GoliveError, LockHeldError } from '../../src/errors.ts';
import { acquireMachineLock, DEFAULT_LOCK_DIR, lockDirFor, lockKeyOf, type MachineLockHolder } from '../../src/journal/machine-lock.ts';

const scratch: string[] = [];
afterAll(() =>
  scratch.forEach((dir) => {
    rmSync(dir, { recursive: true, force: true });
  }),
);

function lockDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'golive-machine-lock-'));
  scratch.push(root);
  return join(root, 'locks');
}

const holder = (runId: string, environment: string | null = 'uat'): Omit<MachineLockHolder, 'since'> => ({
  runId,
  pid: process.pid,
  operator: 'ana',
  host: 'deploy-1',
  journal: `/srv/${runId}/.golive/golive.db`,
  runbook: 'webshop',
  environment,
});

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('acquireMachineLock', () => {
  it('refuses a second holder of the same runbook and environment (exit 5), naming the first one', () => {
    const dir = lockDir();
    const first = acquireMachineLock(holder('RUN-A'), dir);
    try {
      const error = caught(() => acquireMachineLock(holder('RUN-B'), dir));
      expect(error).toBeInstanceOf(LockHeldError);
      expect((error as LockHeldError).exitCode).toBe(5);
      expect((error as LockHeldError).message).toMatch(
        /^runbook webshop in uat is locked by run RUN-A on this machine \(pid \d+ on deploy-1, operator ana, since \d{4}-\d\d-\d\dT[\d:.]+Z, journal \/srv\/RUN-A\/\.golive\/golive\.db\)$/,
      );
      expect((error as LockHeldError).hint).toBe('wait for it to finish, or check `golive status RUN-A --db /srv/RUN-A/.golive/golive.db`');
    } finally {
      first.release();
    }
    // Released: the next one gets it, and its details replace the first's.
    const second = acquireMachineLock(holder('RUN-B'), dir);
    const details = JSON.parse(readFileSync(join(dir, `${lockKeyOf('webshop', 'uat')}.holder.json`), 'utf8'));
    expect(details).toMatchObject({ runId: 'RUN-B', runbook: 'webshop', environment: 'uat' });
    second.release();
    second.release(); // idempotent
    expect(readFileSync(join(dir, `${lockKeyOf('webshop', 'uat')}.holder.json`), 'utf8')).toBe('');
  });

  it('keeps other deployments apart: another environment, another runbook or no environment take their own lock', () => {
    const dir = lockDir();
    const locks = [
      acquireMachineLock(holder('A', 'uat'), dir),
      acquireMachineLock(holder('B', 'production'), dir),
      acquireMachineLock(holder('C', null), dir),
      acquireMachineLock({ ...holder('D'), runbook: 'billing' }, dir),
    ];
    expect(new Set(locks.map((l) => l.path)).size).toBe(4);
    locks.forEach((l) => {
      l.release();
    });
  });

  it('creates the directory 1777 and the files 0666, so every operator of the machine can take the lock', () => {
    const dir = lockDir();
    const lock = acquireMachineLock(holder('A'), dir);
    lock.release();
    expect(statSync(dir).mode & 0o7777).toBe(0o1777);
    expect(statSync(lock.path).mode & 0o777).toBe(0o666);
    expect(statSync(lock.path.replace(/\.lock$/, '.holder.json')).mode & 0o777).toBe(0o666);
    // No rollback journal is left beside the lock file.
    expect(existsSync(`${lock.path}-journal`)).toBe(false);
  });

  it('an unusable lock directory is exit 5, naming the directory and GOLIVE_LOCK_DIR', () => {
    const file = join(lockDir(), '..', 'not-a-dir');
    writeFileSync(file, '');
    const error = caught(() => acquireMachineLock(holder('A'), file));
    expect(error).toBeInstanceOf(GoliveError);
    expect((error as GoliveError).exitCode).toBe(5);
    expect((error as GoliveError).message).toBe(`the lock directory ${file} is not a directory; without the deployment lock nothing was executed`);
    expect((error as GoliveError).hint).toContain('GOLIVE_LOCK_DIR');
    const below = caught(() => acquireMachineLock(holder('A'), join(file, 'locks')));
    expect((below as GoliveError).exitCode).toBe(5);
    expect((below as GoliveError).message).toContain('a part of the path is a file, not a directory');
  });

  it('names an unknown holder when its details cannot be read', () => {
    const dir = lockDir();
    const first = acquireMachineLock(holder('A'), dir);
    writeFileSync(join(dir, `${lockKeyOf('webshop', 'uat')}.holder.json`), 'garbage');
    try {
      const error = caught(() => acquireMachineLock(holder('B'), dir)) as LockHeldError;
      expect(error.exitCode).toBe(5);
      expect(error.message).toBe('runbook webshop in uat is locked on this machine by another golive whose details cannot be read');
    } finally {
      first.release();
    }
  });
});

describe('lockDirFor', () => {
  it('is GOLIVE_LOCK_DIR (relative to the working directory), else the machine-wide default', () => {
    expect(lockDirFor({}, '/srv')).toBe(DEFAULT_LOCK_DIR);
    expect(lockDirFor({ GOLIVE_LOCK_DIR: '' }, '/srv')).toBe(DEFAULT_LOCK_DIR);
    expect(lockDirFor({ GOLIVE_LOCK_DIR: 'locks' }, '/srv')).toBe('/srv/locks');
    expect(lockDirFor({ GOLIVE_LOCK_DIR: '/run/lock/golive' }, '/srv')).toBe('/run/lock/golive');
  });
});
