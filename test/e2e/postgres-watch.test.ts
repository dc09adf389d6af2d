/**
 * `golive status --watch` through a PostgreSQL server that is really
 * stopped and started again, through the built binary in a pipe: the watch
 * says the journal is unreachable (once), waits, shows the status again
 * once the server is back, and follows the run to its end; Ctrl-C still
 * ends it at once, and a one-shot `golive status` meanwhile is exit 6.
 * Against SQLite, a watch is as before: another writer's lock is not an
 * outage, and a journal damaged during the watch ends it with exit 6 at once.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usePostgresServer } from '../journal/postgres-server.js';
import { both, goliveBin, removeTempDirs, runGolive, tempDir } from './helpers.js';
import { startGolive, waitUntil } from './process-helpers.js';

const tmuxMissing = spawnSync('tmux', ['-V']).error !== undefined;
if (tmuxMissing) console.warn('test/e2e/postgres-watch.test.ts: the terminal case is SKIPPED: tmux is not installed (apt-get install -y tmux)');
// A private tmux server on a socket in a scratch directory: no one's sessions are touched.
const socket = join(tempDir('golive-e2e-watch-tmux-'), 'tmux.sock');
const tmux = (...args: string[]) => spawnSync('tmux', ['-S', socket, ...args], { encoding: 'utf8' }).stdout;
const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

afterAll(() => {
  if (!tmuxMissing) tmux('kill-server');
  removeTempDirs();
});

/** `hold` waits for `release` in the marks folder; `finish` runs after it. */
const RUNBOOK = `golive: 1
name: watch-release
vars:
  marks: /dev/null/pass--var-marks
steps:
  - id: hold
    title: Hold for the release
    run: |
      touch "{{ vars.marks }}/holding"
      for i in $(seq 1200); do [ -e "{{ vars.marks }}/release" ] && break; sleep 0.05; done
    rollback: "true"
  - id: finish
    title: Finish the release
    run: "true"
    rollback: "true"
`;

const UNREACHABLE = /journal (\S+) unreachable since \d\d:\d\d:\d\d, retrying \(last update \d\d:\d\d:\d\d\)\n/;

function deployment(): { runbook: string; marks: string; cwd: string } {
  const cwd = tempDir('golive-e2e-watch-');
  const marks = tempDir('golive-e2e-watch-marks-');
  const runbook = join(cwd, 'release.yaml');
  writeFileSync(runbook, RUNBOOK);
  return { runbook, marks, cwd };
}

