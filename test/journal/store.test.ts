import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { JournalError, UsageError } from '../../src/errors.ts';
import { canonicalJson, eventHash, GENESIS_HASH } from '../../src/journal/hash-chain.ts';
import { SqliteJournal } from '../../src/journal/sqlite/journal.ts';
import { latestRun } from '../../src/session/reader.ts';
import { attemptsOf, decisionsOf, outputsOf } from './derived-rows.ts';
import { event, newRun, runStarted, tempDbPath } from './helpers.ts';

const NOW = new Date('2026-12-01T09:00:00.000Z');

function openStore(now: () => Date = () => NOW): SqliteJournal {
  return SqliteJournal.open(tempDbPath(), { now, hostname: 'deploy-host' });
}

function stepStarted(stepId: string, attempt: number, phase: 'step' | 'validate' = 'step') {
  return event({ kind: 'step.started', phase, stepId, title: stepId, attempt, attempts: 3, expectedMs: 60_000, command: `./${stepId}.sh` });
}

function stepFinished(stepId: string, attempt: number, status: 'passed' | 'failed', outputs: Record<string, string> = {}, phase: 'step' | 'validate' = 'step') {
  return event({
    kind: 'step.finished',
    phase,
    stepId,
    attempt,
    status,
    exitCode: status === 'passed' ? 0 : 2,
    signal: null,
    durationMs: 1234,
    head: 'first lines',
    tail: 'last lines',
    outputBytes: 42,
    outputs,
    logPath: `.golive/logs/x/${stepId}.log`,
  });
}

describe('SqliteJournal runs', () => {
  it('creates a run with defaults and reads it back', async () => {
    const store = openStore();
    try {
      const created = await store.createRun(newRun());
      expect(created).toMatchObject({
        id: 'RUN-A',
        rootRunId: 'RUN-A',
        startedAt: '2026-12-01T09:00:00.000Z',
        heartbeatAt: '2026-12-01T09:00:00.000Z',
        endedAt: null,
        outcome: 'running',
        exitCode: null,
      });
      expect(await store.getRun('RUN-A')).toEqual(created);
      expect(await store.getRun('RUN-B')).toBeNull();
    } finally {
      await store.close();
    }
  });

  it('rejects a run whose sha256 is not that of its text', async () => {
    const store = openStore();
    try {
      await expect(store.createRun(newRun({ runbookSha256: 'f'.repeat(64) }))).rejects.toThrow(/not the SHA-256/);
    } finally {
      await store.close();
    }
  });

  it('resolves a unique id prefix and refuses an ambiguous one', async () => {
    const store = openStore();
    try {
      await store.createRun(newRun({ id: '01JABCDEF0AAAA' }));
      await store.createRun(newRun({ id: '01JABCDEF0BBBB' }));
      expect((await store.getRun('01jabcdef0b'))?.id).toBe('01JABCDEF0BBBB');
      expect(await store.getRun('01JAB')).toBeNull(); // shorter than 6 characters
      await expect(store.getRun('01JABCDEF0')).rejects.toThrow(UsageError);
    } finally {
      await store.close();
    }
  });

  it('lists newest first, filters, and finds the latest run and a run chain', async () => {
    let clock = NOW.getTime();
    const store = openStore(() => {
      clock += 1000;
      return new Date(clock);
    });
    try {
      await store.createRun(newRun({ id: 'R1' }));
      await store.createRun(newRun({ id: 'R2', environment: 'uat', mode: 'rehearsal' }));
      await store.createRun(newRun({ id: 'R3', parentRunId: 'R1', mode: 'resume' }));
      await store.createRun(newRun({ id: 'R4', parentRunId: 'R3', mode: 'rollback' }));
      await store.createRun(newRun({ id: 'R5', runbookName: 'other' }));

      expect((await store.listRuns()).map((r) => r.id)).toEqual(['R5', 'R4', 'R3', 'R2', 'R1']);
      expect((await store.listRuns({ runbook: 'webshop-release', environment: 'production' })).map((r) => r.id)).toEqual(['R4', 'R3', 'R1']);
      expect((await store.listRuns({ limit: 2 })).map((r) => r.id)).toEqual(['R5', 'R4']);
      expect((await latestRun(store, { runbook: 'webshop-release' }))?.id).toBe('R4');
      expect((await latestRun(store, { runbook: 'webshop-release', modes: ['run', 'resume'] }))?.id).toBe('R3');
      expect((await latestRun(store, { environment: 'uat', modes: ['rehearsal'] }))?.id).toBe('R2');
      expect(await latestRun(store, { runbook: 'nothing' })).toBeNull();

      // R4's parent is R3 whose root is R1: the chain reaches the first run.
      expect((await store.getRun('R4'))?.rootRunId).toBe('R1');
      expect((await store.chainOf('R1')).map((r) => r.id)).toEqual(['R1', 'R3', 'R4']);
    } finally {
      await store.close();
    }
  });
});

