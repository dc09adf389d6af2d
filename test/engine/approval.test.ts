/**
 * Waiting for named approvers: the request is recorded, answers recorded by
 * other processes are counted by the rules (approvers only, four eyes where
 * asked, once per person), and a rejection, a timeout or Ctrl-C end the wait
 * the way the failure policy says.
 */
import { describe, expect, it } from 'vitest';
import type { EventOf } from '../../src/engine/events.js';
import type { ApprovalInbox } from '../../src/engine/ports.js';
import type { EventLog } from './fakes.js';
import { harness } from './harness.js';

const RUNBOOK = `
golive: 1
name: shop
team:
  dba: { name: Li Wei, user: liwei }
  lead: [{ name: Ana Ruiz, user: ana }, { name: Sam Okafor, user: sam }]
environments:
  uat: {}
  production: { protected: true }
steps:
  - id: backup
    run: ./backup.sh
  - id: migrate
    title: Migrate the database
    approvers: [dba, lead]
    min_approvals: 2
    approval_timeout: 10m
    run: ./migrate.sh
`;

type Answer = EventOf<'approval'>;

/** An answer as `golive approve` / `reject` records it. */
function answer(user: string, kind: 'approve' | 'reject' = 'approve', comment?: string): Answer {
  return {
    kind: 'approval',
    pointId: 'migrate',
    answer: kind,
    verdict: 'accepted',
    identity: { user, kind: 'os-user' },
    by: user,
    ...(comment ? { comment } : {}),
    via: 'command',
    host: 'elsewhere',
    at: '2026-12-01T09:05:00.000Z',
  };
}

/**
 * An inbox whose answers arrive after so many looks, besides those the run
 * itself recorded (the runner's prompt): what the journal would return.
 */
function inbox(log: () => EventLog, arrivals: Array<{ afterPolls: number; answer: Answer }>): ApprovalInbox & { polls: number } {
  const box = {
    polls: 0,
    pollMs: 1000,
    async answersTo(pointId: string) {
      box.polls++;
      const own = log().ofKind('approval');
      const external = arrivals.filter((a) => a.afterPolls < box.polls).map((a) => a.answer);
      return [...own, ...external].filter((a) => a.pointId === pointId);
    },
  };
  return box;
}

function setup(arrivals: Array<{ afterPolls: number; answer: Answer }>, extra: Parameters<typeof harness>[1] = {}, yaml = RUNBOOK) {
  let h: ReturnType<typeof harness> | undefined;
  const box = inbox(() => h!.log, arrivals);
  h = harness(yaml, { environment: 'uat', options: { identity: { user: 'ana', kind: 'os-user' } }, approvals: box, ...extra });
  return { h, box };
}

