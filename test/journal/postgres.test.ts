/**
 * The PostgreSQL journal against a real server: what only a server journal
 * has (concurrent first use, append-only enforced by the database, the
 * chain linearised across connections, credentials, connection failures,
 * the lock across machines). The behaviour both journals share is the
 * contract suite's.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode, JournalError, JournalUnreachableError, LockHeldError, UsageError } from '../../src/errors.ts';
import { sha256Hex } from '../../src/journal/hash-chain.ts';
import { printableLocation } from '../../src/journal/journal-path.ts';
import { openPostgresJournal, type PostgresJournal } from '../../src/journal/postgres/journal.ts';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/journal/postgres/migrations.ts';
import { event, newRun, RUNBOOK_TEXT, runStarted, tempDir } from './helpers.ts';
import { usePostgresServer } from './postgres-server.ts';

const server = usePostgresServer();
let url: string;
const open: PostgresJournal[] = [];

async function journal(options: Parameters<typeof openPostgresJournal>[1] = {}, at = url): Promise<PostgresJournal> {
  // Only a read-only open of a never-used database gives anything else (tested on its own).
  const j = (await openPostgresJournal(at, options)) as PostgresJournal;
  open.push(j);
  return j;
}

/** Run SQL as the database's owner, outside golive. */
async function asOwner<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<T>> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return await client.query<T>(text, values);
  } finally {
    await client.end();
  }
}

/** The error a promise rejects with. */
async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: Error) => error,
  );
}

beforeEach(async () => {
  url = server.current.url(await server.current.createDatabase());
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((j) => j.close()));
});

describe('the PostgreSQL journal: schema', () => {
  it('two connections using a fresh database at once migrate it once', async () => {
    await Promise.all([journal(), journal(), journal()]);
    const { rows } = await asOwner<{ version: number }>('SELECT version FROM golive_schema ORDER BY version');
    expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
  });

  it('a read-only open of a database golive never used: a journal with no runs yet, and nothing is created', async () => {
    const empty = await openPostgresJournal(url, { readonly: true });
    try {
      expect(empty.location).toMatch(/^postgres:\/\/golive_admin:\*\*\*@127\.0\.0\.1:\d+\/golive_test_/);
      expect(await empty.listRuns()).toEqual([]);
      expect(await empty.runningRuns()).toEqual([]);
      expect(await empty.getRun('01ABCDEFGH')).toBeNull();
      expect(await empty.verifyChain()).toEqual({ ok: true, checked: 0 });
    } finally {
      await empty.close();
    }
    const { rows } = await asOwner("SELECT 1 FROM pg_tables WHERE schemaname = 'public'");
    expect(rows).toHaveLength(0);
  });

  it('refuses a database whose tables golive did not make', async () => {
    await asOwner('CREATE TABLE events (id int)');
    const error = await failure(journal());
    expect(error).toBeInstanceOf(JournalError);
    expect(error.message).toContain('with tables named events, but not a golive audit journal');
  });

  it('refuses a journal written by a newer golive', async () => {
    await (await journal()).close();
    await asOwner("INSERT INTO golive_schema (version, description) VALUES (99, 'future')");
    const error = await failure(journal());
    expect(error.message).toContain(`has schema version 99, newer than this golive understands (${SCHEMA_VERSION})`);
  });

  it('brings a version 1 journal up to date on a read-only open: its runs read as before, with no plan facts', async () => {
    await asOwner(`CREATE TABLE golive_schema (version integer PRIMARY KEY, description text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(), applied_by text NOT NULL DEFAULT session_user)`);
    await asOwner(MIGRATIONS[0].sql);
    await asOwner("INSERT INTO golive_schema (version, description) VALUES (1, 'runs, hash-chained events, attempts, outputs, decisions, locks')");
    await asOwner(
      `INSERT INTO runs (id, root_run_id, mode, runbook_name, runbook_path, runbook_text, runbook_sha256, operator, host, pid, started_at, heartbeat_at)
       VALUES ('RUN-OLD', 'RUN-OLD', 'run', 'webshop-release', 'webshop.yaml', $1, $2, 'ana', 'deploy-host', 1, '2026-11-30T09:00:00.000Z', '2026-11-30T09:00:00.000Z')`,
      [RUNBOOK_TEXT, sha256Hex(RUNBOOK_TEXT)],
    );
    const reader = await journal({ readonly: true });
    expect(await reader.getRun('RUN-OLD')).toMatchObject({ operator: 'ana', runbookText: RUNBOOK_TEXT });
    expect(await reader.planFacts('RUN-OLD')).toBeNull();
    const { rows } = await asOwner<{ version: number }>('SELECT version FROM golive_schema ORDER BY version');
    expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
  });
});

