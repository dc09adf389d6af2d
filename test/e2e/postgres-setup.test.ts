/**
 * Setting a team up on a PostgreSQL journal, through the built binary: a
 * database golive never used reads as "no runs recorded yet" (and stays
 * untouched); the project names its journal once in `.golive/config`, with
 * `--db` > `GOLIVE_DB` > that setting > the default file; the password comes
 * from the URL, PGPASSWORD or ~/.pgpass and is never printed, also not with
 * GOLIVE_DEBUG=1.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestRole, usePostgresServer } from '../journal/postgres-server.js';
import { both, removeTempDirs, repoRoot, runGolive, tempDir } from './helpers.js';
import { runIdFrom } from './process-helpers.js';

afterAll(() => removeTempDirs());

const server = usePostgresServer();
let li: TestRole;

beforeAll(async () => {
  li = await server.current.createRole('liwei');
});

/** A fresh database owned by li: its URL with the password, and without it. */
async function database(): Promise<{ url: string; bare: string }> {
  const url = server.current.url(await server.current.createDatabase(li), li);
  return { url, bare: url.replace(`:${encodeURIComponent(li.password)}@`, '@') };
}

async function tablesIn(url: string): Promise<number> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query("SELECT 1 FROM pg_tables WHERE schemaname = 'public'")).rowCount ?? 0;
  } finally {
    await client.end();
  }
}

/** A project (a git repository root) with the hello runbook, and a subdirectory to work in. */
function project(config?: string): { root: string; runbook: string; sub: string } {
  const root = tempDir('golive-e2e-pg-project-');
  mkdirSync(join(root, '.git'));
  mkdirSync(join(root, 'deploy', 'notes'), { recursive: true });
  const runbook = join(root, 'deploy', 'hello.yaml');
  copyFileSync(join(repoRoot, 'examples', 'hello.yaml'), runbook);
  if (config !== undefined) {
    mkdirSync(join(root, '.golive'));
    writeFileSync(join(root, '.golive', 'config'), config);
  }
  return { root, runbook, sub: join(root, 'deploy', 'notes') };
}

describe('a PostgreSQL database golive never used', () => {
  it('history, status and estimate say no runs are recorded yet (exits as on an empty journal file), and create nothing', async () => {
    const { url } = await database();
    const where = tempDir();
    const history = await runGolive(['history', '--db', url], { cwd: where });
    expect(history.code, both(history)).toBe(0);
    expect(history.stdout).toMatch(/^No runs recorded yet in postgres:\/\/liwei:\*\*\*@127\.0\.0\.1:\d+\/\w+\./);
    const status = await runGolive(['status', '--db', url], { cwd: where });
    expect(status.code, both(status)).toBe(2);
    expect(status.stderr).toMatch(/no runs recorded in postgres:\/\/liwei:\*\*\*@\S+ yet/);
    expect(status.stderr).not.toMatch(/\n\s+at /);
    const estimate = await runGolive(['estimate', join(repoRoot, 'examples', 'hello.yaml'), '--db', url], { cwd: where });
    expect(estimate.code, both(estimate)).toBe(0);
    expect(estimate.stdout).toContain('(no history)');
    for (const result of [history, status, estimate]) expect(both(result)).not.toContain(li.password);
    expect(await tablesIn(url)).toBe(0);
  });
});

describe("the project's journal setting (.golive/config)", () => {
  it('names the shared journal for run and for every read command in the project; GOLIVE_DB and --db still win', async () => {
    const { url, bare } = await database();
    const { root, runbook, sub } = project(`# the team's shared journal (the password comes from PGPASSWORD or ~/.pgpass)\njournal = ${bare}\n`);
    const env = { PGPASSWORD: li.password };
    const run = await runGolive(['run', runbook], { cwd: sub, env });
    expect(run.code, both(run)).toBe(0);
    const runId = runIdFrom(run.stdout);
    expect(run.stdout).toContain(`journal: ${bare}`);
    // Nothing on the local disk but the logs: the run is on the server.
    expect(existsSync(join(root, '.golive', 'golive.db'))).toBe(false);

    const history = await runGolive(['history'], { cwd: join(root, 'deploy'), env });
    expect(history.code, both(history)).toBe(0);
    expect(history.stdout).toContain(runId);
    const verify = await runGolive(['audit', 'verify'], { cwd: root, env });
    expect(verify.code, both(verify)).toBe(0);
    expect(verify.stdout).toContain(bare);

    // GOLIVE_DB over the setting, --db over GOLIVE_DB.
    const file = join(tempDir(), 'local.db');
    const local = await runGolive(['run', runbook], { cwd: sub, env: { ...env, GOLIVE_DB: file } });
    expect(local.code, both(local)).toBe(0);
    expect(existsSync(file)).toBe(true);
    const flagWins = await runGolive(['history', '--db', url], { cwd: sub, env: { GOLIVE_DB: file } });
    expect(flagWins.stdout).toContain(runId);
    expect(flagWins.stdout).not.toContain(runIdFrom(local.stdout));
  });

  it('a path in it is relative to the project; a line it cannot read is exit 2 naming file and line', async () => {
    const { root, runbook, sub } = project('journal = shared/team.db\n');
    const run = await runGolive(['run', runbook], { cwd: sub });
    expect(run.code, both(run)).toBe(0);
    expect(existsSync(join(root, 'shared', 'team.db'))).toBe(true);

    const broken = project('journal = postgres://db/golive\ntimeout 5\n');
    const history = await runGolive(['history'], { cwd: broken.sub });
    expect(history.code, both(history)).toBe(2);
    expect(history.stderr).toContain(`${join(broken.root, '.golive', 'config')}:2: not a setting: timeout 5`);
  });
});

describe('credentials', () => {
  it('from ~/.pgpass (libpq rules), never printed; a wrong one with GOLIVE_DEBUG=1: exit 6, the password still masked', async () => {
    const { url, bare } = await database();
    const home = tempDir('golive-e2e-home-');
    writeFileSync(join(home, '.pgpass'), `127.0.0.1:${server.current.port}:*:liwei:${li.password}\n`);
    chmodSync(join(home, '.pgpass'), 0o600);
    const run = await runGolive(['run', join(repoRoot, 'examples', 'hello.yaml'), '--db', bare], {
      cwd: tempDir(),
      env: { HOME: home, PGPASSWORD: undefined, PGPASSFILE: undefined },
    });
    expect(run.code, both(run)).toBe(0);
    expect(both(run)).not.toContain(li.password);
    // golive reads the file itself: no warning from the driver on the operator's terminal.
    expect(run.stderr).not.toMatch(/Warning|pgpass/i);

    const wrong = url.replace(`:${encodeURIComponent(li.password)}@`, ':Wr0ngPassw0rd@');
    const spool = join(home, 'spool.jsonl');
    writeFileSync(
      spool,
      `${JSON.stringify({ spool: 'golive-journal-spool', version: 1, runId: 'R1', journal: bare, unreachableSince: new Date().toISOString() })}\n`,
    );
    for (const args of [
      ['run', join(repoRoot, 'examples', 'hello.yaml'), '--db', wrong],
      ['history', '--db', wrong],
      ['audit', 'replay', spool, '--db', wrong],
    ]) {
      const failed = await runGolive(args, { cwd: tempDir(), env: { GOLIVE_DEBUG: '1', HOME: home } });
      expect(failed.code, both(failed)).toBe(6);
      expect(both(failed)).not.toContain('Wr0ngPassw0rd');
      expect(both(failed)).not.toContain(li.password);
    }
  });
});
