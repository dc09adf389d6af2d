/**
 * The password file, as libpq reads it (`PGPASSFILE`, else `~/.pgpass`):
 * `host:port:database:user:password` lines, `*` matching anything, `\:` and
 * `\\` escaping, `#` comments, the first matching line winning, and the file
 * ignored unless it is a regular file only its owner can read or write. pg
 * still reads it itself, but warns on every use that it will stop doing so;
 * golive reads it here instead, so an operator's terminal gets no warning.
 */
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** What a password line is matched against. */
export interface PasswordFor {
  host: string;
  port: number | string;
  database: string;
  user: string;
}

const DEFAULT_PORT = '5432';

/** The password the file gives for this connection, or undefined (no file, an unsafe one, no matching line). */
export function passwordFromFile(target: PasswordFor, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = env.PGPASSFILE || join(env.HOME || homedir(), '.pgpass');
  let text: string;
  try {
    const stats = statSync(file);
    // libpq's rule: a file others may read is ignored, not trusted.
    if (!stats.isFile() || (stats.mode & 0o077) !== 0) return undefined;
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const wanted = [target.host, String(target.port || DEFAULT_PORT), target.database, target.user];
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const fields = splitFields(line);
    if (fields.length < 5) continue;
    if (wanted.every((value, index) => fields[index] === '*' || fields[index] === value)) return fields.slice(4).join(':');
  }
  return undefined;
}

/** A line's fields: split at unescaped colons, with `\:` and `\\` unescaped. */
function splitFields(line: string): string[] {
  const fields: string[] = [];
  let current = '';
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (char === '\\' && i + 1 < line.length) current += line[++i];
    else if (char === ':' && fields.length < 4) {
      fields.push(current);
      current = '';
    } else current += char;
  }
  fields.push(current);
  return fields;
}