describe('the PostgreSQL journal: a team on one database', () => {
  it("the tables belong to the database's owner role, and each member's rows name who connected", async () => {
    const team = `deployers_${process.pid}`;
    const [ana, li] = await Promise.all([server.current.createRole(`ana_${process.pid}`), server.current.createRole(`li_${process.pid}`)]);
    await asOwner(`CREATE ROLE ${team} NOLOGIN`);
    await asOwner(`GRANT ${team} TO ${ana.user}, ${li.user}`);
    const database = await server.current.createDatabase({ user: team, password: '' });
    const asAna = await journal({}, server.current.url(database, ana));
    const asLi = await journal({}, server.current.url(database, li));
    await asAna.createRun(newRun({ id: 'RUN-ANA' }));
    await asLi.createRun(newRun({ id: 'RUN-LI' }));
    await asAna.appendEvent('RUN-ANA', event({ kind: 'warning', message: 'from ana' }));
    await asLi.appendEvent('RUN-LI', event({ kind: 'warning', message: 'from li' }));
    url = server.current.url(database);
    const owners = await asOwner<{ tableowner: string }>("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'");
    expect(owners.rows).toEqual([{ tableowner: team }]);
    const who = await asOwner('SELECT run_id, recorded_by FROM events ORDER BY seq');
    expect(who.rows).toEqual([
      { run_id: 'RUN-ANA', recorded_by: ana.user },
      { run_id: 'RUN-LI', recorded_by: li.user },
    ]);
    expect(await asLi.verifyChain()).toEqual({ ok: true, checked: 2 });
  });
});

