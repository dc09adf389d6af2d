/** Which approvals a resume carries over from its chain, and the recount under the resume's own runner (four eyes). */
import { describe, expect, it } from 'vitest';
import { approvalsToCarry, type ChainEvent, recount } from '../../src/engine/approval-carry.js';
import type { ApprovalRequest } from '../../src/engine/approval-tally.js';
import type { EngineEvent } from '../../src/engine/events.js';

const li = { role: 'dba', name: 'Li Wei', user: 'liwei' };
const ana = { role: 'lead', name: 'Ana Ruiz', user: 'ana' };
const at = '2026-12-01T09:00:00.000Z';

function request(pointId: string, runner: string, selfApproval = false): ApprovalRequest {
  return { kind: 'approval.requested', subject: 'confirm', pointId, title: pointId, approvers: [li, ana], minApprovals: 1, selfApproval, runner, at };
}
const started: EngineEvent = {
  kind: 'run.started',
  mode: 'run',
  runbook: { name: 'r', path: '/r.yaml', sha256: 'x' },
  operator: 'ana',
  host: 'h',
  steps: [],
  expectedMs: 0,
  vars: {},
  at,
};
const approve = (pointId: string, user: string): EngineEvent => ({
  kind: 'approval',
  pointId,
  answer: 'approve',
  verdict: 'accepted',
  identity: { user, kind: 'database-role' },
  by: user,
  via: 'command',
  host: 'h',
  at,
});
const decided = (pointId: string, choice: string): EngineEvent => ({
  kind: 'decision',
  subject: 'confirm',
  subjectId: pointId,
  choice,
  by: 'x',
  via: 'approval',
  at,
});
const inRun = (runId: string, events: EngineEvent[]): ChainEvent[] => events.map((event) => ({ runId, event }));

describe('approvalsToCarry', () => {
  it('carries a decided approval, not a rejected or undecided one', () => {
    const carried = approvalsToCarry([
      ...inRun('R1', [started, request('migrate', 'ana'), approve('migrate', 'liwei'), decided('migrate', 'approved')]),
      ...inRun('R1', [request('seed', 'ana'), decided('seed', 'rejected'), request('smoke', 'ana'), approve('smoke', 'liwei')]),
    ]);
    expect([...carried.keys()]).toEqual(['migrate']);
    expect(carried.get('migrate')).toMatchObject({ runId: 'R1', answers: [{ identity: { user: 'liwei' } }] });
  });

  it('keeps the run that gave it through a resume that carried it, and forgets it after a later rejection', () => {
    const carriedEvent: EngineEvent = {
      kind: 'approval.carried',
      subject: 'confirm',
      pointId: 'migrate',
      title: 'migrate',
      fromRunId: 'R1',
      approvedBy: [],
      at,
    };
    const chain = [
      ...inRun('R1', [started, request('migrate', 'ana'), approve('migrate', 'liwei'), decided('migrate', 'approved')]),
      ...inRun('R2', [started, carriedEvent, decided('migrate', 'approved')]),
    ];
    expect(approvalsToCarry(chain).get('migrate')?.runId).toBe('R1');
    const later = [...chain, ...inRun('R3', [started, request('migrate', 'ana'), decided('migrate', 'rejected')])];
    expect(approvalsToCarry(later).has('migrate')).toBe(false);
  });
});

describe('recount', () => {
  const earlier = approvalsToCarry(inRun('R1', [started, request('migrate', 'ana'), approve('migrate', 'liwei'), decided('migrate', 'approved')])).get(
    'migrate',
  )!;

  it('counts the earlier answers again for a resume by someone else', () => {
    expect(recount(request('migrate', 'bo'), earlier)).toMatchObject({ approvedBy: [{ identity: { user: 'liwei' } }] });
  });

  it('does not count an approver who now resumes the run where four eyes apply', () => {
    expect(recount(request('migrate', 'liwei'), earlier)).toEqual({
      why: 'liwei started this run and migrate needs four eyes (self_approval is false): Ana Ruiz (lead) must approve it',
    });
    expect(recount(request('migrate', 'liwei', true), earlier)).toHaveProperty('approvedBy');
  });
});
