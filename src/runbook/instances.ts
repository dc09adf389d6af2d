/**
 * Executions of hosted steps: a step with `on: <group>` runs once per host,
 * and a rollout runs its steps once per host. Each such execution is a
 * planned step of its own whose id is `<step>@<host>` (host names cannot
 * contain `@`), so the engine's per-step state, outputs, retries, in-doubt
 * handling and rollback order apply to each host unchanged, and the journal
 * says which host with the `target` of its events.
 */
import type { RemoteTarget } from '../process/types.js';
import type { Plan, PlannedStage, PlannedStep } from './plan.js';

/** The key of one host's execution of a step: `deploy@web1`; a local step's key is its id. */
export function instanceKey(stepId: string, target?: string): string {
  return target === undefined ? stepId : `${stepId}@${target}`;
}

/** One host's execution of a planned step. */
export function instanceOf(step: PlannedStep, target: RemoteTarget, rollout?: { id: string; wave: number }): PlannedStep {
  return { ...step, id: instanceKey(step.id, target.name), instance: { stepId: step.id, target, ...(rollout ? { rollout } : {}) } };
}

/** A step's executions: one per host of its group, or the step itself when it runs locally. */
export function stepInstances(plan: Plan, step: PlannedStep): PlannedStep[] {
  if (step.on === undefined) return [step];
  return (plan.targets[step.on] ?? []).map((target) => instanceOf(step, target));
}

/** One host's executions of a rollout's steps, in order. */
export function hostInstances(stage: Extract<PlannedStage, { kind: 'rollout' }>, target: RemoteTarget, wave: number): PlannedStep[] {
  return stage.rollout.steps.map((step) => instanceOf(step, target, { id: stage.id, wave }));
}

/** Every execution of a stage, in plan order (a rollout's hosts wave by wave). */
export function stageInstances(plan: Plan, stage: PlannedStage): PlannedStep[] {
  if (stage.kind === 'step') return stepInstances(plan, stage.step);
  if (stage.kind === 'parallel') return stage.members.flatMap((member) => stepInstances(plan, member));
  return stage.rollout.waves.flatMap((hosts, w) => hosts.flatMap((target) => hostInstances(stage, target, w + 1)));
}

/** Every execution of the plan, in plan order: what the engine tracks state for. */
export function planInstances(plan: Plan): PlannedStep[] {
  return plan.stages.flatMap((stage) => stageInstances(plan, stage));
}
