/**
 * Who ran a run, through the built binary: golive records the identity it
 * can establish (the process's OS user on SQLite, the authenticated role on
 * PostgreSQL) beside the self-asserted `--operator`, and history, show and
 * report print both, naming the team member whose `user` it is.
 */

import { writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usePostgresServer } from '../journal/postgres-server.js';
import { both, removeTempDirs, runGolive, tempDir } from './helpers.js';
import { runIdFrom } from './process-helpers.js';

afterAll(() => removeTempDirs());

const osUser = userInfo().username;

/** A one-step runbook whose team names `user` as Li Wei's identity. */
function runbookIn(dir: string, user: string): string {
  const path = join(dir, 'identity.yaml');
  writeFileSync(
    path,
    `golive: 1\nname: identity\nteam:\n  dba:\n    name: Li Wei\n    user: ${user}\nsteps:\n  - id: hello\n    run: echo hello\n  - id: go\n    confirm: Announce the release?\n`,
  );
  return path;
}

describe('identity on the SQLite journal', () => {
  it('is the OS user of the process, not --operator and not $USER', async () => {
    const dir = tempDir('golive-e2e-identity-');
    const runbook = runbookIn(dir, osUser);
    const spoofed = { USER: 'mallory', LOGNAME: 'mallory' };
    const run = await runGolive(['run', runbook, '--operator', 'Someone Else', '--approve', 'go'], { cwd: dir, env: spoofed });
    expect(run.code, both(run)).toBe(0);
    const runId = runIdFrom(run.stdout);

    const history = await runGolive(['history', '--json'], { cwd: dir });
    expect(history.code, both(history)).toBe(0);
    expect(JSON.parse(history.stdout)).toMatchObject([{ id: runId, operator: 'Someone Else', identity: { user: osUser, kind: 'os-user' } }]);

    const show = await runGolive(['show', runId], { cwd: dir });
    expect(show.code, both(show)).toBe(0);
    expect(show.stdout).toMatch(new RegExp(`operator\\s+Someone Else@\\S+ \\(OS user ${osUser}, Li Wei\\)`));
    // The decision answered in the run's process carries the run's identity.
    expect(show.stdout).toContain(`by Someone Else (OS user ${osUser}, Li Wei) (flag)`);

    const md = await runGolive(['report', runId], { cwd: dir });
    expect(md.code, both(md)).toBe(0);
    expect(md.stdout).toContain(`(OS user ${osUser}, Li Wei)`);
    const json = await runGolive(['report', runId, '--format', 'json'], { cwd: dir });
    expect(JSON.parse(json.stdout)).toMatchObject({ run: { operator: 'Someone Else', identity: { user: osUser, kind: 'os-user' }, person: 'Li Wei' } });
  });
});

describe('identity on the PostgreSQL journal', () => {
  const server = usePostgresServer();
  let url: string;

  beforeAll(async () => {
    const li = await server.current.createRole('liwei');
    url = server.current.url(await server.current.createDatabase(li), li);
  });

  it('is the role the server authenticated, whatever --operator says', async () => {
    const dir = tempDir('golive-e2e-identity-pg-');
    const runbook = runbookIn(dir, 'liwei');
    const run = await runGolive(['run', runbook, '--db', url, '--operator', 'Someone Else', '--approve', 'go'], { cwd: dir });
    expect(run.code, both(run)).toBe(0);
    const runId = runIdFrom(run.stdout);

    const env = { GOLIVE_DB: url };
    const history = await runGolive(['history', '--json'], { cwd: dir, env });
    expect(history.code, both(history)).toBe(0);
    expect(JSON.parse(history.stdout)).toMatchObject([{ id: runId, operator: 'Someone Else', identity: { user: 'liwei', kind: 'database-role' } }]);

    const show = await runGolive(['show', runId], { cwd: dir, env });
    expect(show.code, both(show)).toBe(0);
    expect(show.stdout).toMatch(/operator\s+Someone Else@\S+ \(database role liwei, Li Wei\)/);
    expect(show.stdout).toContain('by Someone Else (database role liwei, Li Wei) (flag)');

    const html = await runGolive(['report', runId, '--format', 'html'], { cwd: dir, env });
    expect(html.code, both(html)).toBe(0);
    expect(html.stdout).toContain('(database role liwei, Li Wei)');
  });
});
