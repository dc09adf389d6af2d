/**
 * The password file, read by libpq's rules: fields, wildcards, escapes,
 * the first matching line, and a file others can read ignored.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { passwordFromFile } from '../../src/journal/postgres/pgpass.ts';

const dir = mkdtempSync(join(tmpdir(), 'golive-pgpass-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(text: string, mode = 0o600): NodeJS.ProcessEnv {
  const path = join(dir, `pgpass-${Math.random().toString(36).slice(2)}`);
  writeFileSync(path, text);
  chmodSync(path, mode);
  return { PGPASSFILE: path };
}

const target = { host: 'db.example', port: 5432, database: 'golive', user: 'liwei' };

describe('the password file', () => {
  it('gives the first matching line, with * for any value and the default port', () => {
    const env = file('# team\nother:5432:golive:liwei:nope\ndb.example:*:golive:liwei:first\ndb.example:5432:*:*:second\n');
    expect(passwordFromFile(target, env)).toBe('first');
    expect(passwordFromFile({ ...target, user: 'ana' }, env)).toBe('second');
    expect(passwordFromFile({ ...target, port: '' }, env)).toBe('first');
    expect(passwordFromFile({ ...target, host: 'elsewhere' }, env)).toBeUndefined();
  });

  it('unescapes \\: and \\\\, and keeps colons in the password', () => {
    const env = file('db.example:5432:golive:li\\:wei:pa\\\\ss:word\n');
    expect(passwordFromFile({ ...target, user: 'li:wei' }, env)).toBe('pa\\ss:word');
  });

  it('ignores a file others may read, and a missing one', () => {
    expect(passwordFromFile(target, file('*:*:*:*:secret\n', 0o644))).toBeUndefined();
    expect(passwordFromFile(target, { PGPASSFILE: join(dir, 'absent') })).toBeUndefined();
    expect(passwordFromFile(target, file('*:*:*:*:secret\n'))).toBe('secret');
  });

  it('is ~/.pgpass without PGPASSFILE', () => {
    const home = mkdtempSync(join(dir, 'home-'));
    writeFileSync(join(home, '.pgpass'), '*:*:golive:liwei:from-home\n', { mode: 0o600 });
    expect(passwordFromFile(target, { HOME: home })).toBe('from-home');
  });
});
