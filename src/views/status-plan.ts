/** What a plan gives the status update: its steps (per host), checks, smoke tests and rollouts. */
import { planInstances } from '../runbook/instances.js';
import type { Plan } from '../runbook/plan.js';
import { waveOf } from './plan-facts.js';
import type { StatusInput } from './status.js';

/** The status inputs a plan provides: steps, checks and smoke tests with titles, owners and expected durations. */
export function statusPlanOf(plan: Plan): Pick<StatusInput, 'steps' | 'checks' | 'smokeTests' | 'rollouts'> {
  return {
    steps: planInstances(plan).map((s) => ({
      id: s.id,
      title: s.instance ? `${s.title} on ${s.instance.target.name}` : s.title,
      owner: s.owner?.role,
      expectedMs: s.expectedMs,
      group: waveOf(s) ?? s.group,
      confirm: s.confirm,
    })),
    rollouts: plan.stages.flatMap((stage) =>
      stage.kind === 'rollout' ? [{ id: stage.id, hosts: stage.rollout.waves.flat().length, waves: stage.rollout.waves.length }] : [],
    ),
    checks: plan.checks.map((c) => ({ id: c.id, title: c.title, confirm: c.confirm })),
    smokeTests: plan.verify.map((v) => ({ id: v.id, title: v.title })),
  };
}
