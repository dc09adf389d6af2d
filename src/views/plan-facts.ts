/**
 * The facts of a resolved plan that the read commands show (see
 * `PlanFacts`), taken once when a run starts and kept with it in the
 * journal, and what `status` reads of them. A run recorded without them is
 * read through the same function from its snapshot, so both say the same.
 */
import type { PlanFacts } from '../journal/types.js';
import { planInstances } from '../runbook/instances.js';
import type { Plan, PlannedStep } from '../runbook/plan.js';
import { roleHolderNames } from '../runbook/team.js';
import { teamPeople } from './identity.js';
import type { StatusInput } from './status.js';

/** The plan facts of a resolved plan. */
export function planFactsOf(plan: Plan): PlanFacts {
  const rollouts = plan.stages.flatMap((stage) =>
    stage.kind === 'rollout' ? [{ id: stage.id, hosts: stage.rollout.waves.flat().length, waves: stage.rollout.waves.length }] : [],
  );
  const team: Record<string, string> = {};
  for (const role of Object.keys(plan.runbook.team ?? {})) team[role] = roleHolderNames(plan.runbook.team, role) ?? role;
  return {
    description: plan.runbook.description ?? null,
    window: plan.window ? { start: plan.window.start.toISOString(), end: plan.window.end.toISOString() } : null,
    protectedEnvironment: plan.protected,
    team,
    people: teamPeople(plan.runbook.team),
    // A step on hosts has a row per host (`<step>@<host>`); a rollout's rows name their wave.
    steps: planInstances(plan).map((s) => ({
      id: s.id,
      title: s.instance ? `${s.title} on ${s.instance.target.name}` : s.title,
      owner: s.owner?.role,
      expectedMs: s.expectedMs,
      group: waveOf(s) ?? s.group,
      confirm: s.confirm,
    })),

    checks: plan.checks.map((c) => ({ id: c.id, title: c.title, owner: c.owner?.role, blocking: c.blocking, confirm: c.confirm })),
    verify: plan.verify.map((v) => ({ id: v.id, title: v.title, owner: v.owner?.role, severity: v.severity })),
    rollbackVerify: plan.rollbackVerify.map((v) => ({ id: v.id, title: v.title })),
    // Only when there are any: the facts of a runbook without rollouts read as they always did.
    ...(rollouts.length > 0 ? { rollouts } : {}),
  };
}

/** What the status update takes from the plan facts: the same as `statusPlanOf` of the plan they came from. */
export function statusPlanFrom(facts: PlanFacts): Pick<StatusInput, 'steps' | 'checks' | 'smokeTests' | 'rollouts'> {
  return {
    rollouts: facts.rollouts ?? [],
    steps: facts.steps.map((s) => ({ id: s.id, title: s.title, owner: s.owner, expectedMs: s.expectedMs, group: s.group, confirm: s.confirm })),
    checks: facts.checks.map((c) => ({ id: c.id, title: c.title, confirm: c.confirm })),
    smokeTests: facts.verify.map((v) => ({ id: v.id, title: v.title })),
  };
}

/** A rollout step's wave, as the reports group its rows: `web-rollout wave 2`. */
export function waveOf(step: PlannedStep): string | undefined {
  const rollout = step.instance?.rollout;
  return rollout && `${rollout.id} wave ${rollout.wave}`;
}
