/**
 * The OS user of this process, the identity the SQLite journal records for
 * a run. From the process's credentials (`os.userInfo()` reads the password
 * database for the real uid), never from `$USER`, which anyone can set.
 */
import { userInfo } from 'node:os';

/** The login name of the process's user, or `uid N` when the uid has no entry in the password database (a container's). */
export function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? 'unknown'}`;
  }
}
