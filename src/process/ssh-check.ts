/**
 * What a dry run may check about remote targets without running anything of
 * the runbook there: that ssh is installed, and that a host accepts a
 * BatchMode connection (the remote side executes `exit 0`, nothing else).
 */

import { spawn } from 'node:child_process';
import { accessSync, constants, readFileSync, rmSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { checkArguments, controlDirectory, describeTarget, type SshOptions, sshFailureCause, withAdvice } from './ssh-options.js';
import type { RemoteTarget } from './types.js';

/** How long one check may take in all (ssh's ConnectTimeout covers only the TCP connection). */
const CHECK_TIMEOUT_MS = 20_000;

/** Names the check logs apart within one golive process. */
let counter = 0;

/** The absolute path of the `ssh` that golive would run (the first on PATH), or undefined. */
export function sshOnPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '' || !isAbsolute(dir)) continue;
    const candidate = join(dir, 'ssh');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Whether `target` accepts a BatchMode connection; the cause names the target and says what ssh said. */
export async function checkConnection(target: RemoteTarget, options: SshOptions = {}): Promise<{ ok: true } | { ok: false; cause: string }> {
  let logFile: string;
  try {
    counter += 1;
    logFile = join(controlDirectory(), `check-${process.pid}-${counter}`);
  } catch (error) {
    return { ok: false, cause: `cannot check ${describeTarget(target)}: ${(error as Error).message}` };
  }
  const ended = await new Promise<{ code: number | null; error?: Error; timedOut: boolean }>((resolve) => {
    const child = spawn('ssh', [...checkArguments(target, options, logFile), 'exit 0'], { stdio: 'ignore' });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ code: null, timedOut: true });
    }, CHECK_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, error, timedOut: false });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, timedOut: false });
    });
  });
  let log = '';
  try {
    log = readFileSync(logFile, 'utf8');
  } catch {
    // ssh wrote nothing
  }
  rmSync(logFile, { force: true });
  if (ended.code === 0) return { ok: true };
  const where = describeTarget(target);
  if (ended.error) return { ok: false, cause: `cannot check ${where}: ssh could not be started (${ended.error.message})` };
  if (ended.timedOut) return { ok: false, cause: `could not connect to ${where}: no answer within ${CHECK_TIMEOUT_MS / 1000} s` };
  const said = sshFailureCause(log);
  return { ok: false, cause: `could not connect to ${where}: ${said !== '' ? withAdvice(said) : `ssh exited with status ${ended.code}`}` };
}
