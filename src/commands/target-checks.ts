/**
 * What a dry run checks about remote hosts: that `ssh` is installed when a
 * step runs on hosts, and with `--check-targets` that each host the plan
 * uses accepts a batch-mode connection. Nothing of the runbook runs there.
 */
import { checkConnection, sshOnPath } from '../process/ssh-check.js';
import type { RemoteTarget } from '../process/types.js';
import type { Plan } from '../runbook/plan.js';
import { sshOptionsFromEnvironment } from '../session/ssh-config.js';

/** The hosts the plan's steps and rollouts run on, each once. */
export function plannedTargets(plan: Plan): RemoteTarget[] {
  const groups = new Set<string>();
  for (const stage of plan.stages) {
    if (stage.kind === 'rollout') groups.add(stage.rollout.group);
    const steps = stage.kind === 'step' ? [stage.step] : stage.kind === 'parallel' ? stage.members : [];
    for (const step of steps) if (step.on !== undefined) groups.add(step.on);
  }
  const seen = new Map<string, RemoteTarget>();
  for (const group of groups) for (const target of plan.targets[group] ?? []) seen.set(`${target.name}\u0000${target.host}\u0000${target.port ?? ''}`, target);
  return [...seen.values()];
}

/** One line per problem with the plan's hosts: ssh missing, or (when asked) a host that refuses a connection. */
export async function targetProblems(plan: Plan, connect: boolean): Promise<string[]> {
  const targets = plannedTargets(plan);
  if (targets.length === 0) return [];
  if (sshOnPath() === undefined) return ['steps run on remote hosts, and `ssh` (OpenSSH) is not on PATH'];
  if (!connect) return [];
  const options = sshOptionsFromEnvironment(process.env);
  const results = await Promise.all(targets.map((target) => checkConnection(target, options)));
  return results.flatMap((result) => (result.ok ? [] : [result.cause]));
}
