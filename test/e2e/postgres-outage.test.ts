/**
 * The PostgreSQL server going away in the middle of a run, through the
 * built binary against a real server that is really stopped and started
 * again: back within the limit, the run finishes as if nothing happened;
 * away beyond it, the run stops safely (its groups killed, exit 3) with
 * the events it could not record in a spool file, which `golive audit
 * replay` appends once the server is back, after which resume finishes; a
 * server down at the start is exit 6 with nothing executed.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usePostgresServer } from '../journal/postgres-server.js';
import { both, removeTempDirs, runGolive, tempDir } from './helpers.js';
import { isAlive, runIdFrom, startGolive, waitUntil } from './process-helpers.js';

afterAll(() => removeTempDirs());

const server = usePostgresServer();
let url: string;
let password: string;

beforeAll(async () => {
  const li = await server.current.createRole('liwei');
  password = li.password;
  url = server.current.url(await server.current.createDatabase(li), li);
});

/**
 * `slow` records its pid and waits for `release-slow`; `quick`, beside it,
 * waits for `release-quick`; `after` runs once both are done. Every step
 * appends its name to `ran` when it ends.
 */
const RUNBOOK = `golive: 1
name: outage-release
vars:
  marks: /dev/null/pass--var-marks
steps:
  - id: both
    parallel:
      - id: slow
        run: |
          echo $$ > "{{ vars.marks }}/slow.pid"
          for i in $(seq 600); do [ -e "{{ vars.marks }}/release-slow" ] && break; sleep 0.05; done
          echo slow >> "{{ vars.marks }}/ran"
        rollback: "true"
      - id: quick
        run: |
          for i in $(seq 600); do [ -e "{{ vars.marks }}/release-quick" ] && break; sleep 0.05; done
          echo quick >> "{{ vars.marks }}/ran"
        rollback: "true"
  - id: after
    run: echo after >> "{{ vars.marks }}/ran"
    rollback: "true"
`;