describe('the PostgreSQL journal: the audit trail in the database', () => {
  it('the database itself refuses to change or delete events, or a run snapshot', async () => {
    const j = await journal();
    const run = newRun();
    await j.createRun(run);
    await j.appendEvent(run.id, runStarted(run));
    await expect(asOwner("UPDATE events SET data = '{}'")).rejects.toThrow('the audit trail is append-only: events cannot be changed');
    await expect(asOwner('DELETE FROM events')).rejects.toThrow('the audit trail is append-only: events cannot be deleted');
    await expect(asOwner('TRUNCATE events CASCADE')).rejects.toThrow('the audit trail is append-only: events cannot be deleted');
    await expect(asOwner("UPDATE runs SET runbook_text = 'x'")).rejects.toThrow("a run's runbook snapshot cannot be changed");
    // Columns the run's life changes stay writable.
    await asOwner("UPDATE runs SET heartbeat_at = '2026-12-01T10:00:00.000Z'");
    expect(await j.verifyChain()).toEqual({ ok: true, checked: 1 });
  });

  it('derives attempts, outputs, decisions and the outcome, and records the database role', async () => {
    const j = await journal();
    const run = newRun();
    await j.createRun(run);
    await j.appendEvent(run.id, runStarted(run));
    await j.appendEvent(
      run.id,
      event({ kind: 'step.started', phase: 'step', stepId: 'backup', title: 'Backup', attempt: 1, attempts: 1, command: './backup.sh', expectedMs: 1000 }),
    );
    await j.appendEvent(
      run.id,
      event({
        kind: 'step.finished',
        phase: 'step',
        stepId: 'backup',
        attempt: 1,
        status: 'succeeded',
        exitCode: 0,
        signal: null,
        durationMs: 12,
        head: 'ok',
        tail: '',
        outputBytes: 2,
        outputs: { backup_id: 'b-7', size: '12' },
      }),
    );
    await j.appendEvent(run.id, event({ kind: 'decision', subject: 'go-no-go', choice: 'go', by: 'ana', via: 'prompt' }));
    await j.appendEvent(run.id, event({ kind: 'run.finished', outcome: 'succeeded', exitCode: 0, durationMs: 20 }));

    const attempts = await asOwner('SELECT step_id, status, exit_code, command, duration_ms FROM attempts');
    expect(attempts.rows).toEqual([{ step_id: 'backup', status: 'succeeded', exit_code: 0, command: './backup.sh', duration_ms: '12' }]);
    const outputs = await asOwner('SELECT name, value FROM outputs ORDER BY name');
    expect(outputs.rows).toEqual([
      { name: 'backup_id', value: 'b-7' },
      { name: 'size', value: '12' },
    ]);
    const decisions = await asOwner('SELECT subject, choice, "by", recorded_by FROM decisions');
    expect(decisions.rows).toEqual([{ subject: 'go-no-go', choice: 'go', by: 'ana', recorded_by: 'golive_admin' }]);
    expect((await j.getRun(run.id))?.outcome).toBe('succeeded');
    const recorded = await asOwner('SELECT DISTINCT recorded_by FROM events');
    expect(recorded.rows).toEqual([{ recorded_by: 'golive_admin' }]);
    expect(await j.verifyChain()).toEqual({ ok: true, checked: 5 });
  });

  it('four connections appending at once make one unbroken chain', async () => {
    const journals = await Promise.all([journal(), journal(), journal(), journal()]);
    await Promise.all(journals.map((j, i) => j.createRun(newRun({ id: `RUN-${i}` }))));
    const PER = 40;
    const results = await Promise.all(
      journals.map(async (j, i) => {
        const stored = [];
        for (let k = 0; k < PER; k++) stored.push(await j.appendEvent(`RUN-${i}`, event({ kind: 'warning', message: `w${k}` })));
        return stored;
      }),
    );
    const seqs = results
      .flat()
      .map((e) => e.seq)
      .sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 4 * PER }, (_, k) => k + 1));
    expect(await journals[0].verifyChain()).toEqual({ ok: true, checked: 4 * PER });
    // Runs interleaved: the chain really was contended.
    const order = (await journals[0].eventsOf(['RUN-0', 'RUN-1', 'RUN-2', 'RUN-3'])).map((e) => e.runId);
    expect(new Set(order.slice(0, PER)).size).toBeGreaterThan(1);
  });

  it('a connection whose last-known head is stale (another appended since) reads the head again', async () => {
    const [one, two] = await Promise.all([journal(), journal()]);
    await one.createRun(newRun());
    const seqs = [];
    for (let k = 0; k < 6; k++) seqs.push((await (k % 2 === 0 ? one : two).appendEvent('RUN-A', event({ kind: 'warning', message: `w${k}` }))).seq);
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await two.verifyChain()).toEqual({ ok: true, checked: 6 });
  });

  it('one connection appending concurrently (no await between) still chains in order', async () => {
    const j = await journal();
    await j.createRun(newRun());
    const stored = await Promise.all(Array.from({ length: 20 }, (_, k) => j.appendEvent('RUN-A', event({ kind: 'warning', message: `w${k}` }))));
    expect(stored.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, k) => k + 1));
    expect(await j.verifyChain()).toEqual({ ok: true, checked: 20 });
  });

  it('an edit made with the triggers dropped is found by verifyChain', async () => {
    const j = await journal();
    await j.createRun(newRun());
    for (let k = 0; k < 3; k++) await j.appendEvent('RUN-A', event({ kind: 'warning', message: `w${k}` }));
    await asOwner('ALTER TABLE events DISABLE TRIGGER USER');
    await asOwner("UPDATE events SET data = replace(data, 'w1', 'w9') WHERE seq = 2");
    const report = await j.verifyChain();
    expect(report).toMatchObject({
      ok: false,
      checked: 1,
      firstBad: { seq: 2, reason: 'event 2: its content does not match its hash: the row was edited or moved' },
    });
    expect(await j.verifyRuns(['RUN-A'])).toMatchObject({ ok: false, scope: 'runs', firstBad: { seq: 2 } });
  });

  it('events read back as one JSON array keep their order and text; one whose stored text is not JSON is damage naming its seq', async () => {
    const j = await journal();
    await j.createRun(newRun());
    // Quotes, a backslash and non-ASCII text survive being sent inside the array.
    const messages = ['plain', 'a "quoted" \\ path', 'ünïcode ✓'];
    for (const message of messages) await j.appendEvent('RUN-A', event({ kind: 'warning', message }));
    const read = await j.eventsOf(['RUN-A']);
    expect(read.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(read.map((e) => (e.event.kind === 'warning' ? e.event.message : null))).toEqual(messages);
    expect(await j.eventsOf(['RUN-A'], ['warning'])).toEqual(read);
    expect(await j.eventsOf(['NO-SUCH-RUN'])).toEqual([]);
    await asOwner('ALTER TABLE events DISABLE TRIGGER USER');
    await asOwner("UPDATE events SET data = '{not json' WHERE seq = 2");
    for (const kinds of [undefined, ['warning' as const]]) {
      const error = await failure(j.eventsOf(['RUN-A'], kinds));
      expect(error).toBeInstanceOf(JournalError);
      expect(error.message).toContain('event 2 is not valid JSON');
    }
  });
});

