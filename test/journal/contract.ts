/**
 * The journal port's contract: what every implementation of `Journal`
 * (src/journal/port.ts) must do, as one suite parameterised by a harness.
 * Each implementation's test file calls `describeJournalContract` with a
 * harness that opens fresh, empty journals of its kind. Nothing here may
 * assume a file or SQLite: only the port is used (tampering, migrations and
 * file faults are each implementation's own tests).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/events.ts';
import { LockHeldError, UsageError } from '../../src/errors.ts';
import { canonicalJson, eventHash, GENESIS_HASH } from '../../src/journal/hash-chain.ts';
import { STALE_HEARTBEAT_MS } from '../../src/journal/liveness.ts';
import type { Journal, LockRequest } from '../../src/journal/port.ts';
import type { LockHolder, PlanFacts, RunIdentity, RunRecord, StoredEvent } from '../../src/journal/types.ts';
import { deadPid, event, newRun, runStarted } from './helpers.ts';

/** What a journal under test sees of its surroundings: its clock and the name of this machine. */
export interface JournalSurroundings {
  now: () => Date;
  hostname: string;
}

/** A fresh, empty journal, and the way to open a second connection to the same one. */
export interface OpenedJournal {
  journal: Journal;
  /** Another connection to the same journal (as another golive process would have), with its own surroundings. */
  connect(surroundings: JournalSurroundings): Promise<Journal>;
}

/** How the suite gets journals of one implementation. */
export interface JournalHarness {
  /** Open a new, empty journal (each call a different one). */
  open(surroundings: JournalSurroundings): Promise<OpenedJournal>;
  /** Remove what `open` made; called after every test, once its journals are closed. */
  cleanup?(): Promise<void>;
  /** Who the journals `open` makes must record as the identity of a run: the OS user, or the connecting role. */
  identity(): RunIdentity;
}

const HOST = 'deploy-host';
const T0 = Date.parse('2026-12-01T09:00:00.000Z');