function deployment(): { runbook: string; marks: string; cwd: string; ran: () => string } {
  const cwd = tempDir('golive-e2e-outage-');
  const marks = tempDir('golive-e2e-outage-marks-');
  const runbook = join(cwd, 'release.yaml');
  writeFileSync(runbook, RUNBOOK);
  const ran = () => (existsSync(join(marks, 'ran')) ? readFileSync(join(marks, 'ran'), 'utf8') : '');
  return { runbook, marks, cwd, ran };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the PostgreSQL server going away during a run', () => {
  it('back within the limit: the running step is not killed, nothing new starts meanwhile, the run finishes with every event recorded', async () => {
    const { runbook, marks, cwd, ran } = deployment();
    const live = startGolive(['run', runbook, '--db', url, '--var', `marks=${marks}`], {
      cwd,
      env: { GOLIVE_JOURNAL_OUTAGE_LIMIT: '60s' },
      timeoutMs: 60_000,
    });
    await waitUntil(() => existsSync(join(marks, 'slow.pid')), 'the slow step to start');
    server.current.halt();
    try {
      // quick ends while the server is down: its end cannot be recorded, and the run waits for the journal.
      writeFileSync(join(marks, 'release-quick'), '');
      await live.waitForOutput(/unreachable since \d\d:\d\d:\d\d/, 20_000);
      expect(live.stderr()).toMatch(/steps? slow(, quick)? still running/);
      writeFileSync(join(marks, 'release-slow'), '');
      await waitUntil(() => ran().includes('slow'), 'the slow step to end while the server is down');
      await sleep(1500);
      // Both ended, but their ends are not recorded: the next step must not start.
      expect(ran()).not.toContain('after');
    } finally {
      server.current.restart();
    }
    const done = await live.exited;
    expect(done.code, `${done.stdout}\n${done.stderr}`).toBe(0);
    expect(done.stderr).toMatch(/journal postgres:\/\/liwei:\*\*\*@127\.0\.0\.1:\d+\/\w+ back after/);
    expect(`${done.stdout}${done.stderr}`).not.toContain(password);
    expect(ran().split('\n').filter(Boolean).sort()).toEqual(['after', 'quick', 'slow']);
    const runId = runIdFrom(done.stdout);

    const verify = await runGolive(['audit', 'verify', '--db', url], { cwd: tempDir() });
    expect(verify.code, both(verify)).toBe(0);
    const events = (await runGolive(['audit', 'export', '--db', url, '--run', runId], { cwd: tempDir() })).stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { kind: string; stepId?: string; status?: string; outcome?: string });
    // Every event once: nothing lost, nothing recorded twice by the retries.
    const finished = events.filter((e) => e.kind === 'step.finished').map((e) => `${e.stepId}:${e.status}`);
    expect(finished.sort()).toEqual(['after:passed', 'quick:passed', 'slow:passed']);
    expect(events.filter((e) => e.kind === 'step.started')).toHaveLength(3);
    expect(events.filter((e) => e.kind === 'run.finished').map((e) => e.outcome)).toEqual(['succeeded']);
  }, 90_000);

  it('away beyond the limit: the groups are killed, exit 3 with the spool; replay (twice), verify, resume finishes', async () => {
    const { runbook, marks, cwd, ran } = deployment();
    const live = startGolive(['run', runbook, '--db', url, '--var', `marks=${marks}`], {
      cwd,
      env: { GOLIVE_JOURNAL_OUTAGE_LIMIT: '2s' },
      timeoutMs: 60_000,
    });
    await waitUntil(() => existsSync(join(marks, 'slow.pid')), 'the slow step to start');
    const slowPid = Number(readFileSync(join(marks, 'slow.pid'), 'utf8'));
    server.current.halt();
    let stopped: Awaited<typeof live.exited>;
    try {
      writeFileSync(join(marks, 'release-quick'), '');
      stopped = await live.exited;
    } finally {
      server.current.restart();
    }
    expect(stopped.code, `${stopped.stdout}\n${stopped.stderr}`).toBe(3);
    const output = `${stopped.stdout}\n${stopped.stderr}`;
    expect(output).not.toContain(password);
    expect(stopped.stderr).toMatch(/has been unreachable since \d\d:\d\d:\d\d \(longer than 2s, GOLIVE_JOURNAL_OUTAGE_LIMIT\)/);
    // The slow step was killed, not left running unrecorded, and nothing after it started.
    expect(isAlive(slowPid)).toBe(false);
    // Its line names why it was stopped, not the signal that did it.
    const cause = /the audit journal was unreachable for longer than 2s \(GOLIVE_JOURNAL_OUTAGE_LIMIT\)/;
    const slowLine = stopped.stdout.split('\n').find((line) => line.includes('✖ slow '));
    expect(slowLine, stopped.stdout).toMatch(new RegExp(`✖ slow stopped: ${cause.source}`));
    expect(output).not.toContain('killed by SIGTERM');
    expect(ran()).toBe('quick\n');
    const spool = /kept in (\S+\.jsonl)/.exec(stopped.stderr)?.[1];
    expect(spool, stopped.stderr).toBeDefined();
    expect(statSync(spool!).mode & 0o777).toBe(0o600);
    expect(readFileSync(spool!, 'utf8')).not.toContain(password);
    const runId = /run (\S+) stopped/.exec(stopped.stderr)![1];
    expect(stopped.stderr).toContain(`golive audit replay ${spool}`);
    expect(stopped.stderr).toContain(`golive resume ${runId}`);
    expect(stopped.stderr).toContain(`golive rollback ${runId}`);

    // Continuing before the replay would take quick, which finished, for a step in doubt: refused, nothing executed.
    const early = await runGolive(['resume', runId, '--db', url], { cwd });
    expect(early.code, both(early)).toBe(2);
    expect(early.stderr).toContain(`golive audit replay ${spool}`);
    expect(ran()).toBe('quick\n');

    const replay = await runGolive(['audit', 'replay', spool!, '--db', url], { cwd });
    expect(replay.code, both(replay)).toBe(0);
    expect(replay.stdout).toMatch(/[1-9]\d* events? of run \S+ appended, \d+ already recorded/);
    expect(both(replay)).not.toContain(password);
    const again = await runGolive(['audit', 'replay', spool!, '--db', url, '--json'], { cwd });
    expect(again.code, both(again)).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ runId, appended: 0 });

    const verify = await runGolive(['audit', 'verify', '--db', url], { cwd: tempDir() });
    expect(verify.code, both(verify)).toBe(0);
    const exported = (await runGolive(['audit', 'export', '--db', url, '--run', runId], { cwd: tempDir() })).stdout;
    // Why slow was killed is on the record.
    // (quick may still count as running: when the server went down before its start's process group was recorded.)
    expect(exported).toMatch(/golive stopped the run and killed steps? [^"]*\bslow\b/);
    const slowEnd = exported
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { kind: string; stepId?: string; phase?: string; message?: string; reason?: string; state?: string })
      .filter((e) => e.stepId === 'slow' && ((e.kind === 'step.finished' && e.phase === 'step') || e.kind === 'step.state'));
    expect(slowEnd.map((e) => e.kind)).toEqual(['step.finished', 'step.state']);
    expect(slowEnd[0].message).toMatch(cause);
    expect(slowEnd[1]).toMatchObject({ state: 'failed' });
    expect(slowEnd[1].reason).toMatch(new RegExp(`^stopped because ${cause.source}$`));
    expect(exported).not.toContain('killed by SIGTERM');
    // quick's end, recorded late, is in the journal: nothing that ran is missing.
    expect(exported).toMatch(/"kind":"step.finished"[^\n]*"stepId":"quick"|"stepId":"quick"[^\n]*"kind":"step.finished"/);

    writeFileSync(join(marks, 'release-slow'), '');
    const resumed = await runGolive(['resume', runId, '--db', url], { cwd, timeoutMs: 60_000 });
    expect(resumed.code, both(resumed)).toBe(0);
    expect(ran()).toContain('after');
    expect(ran().match(/quick/g)).toHaveLength(1);
    const verifyAfter = await runGolive(['audit', 'verify', '--db', url], { cwd: tempDir() });
    expect(verifyAfter.code, both(verifyAfter)).toBe(0);
  }, 90_000);

  it('a server down at the start of a run: exit 6, nothing executed', async () => {
    const { runbook, marks, cwd, ran } = deployment();
    server.current.halt();
    try {
      const run = await runGolive(['run', runbook, '--db', url, '--var', `marks=${marks}`], { cwd });
      expect(run.code, both(run)).toBe(6);
      expect(run.stderr).toContain('the connection was refused');
      expect(both(run)).not.toContain(password);
      expect(existsSync(join(marks, 'slow.pid'))).toBe(false);
      expect(ran()).toBe('');
    } finally {
      server.current.restart();
    }
  }, 60_000);
});
