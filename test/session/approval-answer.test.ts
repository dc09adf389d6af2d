/**
 * `golive approve` / `reject` against a real SQLite journal: what it records
 * and what it refuses, judged from the run's events as they stand when the
 * answer is appended. The identity is this process's OS user.
 */
import { hostname, userInfo } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineEventBody } from '../../src/engine/events.js';
import { SqliteJournal } from '../../src/journal/sqlite/journal.js';
import { recordAnswer } from '../../src/session/approval-answer.js';
import { event, newRun, tempDbPath } from '../journal/helpers.js';

const me = userInfo().username;
const opened: SqliteJournal[] = [];
afterEach(async () => {
  for (const journal of opened.splice(0)) await journal.close();
});

/** A journal with a live run (this process, this host) waiting at `migrate` for one approval by liwei or me. */
async function waitingRun(extra: EngineEventBody[] = []): Promise<string> {
  const db = tempDbPath();
  const journal = SqliteJournal.open(db);
  opened.push(journal);
  await journal.createRun({ ...newRun({ id: 'RUN-A' }), host: hostname() });
  const requested: EngineEventBody = {
    kind: 'approval.requested',
    subject: 'confirm',
    pointId: 'migrate',
    title: 'Migrate',
    approvers: [
      { role: 'dba', name: 'Li Wei', user: 'liwei' },
      { role: 'lead', name: 'Ana Ruiz', user: me },
    ],
    minApprovals: 1,
    selfApproval: true,
    runner: 'someone-else',
  };
  for (const body of [requested, ...extra]) await journal.appendEvent('RUN-A', event(body as never));
  return db;
}

const liweiApproved: EngineEventBody = {
  kind: 'approval',
  pointId: 'migrate',
  answer: 'approve',
  verdict: 'accepted',
  identity: { user: 'liwei', kind: 'os-user' },
  by: 'liwei',
  via: 'command',
  host: 'elsewhere',
};

async function answers(db: string) {
  const journal = SqliteJournal.open(db, { readonly: true });
  try {
    return (await journal.eventsSince('RUN-A', 0, ['approval'])).map((e) => e.event);
  } finally {
    await journal.close();
  }
}

describe('recordAnswer', () => {
  it('records an approval with the identity, the person it is and the display name, and says the run proceeds', async () => {
    const db = await waitingRun();
    const recorded = await recordAnswer('RUN-A', 'migrate', 'approve', { db, operator: 'Ana', comment: ' checked ' });
    expect(recorded.standing.state).toBe('approved');
    expect(await answers(db)).toMatchObject([
      {
        verdict: 'accepted',
        identity: { user: me, kind: 'os-user' },
        by: 'Ana',
        person: { role: 'lead', name: 'Ana Ruiz' },
        comment: 'checked',
        via: 'command',
      },
    ]);
  });

  it('refuses (exit 2) and records an answer to a point that others have already approved, before the run has looked', async () => {
    const db = await waitingRun([liweiApproved]);
    await expect(recordAnswer('RUN-A', 'migrate', 'approve', { db })).rejects.toMatchObject({
      exitCode: 2,
      message: 'approval refused: migrate is already approved (the run goes on at its next look): this answer would not count',
    });
    expect((await answers(db)).map((a) => (a as { verdict: string }).verdict)).toEqual(['accepted', 'refused']);
  });

  it('refuses an answer to a point the run has decided, and to a run that has ended', async () => {
    const decided = await waitingRun([
      { kind: 'decision', subject: 'confirm', subjectId: 'migrate', choice: 'timed-out', reason: 'no approval within 5m', by: 'ana', via: 'policy' },
    ]);
    await expect(recordAnswer('RUN-A', 'migrate', 'reject', { db: decided, comment: 'no' })).rejects.toThrow(
      'rejection refused: run RUN-A is not waiting at migrate: it waits for no approval now',
    );
    const ended = await waitingRun([{ kind: 'run.finished', outcome: 'aborted', exitCode: 3, durationMs: 1, issues: [] }]);
    await expect(recordAnswer('RUN-A', 'migrate', 'approve', { db: ended })).rejects.toThrow('run RUN-A is not waiting for anyone: it ended aborted');
    expect((await answers(ended)).map((a) => (a as { verdict: string }).verdict)).toEqual(['refused']);
  });

  it('records nothing for a run that is not there', async () => {
    const db = await waitingRun();
    await expect(recordAnswer('NO-SUCH-RUN', 'migrate', 'approve', { db })).rejects.toMatchObject({ exitCode: 2 });
    expect(await answers(db)).toEqual([]);
  });
});