describe('the PostgreSQL journal: the lock across machines', () => {
  const holder = (runId: string, host: string) => ({ runId, pid: process.pid, host, operator: 'ana' });

  it('a live holder on another machine: exit 5, saying that machine must confirm its step is gone', async () => {
    const [here, there] = await Promise.all([journal({ hostname: 'laptop-li' }), journal({ hostname: 'deploy-host' })]);
    await there.acquireLock('webshop-release', 'production', holder('RUN-A', 'deploy-host'));
    const error = (await failure(here.acquireLock('webshop-release', 'production', holder('RUN-B', 'laptop-li')))) as LockHeldError;
    expect(error).toBeInstanceOf(LockHeldError);
    expect(error.exitCode).toBe(ExitCode.Locked);
    expect(error.message).toContain('runbook webshop-release in production is locked by run RUN-A');
    expect(error.hint).toContain('someone on deploy-host must confirm its step is gone');
    expect((await here.lockHolder('webshop-release', 'production'))?.runId).toBe('RUN-A');
  });

  it("only the heartbeat frees another machine's lock: stale, it is taken over after beforeTakeover saw it", async () => {
    let clock = new Date('2026-12-01T09:00:00.000Z');
    const now = () => clock;
    const [here, there] = await Promise.all([journal({ hostname: 'laptop-li', now }), journal({ hostname: 'deploy-host', now })]);
    await there.acquireLock('webshop-release', 'production', holder('RUN-A', 'deploy-host'));
    clock = new Date(clock.getTime() + 60_000);
    await expect(here.acquireLock('webshop-release', 'production', holder('RUN-B', 'laptop-li'))).rejects.toBeInstanceOf(LockHeldError);
    clock = new Date(clock.getTime() + 120_000);
    const seen: string[] = [];
    // The check may read the journal: it must not deadlock on the lock's own transaction.
    const { takenOver } = await here.acquireLock('webshop-release', 'production', holder('RUN-B', 'laptop-li'), async (previous) => {
      seen.push(previous.runId, String(await here.lockHolder('webshop-release', 'production').then((h) => h?.runId)));
    });
    expect(seen).toEqual(['RUN-A', 'RUN-A']);
    expect(takenOver?.runId).toBe('RUN-A');
    expect(await there.heartbeat('RUN-A')).toBe(false);
  });

  it('a refusing beforeTakeover leaves the stale lock with its holder', async () => {
    let clock = new Date('2026-12-01T09:00:00.000Z');
    const j = await journal({ hostname: 'laptop-li', now: () => clock });
    await j.acquireLock('webshop-release', null, holder('RUN-A', 'deploy-host'));
    clock = new Date(clock.getTime() + 10 * 60_000);
    const refuse = () => {
      throw new LockHeldError('its step still runs');
    };
    await expect(j.acquireLock('webshop-release', null, holder('RUN-B', 'laptop-li'), refuse)).rejects.toThrow('its step still runs');
    expect((await j.lockHolder('webshop-release', null))?.runId).toBe('RUN-A');
  });

  it('two machines racing for a free lock: exactly one gets it', async () => {
    const journals = await Promise.all(['h1', 'h2', 'h3', 'h4'].map((host) => journal({ hostname: host })));
    const results = await Promise.allSettled(journals.map((j, i) => j.acquireLock('webshop-release', 'production', holder(`RUN-${i}`, `h${i + 1}`))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refusals = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    expect(refusals.map((e) => e instanceof LockHeldError)).toEqual([true, true, true]);
  });
});

describe('the PostgreSQL journal: credentials and connection failures', () => {
  it('masks the password in location and in every message', async () => {
    const j = await journal();
    expect(j.location).not.toContain(server.current.admin.password);
    expect(j.location).toMatch(/^postgres:\/\/golive_admin:\*\*\*@127\.0\.0\.1:\d+\//);
    expect(printableLocation('postgresql://li:s3cr%40t@db.example.com/golive?password=other&sslmode=require')).toBe(
      'postgresql://li:***@db.example.com/golive?password=***&sslmode=require',
    );
  });

  it('a wrong password: exit 6 naming the user, the password masked', async () => {
    const bad = url.replace(`:${server.current.admin.password}@`, ':not-the-password@');
    const error = (await failure(journal({}, bad))) as JournalError;
    expect(error).toBeInstanceOf(JournalError);
    expect(error.exitCode).toBe(ExitCode.JournalUnusable);
    expect(error.message).toContain('password authentication failed for user "golive_admin"');
    expect(error.message).toContain('golive_admin:***@');
    expect(error.message).not.toContain('not-the-password');
    expect(error.hint).toContain('PGPASSWORD');
  });

  it('a server that is not there: exit 6, connection refused', async () => {
    const gone = `postgres://li:hunter2@127.0.0.1:1/golive`;
    const error = (await failure(journal({}, gone))) as JournalError;
    expect(error).toBeInstanceOf(JournalError);
    expect(error.message).toBe('cannot reach the audit journal postgres://li:***@127.0.0.1:1/golive: the connection was refused');
  });

  it('a server restart: operations fail as unreachable while it is down, then the same journal connects again', async () => {
    const j = await journal();
    const run = newRun();
    await j.createRun(run);
    await j.appendEvent(run.id, runStarted(run));
    server.current.halt();
    try {
      const error = await failure(j.appendEvent(run.id, event({ kind: 'warning', message: 'while the server is down' })));
      expect(error).toBeInstanceOf(JournalUnreachableError);
      expect(error.message).not.toContain(server.current.admin.password);
    } finally {
      server.current.restart();
    }
    await j.appendEvent(run.id, event({ kind: 'warning', message: 'after the restart' }));
    expect((await j.eventsOf([run.id])).map((e) => e.kind)).toEqual(['run.started', 'warning']);
    expect((await j.verifyChain()).ok).toBe(true);
  });

  it('a URL that does not parse: a usage error (exit 2) with the password masked', async () => {
    const error = (await failure(journal({}, 'postgres://li:hunter2@127.0.0.1:99999/golive'))) as UsageError;
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe('the journal URL postgres://li:***@127.0.0.1:99999/golive is not a valid PostgreSQL URL (Invalid URL)');
  });

  it('a database that does not exist: exit 6 with the createdb to run', async () => {
    const error = (await failure(journal({}, server.current.url('no_such_db')))) as JournalError;
    expect(error).toBeInstanceOf(JournalError);
    expect(error.message).toContain('database "no_such_db" does not exist');
    expect(error.hint).toContain('createdb no_such_db');
  });

  describe('a password from the environment', () => {
    const saved = { PGPASSWORD: process.env.PGPASSWORD, PGPASSFILE: process.env.PGPASSFILE };
    afterEach(() => {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    });
    const withoutPassword = () => url.replace(`:${server.current.admin.password}@`, '@');

    it('from PGPASSWORD', async () => {
      process.env.PGPASSWORD = server.current.admin.password;
      const j = await journal({}, withoutPassword());
      expect(j.location).toBe(withoutPassword());
      await j.createRun(newRun());
    });

    it('from a pgpass file (libpq rules: host:port:database:user:password)', async () => {
      delete process.env.PGPASSWORD;
      const file = `${tempDir()}/pgpass`;
      writeFileSync(file, `# golive's test server\n127.0.0.1:${server.current.port}:*:${server.current.admin.user}:${server.current.admin.password}\n`);
      chmodSync(file, 0o600);
      process.env.PGPASSFILE = file;
      const j = await journal({}, withoutPassword());
      await j.createRun(newRun());
    });

    it('none at all: exit 6 saying where a password can come from', async () => {
      delete process.env.PGPASSWORD;
      process.env.PGPASSFILE = `${tempDir()}/absent`;
      const error = (await failure(journal({}, withoutPassword()))) as JournalError;
      expect(error).toBeInstanceOf(JournalError);
      expect(error.hint).toContain('~/.pgpass');
    });
  });
});
