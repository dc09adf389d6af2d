/**
 * Rules for remote hosts: every group a step or rollout names exists (in
 * every environment it can run in), host names are unique within a group,
 * and a rollout's waves reach every host without shrinking.
 */
import { Codes } from './diagnostics.js';
import type { RuleContext } from './rules.js';
import { didYouMean } from './suggest.js';
import { environmentsWithGroups, runsOnHosts, targetGroups, wavesProblem } from './targets.js';
import { isParallelGroup, isRolloutStep, type Target } from './types.js';

/** A group named by `on:` must be defined, for every environment the runbook can run in. */
export function targetGroupsKnown(ctx: RuleContext): void {
  const environments = environmentsWithGroups(ctx.runbook, knownEnvironment(ctx));
  const check = (group: string | undefined, path: (string | number)[]) => {
    if (!runsOnHosts(group)) return;
    const missingIn = environments.filter((env) => !Object.hasOwn(targetGroups(ctx.runbook, env), group));
    if (missingIn.length === 0) return;
    const known = [...new Set(environments.flatMap((env) => Object.keys(targetGroups(ctx.runbook, env))))];
    const where = missingIn.length === environments.length ? '' : ` for environment ${missingIn.filter((e) => e !== undefined).join(', ')}`;
    ctx.report({
      path,
      code: Codes.UnknownTargetGroup,
      message: `unknown group of targets \`${group}\`${where}`,
      hint: didYouMean(group, known) ?? (known.length ? `groups: ${known.join(', ')} (or \`local\`)` : 'define it under `targets:`'),
    });
  };
  ctx.runbook.steps.forEach((entry, i) => {
    if (isRolloutStep(entry)) {
      check(entry.rollout.on, ['steps', i, 'rollout', 'on']);
      if (entry.rollout.on === 'local')
        ctx.report({ path: ['steps', i, 'rollout', 'on'], code: Codes.UnknownTargetGroup, message: 'a rollout goes to a group of hosts, not to `local`' });
      (entry.rollout.steps ?? []).forEach((step, j) => {
        for (const key of ['on', 'confirm', 'concurrency'] as const)
          if (step[key] !== undefined)
            ctx.report({
              path: ['steps', i, 'rollout', 'steps', j, key],
              at: 'key',
              code: Codes.Schema,
              message: `a step of a rollout has no \`${key}:\``,
              hint:
                key === 'on'
                  ? 'it runs on each host of the rollout'
                  : key === 'confirm'
                    ? 'use the rollout’s `sign_off:` between waves'
                    : 'set `concurrency:` on the rollout',
            });
      });
    } else if (isParallelGroup(entry))
      entry.parallel.forEach((member, j) => {
        check(member.on, ['steps', i, 'parallel', j, 'on']);
      });
    else {
      check(entry.on, ['steps', i, 'on']);
      if (!runsOnHosts(entry.on) && entry.concurrency !== undefined)
        ctx.report({
          path: ['steps', i, 'concurrency'],
          at: 'key',
          code: Codes.Schema,
          message: '`concurrency:` limits how many hosts run a step at once: it needs `on: <group>`',
        });
      if (runsOnHosts(entry.on) && entry.confirm !== undefined)
        ctx.report({
          path: ['steps', i, 'on'],
          at: 'key',
          code: Codes.Schema,
          message: 'a `confirm:` step is a question to the operator: it has no host to run `on:`',
          hint: 'remove `on:`, or make it a command (`run:`)',
        });
    }
  });
}

/** Host names identify a host in logs, outputs and the journal: unique within a group. */
export function targetHostsUnique(ctx: RuleContext): void {
  const checkGroup = (hosts: Target[] | undefined, path: (string | number)[]) => {
    const seen = new Set<string>();
    hosts?.forEach((host, i) => {
      if (typeof host?.name !== 'string') return;
      if (seen.has(host.name))
        ctx.report({
          path: [...path, i, 'name'],
          code: Codes.DuplicateId,
          message: `duplicate host name \`${host.name}\` in group \`${String(path.at(-1))}\``,
        });
      seen.add(host.name);
    });
  };
  for (const [group, hosts] of Object.entries(ctx.runbook.targets ?? {})) checkGroup(hosts, ['targets', group]);
  for (const [env, settings] of Object.entries(ctx.runbook.environments ?? {}))
    for (const [group, hosts] of Object.entries(settings?.targets ?? {})) checkGroup(hosts, ['environments', env, 'targets', group]);
}

/** The waves of a rollout must take every host of its group, in every environment, never shrinking. */
export function rolloutsReachEveryHost(ctx: RuleContext): void {
  const environments = environmentsWithGroups(ctx.runbook, knownEnvironment(ctx));
  ctx.runbook.steps.forEach((entry, i) => {
    if (!isRolloutStep(entry) || !Array.isArray(entry.rollout.waves)) return;
    const reported = new Set<string>();
    for (const env of environments) {
      const hosts = Object.hasOwn(targetGroups(ctx.runbook, env), entry.rollout.on) ? targetGroups(ctx.runbook, env)[entry.rollout.on] : undefined;
      if (!Array.isArray(hosts)) continue;
      const problem = wavesProblem(entry.rollout.waves, hosts.length);
      if (!problem || reported.has(problem.message)) continue;
      reported.add(problem.message);
      ctx.report({
        path: ['steps', i, 'rollout', 'waves', problem.index],
        code: Codes.BadWaves,
        message: `${problem.message} (group \`${entry.rollout.on}\`${env === undefined ? '' : ` in environment ${env}`})`,
        hint: 'e.g. waves: [1, 25%, 100%]: a canary, a quarter, then the rest',
      });
    }
  });
}

/** The `--env` given, when the runbook defines it (an unknown one is reported by its own rule). */
function knownEnvironment(ctx: RuleContext): string | undefined {
  return ctx.environment !== undefined && Object.hasOwn(ctx.runbook.environments ?? {}, ctx.environment) ? ctx.environment : undefined;
}
