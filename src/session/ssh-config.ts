/** The ssh settings a run takes from its environment. */
import { isAbsolute } from 'node:path';
import { UsageError } from '../errors.js';
import type { SshOptions } from '../process/ssh-options.js';

/** `GOLIVE_SSH_CONFIG`: an ssh_config passed as `ssh -F`; absolute, since a relative one would depend on the directory golive runs in. */
export function sshOptionsFromEnvironment(env: NodeJS.ProcessEnv): SshOptions {
  const configFile = env.GOLIVE_SSH_CONFIG;
  if (configFile === undefined || configFile === '') return {};
  if (!isAbsolute(configFile)) throw new UsageError(`GOLIVE_SSH_CONFIG must be an absolute path (got ${configFile})`, 'e.g. GOLIVE_SSH_CONFIG=$PWD/ssh_config');
  return { configFile };
}