describe('golive status --watch while the PostgreSQL server restarts', () => {
  const server = usePostgresServer();
  let url: string;
  let password: string;

  beforeAll(async () => {
    const role = await server.current.createRole('sam');
    password = role.password;
    url = server.current.url(await server.current.createDatabase(role), role);
  });

  it('shows the journal unreachable, waits, shows the status again once it is back, and follows the run to its end', async () => {
    const { runbook, marks, cwd } = deployment();
    const run = startGolive(['run', runbook, '--db', url, '--var', `marks=${marks}`], { cwd, env: { GOLIVE_JOURNAL_OUTAGE_LIMIT: '60s' }, timeoutMs: 90_000 });
    await waitUntil(() => existsSync(join(marks, 'holding')), 'the hold step to start');
    const watch = startGolive(['status', '--watch', '--interval', '1s', '--db', url], { cwd, timeoutMs: 90_000 });
    const stopped = startGolive(['status', '--watch', '--interval', '1s', '--db', url], { cwd, timeoutMs: 90_000 });
    await watch.waitForOutput(/Current Activity: Hold for the release/);
    await stopped.waitForOutput(/Current Activity: Hold for the release/);

    server.current.halt();
    let blocksBefore: number;
    try {
      await watch.waitForOutput(UNREACHABLE, 20_000);
      await stopped.waitForOutput(UNREACHABLE, 20_000);
      expect(UNREACHABLE.exec(watch.stdout())![1]).toMatch(/^postgres:\/\/sam:\*\*\*@127\.0\.0\.1:\d+\/\w+$/);
      // Ctrl-C ends a watch at once, as it does when the journal answers: exit 0, nothing on stderr.
      stopped.child.kill('SIGINT');
      const interrupted = await stopped.exited;
      expect(interrupted.code, `${interrupted.stdout}\n${interrupted.stderr}`).toBe(0);
      expect(interrupted.stderr).toBe('');
      // A one-shot status is as before: the journal cannot be used, exit 6, its URL masked.
      const once = await runGolive(['status', '--db', url], { cwd });
      expect(once.code, both(once)).toBe(6);
      expect(once.stderr).toMatch(/postgres:\/\/sam:\*\*\*@127\.0\.0\.1/);
      expect(`${once.stdout}${once.stderr}`).not.toContain(password);
      // The watch keeps waiting through several retries, saying so once (one line per change in a pipe).
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(watch.stdout().match(new RegExp(UNREACHABLE.source, 'g'))).toHaveLength(1);
      expect(watch.stderr()).toBe('');
      blocksBefore = watch.stdout().split(/^(?=watch-release )/m).length;
    } finally {
      server.current.restart();
    }
    // Back: the status block is printed again, below the unreachable line, while the run still holds.
    const shownAgain = (stdout: string) => {
      const at = stdout.search(UNREACHABLE);
      return at >= 0 && stdout.slice(at).includes('Current Activity: Hold for the release');
    };
    await watch.waitForOutput(shownAgain, 20_000);
    expect(watch.stdout().split(/^(?=watch-release )/m).length).toBe(blocksBefore + 1);

    writeFileSync(join(marks, 'release'), '');
    const [ran, watched] = await Promise.all([run.exited, watch.exited]);
    expect(ran.code, `${ran.stdout}\n${ran.stderr}`).toBe(0);
    expect(watched.code, `${watched.stdout}\n${watched.stderr}`).toBe(0);
    expect(watched.stdout.split(/^(?=watch-release )/m).at(-1)).toContain('Status: Succeeded');
    expect(`${watched.stdout}${watched.stderr}`).not.toContain(password);
  }, 120_000);

  it('a watch started while the server is down waits for it, then follows the first run started once it is back', async () => {
    const { runbook, marks, cwd } = deployment();
    const role = await server.current.createRole('kim');
    const fresh = server.current.url(await server.current.createDatabase(role), role);
    // A new database of the team's, no golive has written to yet, on a server that is down when the watch starts.
    server.current.halt();
    const watch = startGolive(['status', '--watch', '--interval', '1s', '--db', fresh], { cwd, timeoutMs: 90_000 });
    try {
      const neverAnswered = /journal (\S+) unreachable since \d\d:\d\d:\d\d, retrying \(no update yet\)\n/;
      await watch.waitForOutput(neverAnswered, 20_000);
      expect(neverAnswered.exec(watch.stdout())![1]).toMatch(/^postgres:\/\/kim:\*\*\*@127\.0\.0\.1:\d+\/\w+$/);
      // A one-shot status does not wait: exit 6 at once, the URL masked.
      const once = await runGolive(['status', '--db', fresh], { cwd });
      expect(once.code, both(once)).toBe(6);
      expect(once.stderr).toMatch(/postgres:\/\/kim:\*\*\*@127\.0\.0\.1/);
      expect(`${once.stdout}${once.stderr}`).not.toContain(role.password);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      // Still waiting, not ended with exit 6.
      expect(watch.child.exitCode, `${watch.stdout()}\n${watch.stderr()}`).toBeNull();
      expect(watch.stdout().match(/unreachable since/g)).toHaveLength(1);
    } finally {
      server.current.restart();
    }
    await watch.waitForOutput(/No run is live in \S+: waiting for one to start/, 20_000);
    const run = startGolive(['run', runbook, '--db', fresh, '--var', `marks=${marks}`], { cwd, timeoutMs: 90_000 });
    await watch.waitForOutput(/Current Activity: Hold for the release/, 20_000);
    writeFileSync(join(marks, 'release'), '');
    const [ran, watched] = await Promise.all([run.exited, watch.exited]);
    expect(ran.code, `${ran.stdout}\n${ran.stderr}`).toBe(0);
    expect(watched.code, `${watched.stdout}\n${watched.stderr}`).toBe(0);
    expect(watched.stdout.split(/^(?=watch-release )/m).at(-1)).toContain('Status: Succeeded');
    expect(`${watched.stdout}${watched.stderr}`).not.toContain(role.password);
  }, 120_000);

  it.skipIf(tmuxMissing)(
    'in a terminal: the line appears below the block redrawn in place, and goes once the server is back',
    async () => {
      const { runbook, marks, cwd } = deployment();
      const run = startGolive(['run', runbook, '--db', url, '--var', `marks=${marks}`], {
        cwd,
        env: { GOLIVE_JOURNAL_OUTAGE_LIMIT: '60s' },
        timeoutMs: 90_000,
      });
      await waitUntil(() => existsSync(join(marks, 'holding')), 'the hold step to start');
      const exitFile = join(cwd, 'exit');
      const status = ['node', goliveBin, 'status', '--watch', '--interval', '1s', '--db', url].map(quote).join(' ');
      const script = `cd ${quote(cwd)} && unset CI NO_COLOR FORCE_COLOR; export LANG=C.UTF-8; echo earlier output; ${status}; echo $? > ${quote(exitFile)}; sleep 600`;
      tmux('-u', 'new-session', '-d', '-x', '160', '-y', '40', '-s', 'watch', script);
      const pane = () => tmux('capture-pane', '-p', '-S', '-', '-t', 'watch');
      await waitUntil(() => pane().includes('Current Activity: Hold for the release'), 'the first block', 15_000);
      server.current.halt();
      try {
        await waitUntil(() => UNREACHABLE.test(`${pane()}\n`), 'the unreachable line', 20_000);
        // Redrawn in place: the block stays above the line, drawn once, and nothing piles up in the scrollback.
        const away = pane();
        expect(away.match(/Status Update - /g)).toHaveLength(1);
        expect(away.indexOf('Current Activity: Hold for the release')).toBeLessThan(away.search(UNREACHABLE));
      } finally {
        server.current.restart();
      }
      await waitUntil(() => !pane().includes('unreachable since'), 'the status to be shown again without the line', 20_000);
      writeFileSync(join(marks, 'release'), '');
      expect((await run.exited).code).toBe(0);
      await waitUntil(() => existsSync(exitFile) && readFileSync(exitFile, 'utf8').trim() !== '', 'status --watch to end with the run', 20_000);
      expect(readFileSync(exitFile, 'utf8').trim()).toBe('0');
      const everything = pane();
      expect(everything.split('\n')[0]).toBe('earlier output');
      expect(everything.match(/Status Update - /g)).toHaveLength(1);
      expect(everything).toContain('Status: Succeeded');
      tmux('kill-session', '-t', 'watch');
    },
    120_000,
  );

  it('with --json, stdout stays one status object per line: the unreachable line goes to stderr', async () => {
    const { runbook, marks, cwd } = deployment();
    const run = startGolive(['run', runbook, '--db', url, '--var', `marks=${marks}`], { cwd, env: { GOLIVE_JOURNAL_OUTAGE_LIMIT: '60s' }, timeoutMs: 90_000 });
    await waitUntil(() => existsSync(join(marks, 'holding')), 'the hold step to start');
    const watch = startGolive(['status', '--watch', '--json', '--interval', '1s', '--db', url], { cwd, timeoutMs: 90_000 });
    await watch.waitForOutput(/"runStatus":"running"/);
    server.current.halt();
    try {
      await watch.waitForOutput((_stdout, stderr) => UNREACHABLE.test(stderr), 20_000);
    } finally {
      server.current.restart();
    }
    writeFileSync(join(marks, 'release'), '');
    const [ran, watched] = await Promise.all([run.exited, watch.exited]);
    expect(ran.code, ran.stderr).toBe(0);
    expect(watched.code, watched.stderr).toBe(0);
    const lines = watched.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { runStatus: string; finished: boolean });
    expect(lines.at(-1)).toMatchObject({ finished: true });
  }, 120_000);
});