describe('approvals', () => {
  it('records the request, waits, and runs the step once enough different approvers approved', async () => {
    const { h, box } = setup([
      { afterPolls: 2, answer: answer('liwei') },
      { afterPolls: 3, answer: answer('liwei') },
      { afterPolls: 4, answer: answer('sam') },
    ]);
    const result = await h.run();
    expect(result.exitCode).toBe(0);
    const request = h.log.only('approval.requested');
    expect(request).toMatchObject({
      pointId: 'migrate',
      title: 'Migrate the database',
      minApprovals: 2,
      selfApproval: true,
      runner: 'ana',
      timeoutMs: 600_000,
    });
    expect(request.approvers.map((a) => a.user)).toEqual(['liwei', 'ana', 'sam']);
    // liwei's second answer does not count twice: sam's completes the count.
    expect(box.polls).toBe(5);
    expect(h.clock.sleeps.filter((ms) => ms === 1000)).toHaveLength(4);
    const decision = h.log.decisions('confirm').at(-1);
    expect(decision).toMatchObject({ subjectId: 'migrate', choice: 'approved', via: 'approval' });
    expect(decision?.by).toBe('Li Wei (dba, liwei), Sam Okafor (lead, sam)');
    expect(h.runner.commands).toEqual(['./backup.sh', './migrate.sh']);
    const kinds = h.log.kinds();
    expect(kinds.indexOf('approval.requested')).toBeLessThan(kinds.lastIndexOf('decision'));
  });

  it('never counts the runner where four eyes apply (protected environment), nor someone who is not an approver', async () => {
    const { h } = setup(
      [
        { afterPolls: 1, answer: answer('ana') },
        { afterPolls: 1, answer: answer('mallory') },
        { afterPolls: 2, answer: answer('liwei') },
        { afterPolls: 6, answer: answer('sam') },
      ],
      { environment: 'production' },
    );
    const result = await h.run();
    expect(result.exitCode).toBe(0);
    expect(h.log.only('approval.requested').selfApproval).toBe(false);
    expect(h.log.decisions('confirm').at(-1)?.by).toBe('Li Wei (dba, liwei), Sam Okafor (lead, sam)');
  });

  it('takes the failure policy on a rejection, with who rejected and why', async () => {
    const { h } = setup([{ afterPolls: 1, answer: answer('liwei', 'reject', 'the backup is from yesterday') }]);
    const result = await h.run();
    expect(result).toMatchObject({ outcome: 'aborted', exitCode: 3 });
    expect(h.log.decisions('confirm').at(-1)).toMatchObject({ choice: 'rejected', via: 'approval' });
    const failed = h.log.ofKind('step.state').find((e) => e.stepId === 'migrate');
    expect(failed).toMatchObject({ state: 'failed', reason: 'rejected by Li Wei (dba, liwei): the backup is from yesterday' });
    expect(h.runner.commands).toEqual(['./backup.sh']);
  });

  it('applies the failure policy when approval_timeout passes, naming the cause', async () => {
    const { h } = setup([{ afterPolls: 1, answer: answer('liwei') }], { options: { identity: { user: 'ana', kind: 'os-user' }, onFailure: 'abort' } });
    const result = await h.run();
    expect(result.outcome).toBe('aborted');
    const decision = h.log.decisions('confirm').at(-1);
    expect(decision).toMatchObject({ choice: 'timed-out', via: 'policy' });
    expect(decision?.reason).toContain('within 10m (approval_timeout) (1 of 2 given)');
    expect(h.runner.commands).not.toContain('./migrate.sh');
  });

  it('is interrupted by Ctrl-C while waiting: nothing is approved, nothing more runs', async () => {
    const { h } = setup([]);
    h.clock.onSleep = () => h.interruption.request('SIGINT');
    const result = await h.run();
    expect(result).toMatchObject({ outcome: 'interrupted', exitCode: 130 });
    expect(h.log.decisions('confirm')).toEqual([]);
    expect(h.runner.commands).toEqual(['./backup.sh']);
  });

  it('lets --yes answer only confirmations without approvers, and says so', async () => {
    const { h } = setup(
      [
        { afterPolls: 1, answer: answer('liwei') },
        { afterPolls: 1, answer: answer('sam') },
      ],
      { options: { identity: { user: 'ana', kind: 'os-user' }, approveAll: true } },
    );
    await h.run();
    expect(h.log.ofKind('warning').map((w) => w.message)).toEqual([
      '--yes and --approve answer only confirmations without approvers: migrate waits for Li Wei (dba), Ana Ruiz (lead) or Sam Okafor (lead) (golive approve run-2 migrate)',
    ]);
    expect(h.log.decisions('confirm').at(-1)?.via).toBe('approval');
  });

  it('asks the runner at the terminal where they may approve; their answer is recorded as theirs and counts once', async () => {
    const { h } = setup([{ afterPolls: 1, answer: answer('sam') }], { interactive: true, answers: { confirm: [true] } });
    const result = await h.run();
    expect(result.exitCode).toBe(0);
    expect(h.prompter.questions.map((q) => q.message)).toEqual(['Approve Migrate the database? (you are Ana Ruiz, an approver; 2 needed)']);
    const own = h.log.ofKind('approval');
    expect(own).toHaveLength(1);
    expect(own[0]).toMatchObject({
      answer: 'approve',
      verdict: 'accepted',
      via: 'prompt',
      identity: { user: 'ana' },
      person: { role: 'lead', name: 'Ana Ruiz' },
    });
    expect(h.log.decisions('confirm').at(-1)?.by).toBe('Ana Ruiz (lead, ana), Sam Okafor (lead, sam)');
  });

  it('does not ask the runner where four eyes apply', async () => {
    const { h } = setup(
      [
        { afterPolls: 1, answer: answer('liwei') },
        { afterPolls: 1, answer: answer('sam') },
      ],
      { environment: 'production', interactive: true },
    );
    expect((await h.run()).exitCode).toBe(0);
    expect(h.prompter.questions).toEqual([]);
  });

  it('holds a run in an environment with approvers before its first step; a rejection is NO-GO and nothing runs', async () => {
    const yaml = `
golive: 1
name: shop
version: 2.4.0
team:
  dba: { name: Li Wei, user: liwei }
environments:
  production: { protected: true, approvers: [dba] }
steps:
  - id: deploy
    run: ./deploy.sh
`;
    const reject: Answer = { ...answer('liwei', 'reject', 'not in this window'), pointId: 'production' };
    const { h } = setup([{ afterPolls: 1, answer: reject }], { environment: 'production' }, yaml);
    const result = await h.run();
    expect(result).toMatchObject({ outcome: 'no-go', exitCode: 4 });
    expect(h.log.only('approval.requested')).toMatchObject({
      subject: 'protected-environment',
      pointId: 'production',
      title: 'run of shop 2.4.0 to production',
    });
    expect(result.issues).toEqual(['no-go: production: rejected by Li Wei (dba, liwei): not in this window']);
    expect(h.runner.commands).toEqual([]);
  });
  it('a checklist question with approvers is answered by their approval: approved is GO, rejected is NO-GO', async () => {
    const yaml = `
golive: 1
name: shop
team:
  dba: { name: Li Wei, user: liwei }
checks:
  - id: change-approved
    confirm: Is CHG-1 approved?
    approvers: [dba]
steps:
  - id: deploy
    run: ./deploy.sh
`;
    const go = setup([{ afterPolls: 1, answer: { ...answer('liwei'), pointId: 'change-approved' } }], { environment: undefined }, yaml).h;
    expect((await go.run()).exitCode).toBe(0);
    expect(go.log.only('check.finished')).toMatchObject({ checkId: 'change-approved', passed: true });
    const noGo = setup(
      [{ afterPolls: 1, answer: { ...answer('liwei', 'reject', 'not yet'), pointId: 'change-approved' } }],
      { environment: undefined },
      yaml,
    ).h;
    expect(await noGo.run()).toMatchObject({ outcome: 'no-go', exitCode: 4 });
    expect(noGo.log.only('check.finished')).toMatchObject({ passed: false, reason: 'rejected by Li Wei (dba, liwei): not yet' });
    expect(noGo.runner.commands).toEqual([]);
  });
});