describe('SqliteJournal.appendEvent', () => {
  it('chains events and stores their canonical JSON', async () => {
    const store = openStore();
    try {
      const run = newRun();
      await store.createRun(run);
      const first = await store.appendEvent('RUN-A', runStarted(run));
      const second = await store.appendEvent('RUN-A', event({ kind: 'warning', message: 'héllo', stepId: 'deploy' }));

      expect(first.seq).toBe(1);
      expect(first.prevHash).toBe(GENESIS_HASH);
      expect(first.hash).toBe(eventHash(GENESIS_HASH, 1, 'RUN-A', canonicalJson(first.event)));
      expect(second.seq).toBe(2);
      expect(second.prevHash).toBe(first.hash);

      const row = store.db.prepare('SELECT kind, at, data FROM events WHERE seq = 2').get() as { kind: string; at: string; data: string };
      expect(row.kind).toBe('warning');
      expect(row.at).toBe(second.at);
      expect(row.data).toBe(`{"at":"${second.at}","kind":"warning","message":"héllo","stepId":"deploy"}`);
      expect(await store.eventsOf(['RUN-A'])).toEqual([first, second]);
    } finally {
      await store.close();
    }
  });

  it('does not store step.output', async () => {
    const store = openStore();
    try {
      await store.createRun(newRun());
      const stored = await store.appendEvent('RUN-A', event({ kind: 'step.output', phase: 'step', stepId: 'backup', stream: 'stdout', text: 'line' }));
      expect(stored).toBeNull();
      expect(store.db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('is committed when it returns: another connection sees it', async () => {
    const path = tempDbPath();
    const store = SqliteJournal.open(path);
    const other = new BetterSqlite3(path, { readonly: true });
    try {
      await store.createRun(newRun());
      await store.appendEvent('RUN-A', stepStarted('backup', 1));
      expect(other.prepare("SELECT count(*) FROM attempts WHERE step_id = 'backup'").pluck().get()).toBe(1);
      expect(other.prepare('SELECT kind FROM events').pluck().all()).toEqual(['step.started']);
    } finally {
      other.close();
      await store.close();
    }
  });

  it('derives attempts from step.started and step.finished', async () => {
    const store = openStore();
    try {
      await store.createRun(newRun());
      const started = stepStarted('deploy', 1);
      await store.appendEvent('RUN-A', started);
      expect(attemptsOf(store, 'RUN-A')).toEqual([
        {
          runId: 'RUN-A',
          phase: 'step',
          stepId: 'deploy',
          attempt: 1,
          status: null,
          exitCode: null,
          signal: null,
          startedAt: started.at,
          endedAt: null,
          durationMs: null,
          expectedMs: 60_000,
          command: './deploy.sh',
          head: null,
          tail: null,
          logPath: null,
        },
      ]);
      const finished = stepFinished('deploy', 1, 'failed');
      await store.appendEvent('RUN-A', finished);
      await store.appendEvent('RUN-A', stepStarted('deploy', 2));
      await store.appendEvent('RUN-A', stepFinished('deploy', 2, 'passed'));
      await store.appendEvent('RUN-A', stepStarted('deploy', 1, 'validate'));

      const attempts = attemptsOf(store, 'RUN-A');
      expect(attempts.map((a) => [a.phase, a.stepId, a.attempt, a.status, a.exitCode])).toEqual([
        ['step', 'deploy', 1, 'failed', 2],
        ['step', 'deploy', 2, 'passed', 0],
        ['validate', 'deploy', 1, null, null],
      ]);
      expect(attempts[0]).toMatchObject({
        startedAt: started.at,
        endedAt: finished.at,
        durationMs: 1234,
        head: 'first lines',
        tail: 'last lines',
        logPath: '.golive/logs/x/deploy.log',
        command: './deploy.sh',
      });
    } finally {
      await store.close();
    }
  });

  it("keeps an attempt's output head and tail in its step.finished event only, and reads them from there", async () => {
    const store = openStore();
    try {
      await store.createRun(newRun());
      await store.appendEvent('RUN-A', stepStarted('deploy', 1));
      await store.appendEvent('RUN-A', { ...stepFinished('deploy', 1, 'failed'), head: 'first run head', tail: 'first run tail' });
      // The same attempt started again (a resumed run) and finished with other output: the latest end counts.
      await store.appendEvent('RUN-A', stepStarted('deploy', 1));
      expect(attemptsOf(store, 'RUN-A')[0]).toMatchObject({ status: null, head: null, tail: null });
      await store.appendEvent('RUN-A', { ...stepFinished('deploy', 1, 'passed'), head: 'second head', tail: 'second tail' });
      const stored = store.db.prepare('SELECT head, tail FROM attempts').all();
      expect(stored).toEqual([{ head: null, tail: null }]);
      expect(attemptsOf(store, 'RUN-A')).toMatchObject([{ status: 'passed', head: 'second head', tail: 'second tail' }]);
    } finally {
      await store.close();
    }
  });

  it('records a finish that had no start (not-started)', async () => {
    const store = openStore();
    try {
      await store.createRun(newRun());
      const finished = event({
        kind: 'step.finished',
        phase: 'rollback',
        stepId: 'migrate',
        attempt: 1,
        status: 'not-started',
        exitCode: null,
        signal: null,
        durationMs: 0,
        head: '',
        tail: '',
        outputBytes: 0,
        outputs: {},
      });
      await store.appendEvent('RUN-A', finished);
      expect(attemptsOf(store, 'RUN-A')).toMatchObject([{ phase: 'rollback', stepId: 'migrate', status: 'not-started', startedAt: finished.at, command: '' }]);
    } finally {
      await store.close();
    }
  });

  it('derives outputs from step-phase finishes only; later runs override', async () => {
    const store = openStore();
    try {
      await store.createRun(newRun({ id: 'R1' }));
      await store.createRun(newRun({ id: 'R2', parentRunId: 'R1', mode: 'resume' }));
      await store.appendEvent('R1', stepFinished('backup', 1, 'passed', { backup_id: 'b-1', size: '10' }));
      await store.appendEvent('R1', stepFinished('backup', 1, 'passed', { ignored: 'yes' }, 'validate'));
      await store.appendEvent('R1', stepFinished('deploy', 1, 'passed', { version: '2.4.0' }));
      await store.appendEvent('R2', stepFinished('backup', 1, 'passed', { backup_id: 'b-2' }));

      expect(outputsOf(store, ['R1'])).toEqual({ backup: { backup_id: 'b-1', size: '10' }, deploy: { version: '2.4.0' } });
      expect(outputsOf(store, ['R1', 'R2'])).toEqual({ backup: { backup_id: 'b-2', size: '10' }, deploy: { version: '2.4.0' } });
      expect(outputsOf(store, ['R2'])).toEqual({ backup: { backup_id: 'b-2' } });
    } finally {
      await store.close();
    }
  });

  it('derives decisions', async () => {
    const store = openStore();
    try {
      await store.createRun(newRun());
      await store.appendEvent('RUN-A', event({ kind: 'warning', message: 'first' }));
      const go = event({ kind: 'decision', subject: 'go-no-go', choice: 'conditional-go', reason: 'backup space low', by: 'ana', via: 'prompt' });
      await store.appendEvent('RUN-A', go);
      await store.appendEvent('RUN-A', event({ kind: 'decision', subject: 'confirm', subjectId: 'announce', choice: 'yes', by: 'ci', via: 'flag' }));
      expect(decisionsOf(store, 'RUN-A')).toEqual([
        {
          runId: 'RUN-A',
          seq: 2,
          subject: 'go-no-go',
          subjectId: null,
          choice: 'conditional-go',
          reason: 'backup space low',
          by: 'ana',
          via: 'prompt',
          at: go.at,
        },
        expect.objectContaining({ seq: 3, subject: 'confirm', subjectId: 'announce', choice: 'yes', reason: null, by: 'ci', via: 'flag' }),
      ]);
    } finally {
      await store.close();
    }
  });

  it('sets the run outcome on run.finished', async () => {
    const store = openStore();
    try {
      await store.createRun(newRun());
      const finished = event({ kind: 'run.finished', outcome: 'rolled-back', exitCode: 1, durationMs: 5000, issues: ['deploy failed'] });
      await store.appendEvent('RUN-A', finished);
      expect(await store.getRun('RUN-A')).toMatchObject({ outcome: 'rolled-back', exitCode: 1, endedAt: finished.at });
      expect(store.runStatus((await store.getRun('RUN-A'))!)).toBe('rolled-back');
    } finally {
      await store.close();
    }
  });

  it('rolls the whole event back when a derived row fails', async () => {
    const store = openStore();
    try {
      // No run row: the event's foreign key fails, and nothing is left behind.
      await expect(store.appendEvent('NO-SUCH-RUN', stepStarted('backup', 1))).rejects.toThrow(/FOREIGN KEY/);
      expect(store.db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(0);
      expect(store.db.prepare('SELECT count(*) FROM attempts').pluck().get()).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('gives a JournalError, not a raw SQLite error, when another writer holds the file too long', async () => {
    const path = tempDbPath();
    const store = SqliteJournal.open(path, { busyTimeoutMs: 100 });
    await store.createRun(newRun());
    const other = new BetterSqlite3(path);
    other.exec('BEGIN IMMEDIATE');
    try {
      let caught: unknown;
      try {
        await store.appendEvent('RUN-A', stepStarted('backup', 1));
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(JournalError);
      expect((caught as JournalError).message).toBe(
        `cannot record an event in the audit journal ${path}: it stayed locked by another process for longer than the busy timeout`,
      );
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    // Once the other writer is gone, the same store records normally.
    expect((await store.appendEvent('RUN-A', stepStarted('backup', 1))).seq).toBe(1);
    await store.close();
  });

  it('refreshes the heartbeat of the run and its lock', async () => {
    let clock = NOW.getTime();
    const store = openStore(() => new Date(clock));
    try {
      await store.createRun(newRun());
      await store.acquireLock('webshop-release', 'production', { runId: 'RUN-A', pid: process.pid, host: 'deploy-host', operator: 'ana' });
      clock += 30_000;
      expect(await store.heartbeat('RUN-A')).toBe(true);
      expect((await store.getRun('RUN-A'))?.heartbeatAt).toBe('2026-12-01T09:00:30.000Z');
      expect((await store.lockHolder('webshop-release', 'production'))?.heartbeatAt).toBe('2026-12-01T09:00:30.000Z');
      await store.releaseLock('webshop-release', 'production', 'RUN-A');
      expect(await store.heartbeat('RUN-A')).toBe(false);
    } finally {
      await store.close();
    }
  });
});