describe('golive status --watch on a SQLite journal', () => {
  it('another writer holding the lock is no outage: the watch goes on reading and follows the run', async () => {
    const { runbook, marks, cwd } = deployment();
    const db = join(cwd, 'g.db');
    const run = startGolive(['run', runbook, '--db', db, '--var', `marks=${marks}`], { cwd, timeoutMs: 60_000 });
    await waitUntil(() => existsSync(join(marks, 'holding')), 'the hold step to start');
    const watch = startGolive(['status', '--watch', '--interval', '1s', '--db', db], { cwd, timeoutMs: 60_000 });
    await watch.waitForOutput(/Current Activity: Hold for the release/);
    const holder = new BetterSqlite3(db);
    holder.exec('BEGIN EXCLUSIVE');
    try {
      await new Promise((resolve) => setTimeout(resolve, 2_500));
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    writeFileSync(join(marks, 'release'), '');
    const [ran, watched] = await Promise.all([run.exited, watch.exited]);
    expect(ran.code, ran.stderr).toBe(0);
    expect(watched.code, `${watched.stdout}\n${watched.stderr}`).toBe(0);
    expect(watched.stdout).not.toContain('unreachable');
    expect(watched.stdout.split(/^(?=watch-release )/m).at(-1)).toContain('Status: Succeeded');
  }, 60_000);

  it('a watch of a journal that is missing or not a journal is exit 6 at once: that is no outage', async () => {
    const cwd = tempDir('golive-e2e-watch-nojournal-');
    const missing = await runGolive(['status', '--watch', '--interval', '1s', '--db', join(cwd, 'none.db')], { cwd, timeoutMs: 10_000 });
    expect(missing.code, both(missing)).toBe(6);
    expect(missing.stderr).toContain(`no audit journal at ${join(cwd, 'none.db')}`);
    const foreign = join(cwd, 'notes.db');
    writeFileSync(foreign, 'these are not the journal you are looking for\n'.repeat(100));
    const notJournal = await runGolive(['status', '--watch', '--interval', '1s', '--db', foreign], { cwd, timeoutMs: 10_000 });
    expect(notJournal.code, both(notJournal)).toBe(6);
    expect(`${missing.stdout}${notJournal.stdout}`).not.toContain('unreachable');
  }, 30_000);

  it('a journal damaged during the watch ends it at once with exit 6, not a wait', async () => {
    const { runbook, marks, cwd } = deployment();
    const db = join(cwd, 'g.db');
    const run = startGolive(['run', runbook, '--db', db, '--var', `marks=${marks}`], { cwd, timeoutMs: 60_000 });
    await waitUntil(() => existsSync(join(marks, 'holding')), 'the hold step to start');
    const watch = startGolive(['status', '--watch', '--interval', '1s', '--db', db], { cwd, timeoutMs: 60_000 });
    await watch.waitForOutput(/Current Activity: Hold for the release/);
    const raw = new BetterSqlite3(db);
    raw.exec('DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete; DROP TABLE events');
    raw.close();
    const watched = await watch.exited;
    expect(watched.code, `${watched.stdout}\n${watched.stderr}`).toBe(6);
    expect(watched.stderr).toContain(`cannot read the audit journal ${db}: no such table: events`);
    expect(watched.stdout).not.toContain('unreachable');
    writeFileSync(join(marks, 'release'), '');
    await run.exited;
  }, 60_000);
});