/** The contract suite for one implementation. */
export function describeJournalContract(name: string, harness: JournalHarness): void {
  describe(`journal contract: ${name}`, () => {
    const opened: Journal[] = [];
    let clock: { ms: number };

    afterEach(async () => {
      for (const journal of opened.splice(0)) await journal.close();
      await harness.cleanup?.();
    });

    const surroundings = (host = HOST): JournalSurroundings => ({ now: () => new Date(clock.ms), hostname: host });

    /** A fresh journal whose clock the test moves (`clock.ms`), and a function that opens more connections to it. */
    async function fresh(): Promise<{ journal: Journal; connect: (host?: string) => Promise<Journal> }> {
      clock = { ms: T0 };
      const made = await harness.open(surroundings());
      opened.push(made.journal);
      return {
        journal: made.journal,
        connect: async (host = HOST) => {
          const other = await made.connect(surroundings(host));
          opened.push(other);
          return other;
        },
      };
    }

    /** Record a run, one second after the previous one (lists are ordered by start). */
    async function createRun(journal: Journal, overrides: Parameters<typeof newRun>[0] = {}) {
      clock.ms += 1000;
      return journal.createRun(newRun(overrides));
    }

    describe('runs', () => {
      it('creates a run with its defaults and reads it back by id', async () => {
        const { journal } = await fresh();
        const created = await createRun(journal);
        expect(created).toMatchObject({ id: 'RUN-A', rootRunId: 'RUN-A', parentRunId: null, endedAt: null, outcome: 'running', exitCode: null });
        expect(created.startedAt).toBe(new Date(T0 + 1000).toISOString());
        expect(created.heartbeatAt).toBe(created.startedAt);
        expect(await journal.getRun('RUN-A')).toEqual(created);
        expect(await journal.getRun('RUN-B')).toBeNull();
      });

      it('records who golive knows created the run beside the self-asserted operator, and reads it back everywhere', async () => {
        const { journal } = await fresh();
        const created = await createRun(journal, { operator: 'Someone Else' });
        expect(created.operator).toBe('Someone Else');
        expect(created.identity).toEqual(harness.identity());
        expect((await journal.getRun('RUN-A'))?.identity).toEqual(harness.identity());
        expect((await journal.listRuns()).map((run) => run.identity)).toEqual([harness.identity()]);
        expect((await journal.runningRuns()).map((run) => run.identity)).toEqual([harness.identity()]);
        expect((await journal.chainOf('RUN-A')).map((run) => run.identity)).toEqual([harness.identity()]);
      });

      it('keeps the plan facts recorded with a run apart from its record, and none for a run recorded without them', async () => {
        const { journal } = await fresh();
        const planFacts: PlanFacts = {
          description: 'Release 2.4',
          window: { start: '2026-12-01T22:00:00.000Z', end: '2026-12-02T02:00:00.000Z' },
          protectedEnvironment: true,
          team: { dba: 'Li Wei' },
          people: { liwei: 'Li Wei' },
          steps: [
            { id: 'backup', title: 'Back up the database', owner: 'dba', expectedMs: 120_000 },
            { id: 'web', title: 'Restart web', group: 'restart', confirm: 'Is the banner up?' },
          ],
          checks: [{ id: 'on-call', title: 'On-call is here', blocking: true, confirm: 'Are you on call?' }],
          verify: [{ id: 'home', title: 'Home page answers', owner: 'dba', severity: 'major' }],
          rollbackVerify: [{ id: 'old-home', title: 'The old home page answers' }],
        };
        const created = await createRun(journal, { planFacts });
        await createRun(journal, { id: 'RUN-B' });
        expect(created).not.toHaveProperty('planFacts');
        expect(await journal.getRun('RUN-A')).toEqual(created);
        expect(await journal.planFacts('RUN-A')).toEqual(planFacts);
        expect(await journal.planFacts('RUN-B')).toBeNull();
        expect(await journal.planFacts('NO-SUCH-RUN')).toBeNull();
      });

      it('rejects a run whose runbookSha256 is not the SHA-256 of its text, and records nothing', async () => {
        const { journal } = await fresh();
        await expect(journal.createRun(newRun({ runbookSha256: 'f'.repeat(64) }))).rejects.toThrow(/not the SHA-256/);
        expect(await journal.listRuns()).toEqual([]);
      });

      it('finds a run by a unique prefix of at least 6 characters, in any case; an ambiguous one is a UsageError', async () => {
        const { journal } = await fresh();
        await createRun(journal, { id: '01JABCDEF0AAAA' });
        await createRun(journal, { id: '01JABCDEF0BBBB' });
        expect((await journal.getRun('01jabcdef0b'))?.id).toBe('01JABCDEF0BBBB');
        await expect(journal.getRun('01JABCDEF0')).rejects.toThrow(UsageError);
        await expect(journal.getRun('01jabcdef0')).rejects.toThrow(/ambiguous/);
        expect(await journal.getRun('01JAB')).toBeNull(); // shorter than 6 characters: not a prefix
        expect(await journal.getRun('01JABCDEF0CCCC')).toBeNull();
      });

      it('lists newest first, by runbook, environment and modes, up to a limit', async () => {
        const { journal } = await fresh();
        await createRun(journal, { id: 'R1' });
        await createRun(journal, { id: 'R2', environment: 'uat', mode: 'rehearsal' });
        await createRun(journal, { id: 'R3', parentRunId: 'R1', mode: 'resume' });
        await createRun(journal, { id: 'R4', parentRunId: 'R3', mode: 'rollback' });
        await createRun(journal, { id: 'R5', runbookName: 'other' });
        const ids = async (query?: Parameters<Journal['listRuns']>[0]) => (await journal.listRuns(query)).map((r) => r.id);
        expect(await ids()).toEqual(['R5', 'R4', 'R3', 'R2', 'R1']);
        expect(await ids({ runbook: 'webshop-release', environment: 'production' })).toEqual(['R4', 'R3', 'R1']);
        expect(await ids({ environment: 'uat' })).toEqual(['R2']);
        expect(await ids({ modes: ['run', 'resume'] })).toEqual(['R5', 'R3', 'R1']);
        expect(await ids({ runbook: 'webshop-release', modes: ['rehearsal', 'rollback'], limit: 1 })).toEqual(['R4']);
        expect(await ids({ limit: 2 })).toEqual(['R5', 'R4']);
        expect(await ids({ runbook: 'nothing' })).toEqual([]);
      });

      it("puts resumes and rollbacks in their first run's chain, in start order", async () => {
        const { journal } = await fresh();
        await createRun(journal, { id: 'R1' });
        await createRun(journal, { id: 'OTHER' });
        await createRun(journal, { id: 'R3', parentRunId: 'R1', mode: 'resume' });
        const r4 = await createRun(journal, { id: 'R4', parentRunId: 'R3', mode: 'rollback' });
        expect(r4.rootRunId).toBe('R1'); // a rollback of a resume still belongs to the first run
        expect((await journal.chainOf('R1')).map((r) => [r.id, r.parentRunId])).toEqual([
          ['R1', null],
          ['R3', 'R1'],
          ['R4', 'R3'],
        ]);
        expect((await journal.chainOf('OTHER')).map((r) => r.id)).toEqual(['OTHER']);
        expect(await journal.chainOf('NONE')).toEqual([]);
      });

      it('lists the runs recorded as running, newest first, and tells a live one from an interrupted one', async () => {
        const { journal } = await fresh();
        const alive = await createRun(journal, { id: 'ALIVE', pid: process.pid, host: HOST });
        const dead = await createRun(journal, { id: 'DEAD', pid: deadPid(), host: HOST });
        const remote = await createRun(journal, { id: 'REMOTE', pid: deadPid(), host: 'other-host' });
        await createRun(journal, { id: 'ENDED' });
        await journal.appendEvent('ENDED', event({ kind: 'run.finished', outcome: 'succeeded', exitCode: 0, durationMs: 5, issues: [] }));

        expect((await journal.runningRuns()).map((r) => r.id)).toEqual(['REMOTE', 'DEAD', 'ALIVE']);
        expect(journal.runStatus(alive)).toBe('running');
        expect(journal.runStatus(dead)).toBe('interrupted'); // its pid is gone on this host
        expect(journal.runStatus(remote)).toBe('running'); // another host's pid cannot be probed: only its heartbeat counts
        expect(journal.runStatus(await recorded(journal, 'ENDED'))).toBe('succeeded');

        clock.ms += STALE_HEARTBEAT_MS + 5000;
        expect(journal.runStatus(await recorded(journal, 'REMOTE'))).toBe('interrupted');
        expect(await journal.heartbeat('ALIVE')).toBe(false); // it holds no lock
        expect(journal.runStatus(await recorded(journal, 'ALIVE'))).toBe('running');
      });

      it('records the outcome that run.finished carries', async () => {
        const { journal } = await fresh();
        await createRun(journal);
        const finished = event({ kind: 'run.finished', outcome: 'rolled-back', exitCode: 1, durationMs: 5000, issues: ['deploy failed'] });
        await journal.appendEvent('RUN-A', finished);
        const run = await recorded(journal, 'RUN-A');
        expect(run).toMatchObject({ outcome: 'rolled-back', exitCode: 1, endedAt: finished.at });
        expect(journal.runStatus(run)).toBe('rolled-back');
        expect(await journal.runningRuns()).toEqual([]);
      });
    });

    describe('events', () => {
      it('chains each event to the one before it: seq gap-free from 1, prevHash, hash over the canonical JSON', async () => {
        const { journal } = await fresh();
        const run = await createRun(journal);
        const first = await journal.appendEvent('RUN-A', runStarted(run));
        const second = await journal.appendEvent('RUN-A', event({ kind: 'warning', message: 'héllo', stepId: 'deploy' }));
        expect(first).toMatchObject({ seq: 1, runId: 'RUN-A', kind: 'run.started', prevHash: GENESIS_HASH });
        expect(first.hash).toBe(eventHash(GENESIS_HASH, 1, 'RUN-A', canonicalJson(first.event)));
        expect(second).toMatchObject({ seq: 2, prevHash: first.hash, kind: 'warning', at: second.event.at });
        expect(second.hash).toBe(eventHash(first.hash, 2, 'RUN-A', canonicalJson({ kind: 'warning', message: 'héllo', stepId: 'deploy', at: second.at })));
        expect(await journal.eventsOf(['RUN-A'])).toEqual([first, second]);
      });

      it('does not record step.output: it resolves to null and leaves the chain as it was', async () => {
        const { journal } = await fresh();
        await createRun(journal);
        expect(await journal.appendEvent('RUN-A', event({ kind: 'step.output', phase: 'step', stepId: 'backup', stream: 'stdout', text: 'line' }))).toBeNull();
        expect(await journal.eventsOf(['RUN-A'])).toEqual([]);
        expect((await journal.appendEvent('RUN-A', event({ kind: 'warning', message: 'first' }))).seq).toBe(1);
      });

      it('rejects an event of a run it does not hold, and records nothing', async () => {
        const { journal } = await fresh();
        await createRun(journal);
        await expect(journal.appendEvent('NO-SUCH-RUN', event({ kind: 'warning', message: 'x' }))).rejects.toThrow();
        expect((await journal.appendEvent('RUN-A', event({ kind: 'warning', message: 'y' }))).seq).toBe(1);
      });

      it('returns the events of the runs asked for, in journal order, and streams the same', async () => {
        const { journal } = await fresh();
        await createRun(journal, { id: 'R1' });
        await createRun(journal, { id: 'R2' });
        await createRun(journal, { id: 'R3' });
        const order = ['R1', 'R2', 'R1', 'R3', 'R2', 'R1'];
        const stored: StoredEvent[] = [];
        for (const [i, runId] of order.entries()) stored.push(await journal.appendEvent(runId, event({ kind: 'warning', message: `${runId} ${i}` })));

        expect(await journal.eventsOf(['R1'])).toEqual(stored.filter((e) => e.runId === 'R1'));
        expect(await journal.eventsOf(['R2', 'R1'])).toEqual(stored.filter((e) => e.runId !== 'R3'));
        expect(await journal.eventsOf(['NONE'])).toEqual([]);
        expect(await journal.eventsOf([])).toEqual([]);
        expect(await collect(journal.iterateEvents(['R3', 'R2']))).toEqual(stored.filter((e) => e.runId !== 'R1'));
        expect(await collect(journal.iterateEvents())).toEqual(stored);
      });

      it('returns only the events of the kinds asked for, in journal order', async () => {
        const { journal } = await fresh();
        const r1 = await createRun(journal, { id: 'R1' });
        await createRun(journal, { id: 'R2' });
        const stored = [
          await journal.appendEvent('R1', runStarted(r1)),
          await journal.appendEvent('R2', event({ kind: 'step.state', stepId: 'backup', state: 'running' })),
          await journal.appendEvent('R1', event({ kind: 'warning', message: 'slow disk' })),
          await journal.appendEvent('R1', event({ kind: 'step.state', stepId: 'backup', state: 'succeeded' })),
        ];
        expect(await journal.eventsOf(['R1', 'R2'], ['step.state'])).toEqual([stored[1], stored[3]]);
        expect(await journal.eventsOf(['R1'], ['step.state', 'run.started'])).toEqual([stored[0], stored[3]]);
        expect(await journal.eventsOf(['R1'], [])).toEqual([]);
        expect(await journal.eventsOf(['R1'], ['decision'])).toEqual([]);
      });

      it('gives back the event as it was handed over', async () => {
        const { journal } = await fresh();
        await createRun(journal);
        const finished: EngineEvent = event({
          kind: 'step.finished',
          phase: 'step',
          stepId: 'backup',
          attempt: 1,
          status: 'passed',
          exitCode: 0,
          signal: null,
          durationMs: 900,
          head: 'started\n',
          tail: 'done ✓\n',
          outputBytes: 24,
          outputs: { backup_id: 'b-77', 'name=with spaces': 'é' },
        });
        const stored = await journal.appendEvent('RUN-A', finished);
        expect(stored.event).toEqual(finished);
        expect((await journal.eventsOf(['RUN-A']))[0].event).toEqual(finished);
      });

      it('verifies a healthy journal as a whole and run by run', async () => {
        const { journal } = await fresh();
        expect(await journal.verifyChain()).toEqual({ ok: true, checked: 0 });
        const r1 = await createRun(journal, { id: 'R1' });
        const r2 = await createRun(journal, { id: 'R2' });
        await journal.appendEvent('R1', runStarted(r1));
        await journal.appendEvent('R2', runStarted(r2));
        await journal.appendEvent('R1', event({ kind: 'run.finished', outcome: 'succeeded', exitCode: 0, durationMs: 10, issues: [] }));
        await journal.appendEvent('R2', event({ kind: 'warning', message: 'still running' }));
        expect(await journal.verifyChain()).toEqual({ ok: true, checked: 4 });
        expect(await journal.verifyRuns(['R1'])).toEqual({ ok: true, checked: 2, scope: 'runs' });
        expect(await journal.verifyRuns(['R2', 'R1'])).toEqual({ ok: true, checked: 4, scope: 'runs' });
        // The events with their check, in one read: the same as asking for each.
        for (const ids of [['R1'], ['R2', 'R1']]) {
          expect(await journal.verifiedEventsOf(ids)).toEqual({ events: await journal.eventsOf(ids), audit: await journal.verifyRuns(ids) });
        }
      });

      it('keeps one chain when two connections append at once', async () => {
        const { journal, connect } = await fresh();
        const other = await connect();
        await createRun(journal, { id: 'R1' });
        await createRun(other, { id: 'R2' });
        const appends: Promise<StoredEvent>[] = [];
        for (let i = 0; i < 40; i++) {
          appends.push(journal.appendEvent('R1', event({ kind: 'warning', message: `one ${i}` })));
          appends.push(other.appendEvent('R2', event({ kind: 'warning', message: `two ${i}` })));
        }
        const stored = await Promise.all(appends);
        expect(stored.map((e) => e.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
        const trail = await journal.eventsOf(['R1', 'R2']);
        expect(trail.map((e) => e.seq)).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
        for (let i = 1; i < trail.length; i++) expect(trail[i].prevHash).toBe(trail[i - 1].hash);
        expect(await other.verifyChain()).toEqual({ ok: true, checked: 80 });
      });
    });

    describe('approvals', () => {
      const request = (pointId: string) =>
        event({
          kind: 'approval.requested',
          subject: 'confirm',
          pointId,
          title: `Approve ${pointId}`,
          approvers: [{ role: 'dba', name: 'Li Wei', user: 'liwei' }],
          minApprovals: 1,
          selfApproval: false,
          runner: 'ana',
        });
      const answer = (pointId: string, user: string) =>
        event({
          kind: 'approval',
          pointId,
          answer: 'approve',
          verdict: 'accepted',
          identity: { user, kind: 'database-role' },
          by: user,
          via: 'command',
          host: 'elsewhere',
        });

      it('says who the connection is: the identity it records runs with', async () => {
        const { journal, connect } = await fresh();
        expect(await journal.whoAmI()).toEqual(harness.identity());
        expect(await (await connect('other-host')).whoAmI()).toEqual(harness.identity());
      });

      it("returns one run's events of the kinds asked for, after a seq, in journal order", async () => {
        const { journal } = await fresh();
        await createRun(journal, { id: 'R1' });
        await createRun(journal, { id: 'R2' });
        const asked = await journal.appendEvent('R1', request('migrate'));
        await journal.appendEvent('R1', event({ kind: 'warning', message: 'not asked for' }));
        await journal.appendEvent('R2', answer('migrate', 'liwei'));
        const first = await journal.appendEvent('R1', answer('migrate', 'liwei'));
        const second = await journal.appendEvent('R1', answer('migrate', 'sam'));
        expect(await journal.eventsSince('R1', 0, ['approval.requested', 'approval'])).toEqual([asked, first, second]);
        expect(await journal.eventsSince('R1', asked.seq, ['approval'])).toEqual([first, second]);
        expect(await journal.eventsSince('R1', second.seq, ['approval'])).toEqual([]);
        expect(await journal.eventsSince('R1', 0, [])).toEqual([]);
        expect(await journal.eventsSince('NONE', 0, ['approval'])).toEqual([]);
      });

      it('appends what decide makes of the run\'s events, read under the write lock: two connections deciding at once never both see "not yet"', async () => {
        const { journal, connect } = await fresh();
        const other = await connect('approver-host');
        await createRun(journal, { id: 'R1' });
        await journal.appendEvent('R1', request('migrate'));
        // Each connection records "first" only if no one did before it; both try many times at once.
        const decideFirst = (events: StoredEvent[]) =>
          ({ ...answer('migrate', events.some((e) => e.kind === 'approval') ? 'later' : 'first'), at: new Date(clock.ms).toISOString() }) as const;
        const attempts: Promise<StoredEvent>[] = [];
        for (let i = 0; i < 10; i++) {
          attempts.push(journal.appendDecided('R1', ['approval'], decideFirst));
          attempts.push(other.appendDecided('R1', ['approval'], decideFirst));
        }
        const stored = await Promise.all(attempts);
        expect(stored.filter((e) => (e.event as { by: string }).by === 'first')).toHaveLength(1);
        const trail = await journal.eventsOf(['R1']);
        expect(trail.map((e) => e.seq)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
        expect((trail[1].event as { by: string }).by).toBe('first');
        expect(await other.verifyChain()).toEqual({ ok: true, checked: 21 });
      });

      it('appends nothing when decide throws', async () => {
        const { journal } = await fresh();
        await createRun(journal, { id: 'R1' });
        const before = await journal.appendEvent('R1', request('migrate'));
        await expect(
          journal.appendDecided('R1', ['approval.requested'], (events) => {
            throw new UsageError(`saw ${events.length}`);
          }),
        ).rejects.toThrow('saw 1');
        expect(await journal.eventsOf(['R1'])).toEqual([before]);
        expect((await journal.appendEvent('R1', answer('migrate', 'liwei'))).seq).toBe(2);
      });

      it('keeps the chain linear when another connection answers while the run appends', async () => {
        const { journal, connect } = await fresh();
        const approver = await connect('approver-host');
        await createRun(journal, { id: 'R1' });
        await journal.appendEvent('R1', request('migrate'));
        const appends: Promise<StoredEvent>[] = [];
        for (let i = 0; i < 30; i++) {
          appends.push(journal.appendEvent('R1', event({ kind: 'warning', message: `run ${i}` })));
          appends.push(approver.appendEvent('R1', answer('migrate', `person-${i}`)));
        }
        await Promise.all(appends);
        const trail = await journal.eventsOf(['R1']);
        expect(trail.map((e) => e.seq)).toEqual(Array.from({ length: 61 }, (_, i) => i + 1));
        for (let i = 1; i < trail.length; i++) expect(trail[i].prevHash).toBe(trail[i - 1].hash);
        expect((await journal.eventsSince('R1', 1, ['approval'])).map((e) => (e.event as { by: string }).by)).toEqual(
          Array.from({ length: 30 }, (_, i) => `person-${i}`),
        );
        expect(await approver.verifyChain()).toEqual({ ok: true, checked: 61 });
      });
    });

    describe('locks', () => {
      const holder = (runId: string, overrides: Partial<LockRequest> = {}): LockRequest => ({
        runId,
        pid: process.pid,
        host: HOST,
        operator: 'ana',
        ...overrides,
      });

      it('is taken by one run at a time per runbook and environment; a live holder is a LockHeldError (exit 5) naming it', async () => {
        const { journal } = await fresh();
        expect(await journal.acquireLock('webshop-release', 'production', holder('R1'))).toEqual({});
        const refused = await journal.acquireLock('webshop-release', 'production', holder('R2', { operator: 'li' })).then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(refused).toBeInstanceOf(LockHeldError);
        expect((refused as LockHeldError).exitCode).toBe(5);
        expect((refused as LockHeldError).message).toContain('locked by run R1');
        expect(await journal.lockHolder('webshop-release', 'production')).toEqual({
          runId: 'R1',
          pid: process.pid,
          host: HOST,
          operator: 'ana',
          since: new Date(T0).toISOString(),
          heartbeatAt: new Date(T0).toISOString(),
        });
        expect(await journal.acquireLock('webshop-release', 'uat', holder('R3'))).toEqual({});
        expect(await journal.acquireLock('webshop-release', null, holder('R4'))).toEqual({});
        expect(await journal.acquireLock('other', 'production', holder('R5'))).toEqual({});
        await expect(journal.acquireLock('webshop-release', null, holder('R6'))).rejects.toThrow(/runbook webshop-release is locked by run R4/);
      });

      it('is seen by every connection: another process is refused while the holder lives', async () => {
        const { journal, connect } = await fresh();
        const other = await connect();
        await journal.acquireLock('webshop-release', 'production', holder('R1'));
        await expect(other.acquireLock('webshop-release', 'production', holder('R2'))).rejects.toThrow(LockHeldError);
        expect((await other.lockHolder('webshop-release', 'production'))?.runId).toBe('R1');
      });

      it('refreshes for the run that holds it, and is released only by that run', async () => {
        const { journal } = await fresh();
        await journal.acquireLock('webshop-release', 'production', holder('R1'));
        clock.ms += 30_000;
        expect(await journal.acquireLock('webshop-release', 'production', holder('R1'))).toEqual({});
        expect((await journal.lockHolder('webshop-release', 'production'))?.heartbeatAt).toBe(new Date(T0 + 30_000).toISOString());
        expect(await journal.releaseLock('webshop-release', 'production', 'R2')).toBe(false);
        expect((await journal.lockHolder('webshop-release', 'production'))?.runId).toBe('R1');
        expect(await journal.releaseLock('webshop-release', 'production', 'R1')).toBe(true);
        expect(await journal.lockHolder('webshop-release', 'production')).toBeNull();
        expect(await journal.releaseLock('webshop-release', 'production', 'R1')).toBe(false);
        expect(await journal.acquireLock('webshop-release', 'production', holder('R2'))).toEqual({});
      });

      it('heartbeats the run and its lock', async () => {
        const { journal } = await fresh();
        await createRun(journal, { id: 'R1' });
        await journal.acquireLock('webshop-release', 'production', holder('R1'));
        clock.ms += 15_000;
        expect(await journal.heartbeat('R1')).toBe(true);
        const beat = new Date(clock.ms).toISOString();
        expect((await journal.getRun('R1'))?.heartbeatAt).toBe(beat);
        expect((await journal.lockHolder('webshop-release', 'production'))?.heartbeatAt).toBe(beat);
      });

      it('takes over a stale holder (dead pid here, or a stale heartbeat anywhere) and returns it', async () => {
        const { journal } = await fresh();
        const dead = deadPid();
        await journal.acquireLock('webshop-release', 'production', holder('R1', { pid: dead }));
        const taken = await journal.acquireLock('webshop-release', 'production', holder('R2', { operator: 'li' }));
        expect(taken.takenOver).toMatchObject({ runId: 'R1', pid: dead, host: HOST, operator: 'ana' });
        expect((await journal.lockHolder('webshop-release', 'production'))?.runId).toBe('R2');

        await journal.acquireLock('webshop-release', 'uat', holder('R3', { host: 'other-host', pid: deadPid() }));
        await expect(journal.acquireLock('webshop-release', 'uat', holder('R4'))).rejects.toThrow(LockHeldError); // a fresh heartbeat on another host
        clock.ms += STALE_HEARTBEAT_MS + 1000;
        expect((await journal.acquireLock('webshop-release', 'uat', holder('R4'))).takenOver?.runId).toBe('R3');
      });

      it("after a takeover the old holder's heartbeat says it lost the lock", async () => {
        const { journal, connect } = await fresh();
        await createRun(journal, { id: 'R1' });
        await journal.acquireLock('webshop-release', 'production', holder('R1', { host: 'other-host' }));
        clock.ms += STALE_HEARTBEAT_MS + 1000;
        const other = await connect();
        expect((await other.acquireLock('webshop-release', 'production', holder('R2'))).takenOver?.runId).toBe('R1');
        expect(await journal.heartbeat('R1')).toBe(false);
      });

      it('shows a stale holder to beforeTakeover first (awaited); when it throws, the lock stays as it was', async () => {
        const { journal } = await fresh();
        await journal.acquireLock('webshop-release', 'production', holder('R1', { pid: deadPid() }));
        const before = await journal.lockHolder('webshop-release', 'production');
        const seen: LockHolder[] = [];
        const refusal = new LockHeldError('its step still runs');
        const refuse = async (previous: LockHolder) => {
          seen.push(previous);
          await new Promise((resolve) => setTimeout(resolve, 5));
          throw refusal;
        };
        await expect(journal.acquireLock('webshop-release', 'production', holder('R2'), refuse)).rejects.toBe(refusal);
        expect(seen).toEqual([before]);
        expect(await journal.lockHolder('webshop-release', 'production')).toEqual(before);

        let checked = 0;
        const allow = async () => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          checked++;
        };
        expect((await journal.acquireLock('webshop-release', 'production', holder('R2'), allow)).takenOver).toEqual(before);
        expect(checked).toBe(1);
        expect((await journal.lockHolder('webshop-release', 'production'))?.runId).toBe('R2');
        // A live holder is refused without asking; a free lock is taken without asking.
        await expect(journal.acquireLock('webshop-release', 'production', holder('R3'), allow)).rejects.toThrow(LockHeldError);
        expect(await journal.acquireLock('other', 'production', holder('R3'), allow)).toEqual({});
        expect(checked).toBe(1);
      });

      it('does not take over a lock someone else took while beforeTakeover was looking', async () => {
        const { journal, connect } = await fresh();
        const other = await connect();
        await journal.acquireLock('webshop-release', 'production', holder('R1', { pid: deadPid() }));
        const result = journal.acquireLock('webshop-release', 'production', holder('R2'), async () => {
          // Meanwhile another process takes the stale lock for itself.
          await other.acquireLock('webshop-release', 'production', holder('R3'));
        });
        await expect(result).rejects.toThrow(/locked by run R3/);
        expect((await journal.lockHolder('webshop-release', 'production'))?.runId).toBe('R3');
      });

      it('shows beforeTakeover the holder it takes over, also when that changed while it looked', async () => {
        const { journal, connect } = await fresh();
        const other = await connect();
        await journal.acquireLock('webshop-release', 'production', holder('R1', { pid: deadPid() }));
        const seen: string[] = [];
        const taken = await journal.acquireLock('webshop-release', 'production', holder('R2'), async (previous) => {
          seen.push(previous.runId);
          // The first time, another process takes the stale lock, and dies too.
          if (seen.length === 1) await other.acquireLock('webshop-release', 'production', holder('R3', { pid: deadPid() }));
        });
        expect(seen).toEqual(['R1', 'R3']);
        expect(taken.takenOver?.runId).toBe('R3');
        expect((await journal.lockHolder('webshop-release', 'production'))?.runId).toBe('R2');
      });
    });
  });
}

/** The run `id`, which the test recorded. */
async function recorded(journal: Journal, id: string): Promise<RunRecord> {
  const run = await journal.getRun(id);
  if (!run) throw new Error(`run ${id} is not in the journal`);
  return run;
}

/** Everything an async iterable yields, in order. */
async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
