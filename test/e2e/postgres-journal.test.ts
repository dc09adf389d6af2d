/**
 * A shared journal on a real PostgreSQL server, through the built binary:
 * a run recorded with `--db postgres://…` is read back by history, show,
 * status, report and audit verify from another working directory (GOLIVE_DB
 * there); two processes starting the same deployment at once: exactly one
 * proceeds; a server that is not there is a clear exit 6 with the password
 * masked.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usePostgresServer } from '../journal/postgres-server.js';
import { both, removeTempDirs, repoRoot, runGolive, tempDir } from './helpers.js';
import { runIdFrom, startGolive, waitUntil } from './process-helpers.js';

afterAll(() => removeTempDirs());

const server = usePostgresServer();
let url: string;
let password: string;

beforeAll(async () => {
  const li = await server.current.createRole('liwei');
  password = li.password;
  url = server.current.url(await server.current.createDatabase(li), li);
});

/** `hold` waits until the test creates `release-<tag>`; every step appends to `ran`. */
const RUNBOOK = `golive: 1
name: shared-release
environments:
  production: {}
vars:
  marks: /dev/null/pass--var-marks
  tag: none
steps:
  - id: hold
    run: |
      echo "hold {{ vars.tag }}" >> "{{ vars.marks }}/ran"
      for i in $(seq 300); do [ -e "{{ vars.marks }}/release-{{ vars.tag }}" ] && exit 0; sleep 0.05; done
      exit 1
    rollback: "true"
  - id: change
    run: echo "change {{ vars.tag }}" >> "{{ vars.marks }}/ran"
    rollback: "true"
`;

describe('a PostgreSQL journal through the binary', () => {
  it('a run on it is read back from another directory: history, show, status, report, audit verify', async () => {
    const where = tempDir('golive-e2e-pg-run-');
    const run = await runGolive(['run', join(repoRoot, 'examples', 'outputs.yaml'), '--db', url], { cwd: where });
    expect(run.code, both(run)).toBe(0);
    expect(both(run)).not.toContain(password);
    const runId = runIdFrom(run.stdout);
    // No journal file appears anywhere: the run is on the server.
    expect(existsSync(join(where, '.golive', 'golive.db'))).toBe(false);

    const elsewhere = tempDir('golive-e2e-pg-read-');
    const env = { GOLIVE_DB: url };
    const history = await runGolive(['history'], { cwd: elsewhere, env });
    expect(history.code, both(history)).toBe(0);
    expect(history.stdout).toContain(runId);
    expect(history.stdout).toContain('outputs');

    const show = await runGolive(['show', runId.slice(0, 12)], { cwd: elsewhere, env });
    expect(show.code, both(show)).toBe(0);
    expect(show.stdout).toMatch(/build/);
    expect(show.stdout).toMatch(/announce/);

    const status = await runGolive(['status', runId], { cwd: elsewhere, env });
    expect(status.code, both(status)).toBe(0);
    expect(status.stdout).toMatch(/3 of 3/);

    const report = await runGolive(['report', runId, '--format', 'json'], { cwd: elsewhere, env });
    expect(report.code, both(report)).toBe(0);
    expect(JSON.parse(report.stdout)).toMatchObject({ run: { id: runId } });

    const verify = await runGolive(['audit', 'verify'], { cwd: elsewhere, env });
    expect(verify.code, both(verify)).toBe(0);
    for (const result of [history, show, status, report, verify]) expect(both(result)).not.toContain(password);
  });

  it('two processes starting the same deployment at once: exactly one proceeds, the other exits 5', async () => {
    const marks = tempDir('golive-e2e-pg-marks-');
    const runbookDir = tempDir('golive-e2e-pg-runbook-');
    const runbook = join(runbookDir, 'release.yaml');
    writeFileSync(runbook, RUNBOOK);
    // Separate working directories and machine-lock directories: as on two
    // machines, only the journal's lock can keep them apart.
    const start = (tag: string) => {
      const cwd = tempDir(`golive-e2e-pg-${tag}-`);
      mkdirSync(join(cwd, 'locks'));
      return startGolive(['run', runbook, '--env', 'production', '--db', url, '--var', `marks=${marks}`, '--var', `tag=${tag}`], {
        cwd,
        env: { GOLIVE_LOCK_DIR: join(cwd, 'locks') },
      });
    };
    const [a, b] = [start('a'), start('b')];
    const ran = () => (existsSync(join(marks, 'ran')) ? readFileSync(join(marks, 'ran'), 'utf8') : '');
    const first = await Promise.race([a.exited.then(() => 'a'), b.exited.then(() => 'b')]);
    const loser = first === 'a' ? a : b;
    const winnerTag = first === 'a' ? 'b' : 'a';
    const lost = await loser.exited;
    expect(lost.code, `${lost.stdout}\n${lost.stderr}`).toBe(5);
    expect(lost.stderr).toContain('runbook shared-release in production is locked by run');
    expect(lost.stderr).not.toContain(password);
    await waitUntil(() => ran().includes(`hold ${winnerTag}`), 'the winner to start its step');
    // A third process, elsewhere, sees the live run on the shared journal.
    const status = await runGolive(['status', '--db', url], { cwd: tempDir() });
    expect(status.code, both(status)).toBe(0);
    expect(status.stdout).toContain('Current Activity: hold');
    expect(status.stdout).toContain('Progress: 0 of 2 steps completed');
    writeFileSync(join(marks, `release-${winnerTag}`), '');
    const won = await (first === 'a' ? b : a).exited;
    expect(won.code, `${won.stdout}\n${won.stderr}`).toBe(0);
    expect(ran()).toBe(`hold ${winnerTag}\nchange ${winnerTag}\n`);

    const verify = await runGolive(['audit', 'verify', '--db', url], { cwd: tempDir() });
    expect(verify.code, both(verify)).toBe(0);
  });

  it('a server that is not there: exit 6 naming the journal, the password masked, no stack', async () => {
    const gone = `postgres://liwei:${password}@127.0.0.1:1/golive`;
    const run = await runGolive(['run', join(repoRoot, 'examples', 'hello.yaml'), '--db', gone], { cwd: tempDir() });
    expect(run.code, both(run)).toBe(6);
    expect(run.stderr).toContain('cannot reach the audit journal postgres://liwei:***@127.0.0.1:1/golive: the connection was refused');
    expect(both(run)).not.toContain(password);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    const history = await runGolive(['history'], { cwd: tempDir(), env: { GOLIVE_DB: gone } });
    expect(history.code, both(history)).toBe(6);
    expect(both(history)).not.toContain(password);
  });
});
