/**
 * A rollout's sign-off by named approvers: each wave's sign-off is the
 * approval point `<rollout>.wave-<n>`, answered through the journal's inbox
 * like a step's approval; `--yes` does not answer it; a rejection fails the
 * rollout and the run's failure policy applies.
 */
import { describe, expect, it } from 'vitest';
import type { EventOf } from '../../src/engine/events.js';
import type { ApprovalInbox } from '../../src/engine/ports.js';
import { harness } from './harness.js';

const RUNBOOK = `
golive: 1
name: webshop-release
on_failure: rollback
team:
  site-owner: [{ name: Kim Lee, user: kim }, { name: Ravi Das, user: ravi }]
targets:
  web:
    - { name: web1, host: 10.0.0.1 }
    - { name: web2, host: 10.0.0.2 }
    - { name: web3, host: 10.0.0.3 }
    - { name: web4, host: 10.0.0.4 }
steps:
  - id: web-rollout
    rollout:
      on: web
      waves: [1, 1, 100%]
      sign_off:
        owner: site-owner
        confirm: "Wave {{ wave.number }} healthy?"
        approvers: [site-owner]
        approval_timeout: 10m
      steps:
        - id: deploy
          run: deploy {{ target.name }}
          rollback: undeploy {{ target.name }}
`;

type Answer = EventOf<'approval'>;

function answer(pointId: string, user: string, kind: 'approve' | 'reject', comment?: string): Answer {
  return {
    kind: 'approval',
    pointId,
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

/** Answers recorded by other processes, each visible from the given look on. */
function inbox(arrivals: Array<{ afterPolls: number; answer: Answer }>): ApprovalInbox & { asked: string[] } {
  const box = {
    asked: [] as string[],
    pollMs: 1000,
    async answersTo(pointId: string) {
      box.asked.push(pointId);
      const looks = box.asked.filter((id) => id === pointId).length;
      return arrivals.filter((a) => a.answer.pointId === pointId && a.afterPolls < looks).map((a) => a.answer);
    },
  };
  return box;
}

describe('a sign-off by named approvers', () => {
  it('waits at <rollout>.wave-<n>: wave 1 approved through the inbox lets wave 2 run; wave 2 rejected fails the rollout', async () => {
    const box = inbox([
      { afterPolls: 2, answer: answer('web-rollout.wave-1', 'kim', 'approve') },
      { afterPolls: 1, answer: answer('web-rollout.wave-2', 'ravi', 'reject', 'error rate up on web2') },
    ]);
    // --yes answers confirmations only: it must not sign a wave off.
    const h = harness(RUNBOOK, { options: { identity: { user: 'ops', kind: 'os-user' }, approveAll: true }, approvals: box });
    const result = await h.run();
    expect(result).toMatchObject({ outcome: 'rolled-back', exitCode: 1 });

    const requests = h.log.ofKind('approval.requested');
    expect(requests.map((r) => [r.subject, r.pointId, r.title])).toEqual([
      ['sign-off', 'web-rollout.wave-1', 'web-rollout: Wave 1 healthy?'],
      ['sign-off', 'web-rollout.wave-2', 'web-rollout: Wave 2 healthy?'],
    ]);
    expect(requests[0].approvers.map((a) => a.user)).toEqual(['kim', 'ravi']);
    expect(requests[0].timeoutMs).toBe(600_000);
    // Wave 1's sign-off took two looks at the inbox before kim's answer arrived.
    expect(box.asked.filter((id) => id === 'web-rollout.wave-1')).toHaveLength(3);

    const decisions = h.log.decisions('sign-off');
    expect(decisions.map((d) => [d.subjectId, d.choice, d.via, d.by])).toEqual([
      ['web-rollout.wave-1', 'approved', 'approval', 'Kim Lee (site-owner, kim)'],
      ['web-rollout.wave-2', 'rejected', 'approval', 'Ravi Das (site-owner, ravi)'],
    ]);
    expect(decisions[1].reason).toContain('rejected by Ravi Das (site-owner, ravi): error rate up on web2');
    expect(h.log.ofKind('warning').some((w) => w.message.includes('--yes and --approve answer only confirmations without approvers'))).toBe(true);

    // Waves 1 and 2 ran, wave 3 never started; the rejection rolled both hosts back, later wave first.
    expect(h.log.ofKind('wave.started').map((e) => e.wave)).toEqual([1, 2]);
    expect(h.runner.commands).toEqual(['deploy web1', 'deploy web2', 'undeploy web2', 'undeploy web1']);
  });

  it('takes the failure policy when nobody signs off within approval_timeout', async () => {
    const h = harness(RUNBOOK.replace('on_failure: rollback', 'on_failure: abort'), { approvals: inbox([]) });
    const result = await h.run();
    expect(result).toMatchObject({ outcome: 'aborted', exitCode: 3 });
    expect(h.log.decisions('sign-off')).toMatchObject([{ subjectId: 'web-rollout.wave-1', choice: 'timed-out', via: 'policy' }]);
    expect(h.log.decisions('sign-off')[0].reason).toContain('no approval of web-rollout.wave-1 by');
    expect(h.runner.commands).toEqual(['deploy web1']);
  });
});
