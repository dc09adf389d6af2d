/**
 * Host groups and rollout waves, as the runbook defines them: which hosts a
 * group has in an environment, and which hosts each wave of a rollout takes.
 * Shared by the rules (which report what does not add up) and the plan.
 */
import { ownValue } from './templates.js';
import type { HostShare, Runbook, Target } from './types.js';

/** `on:` value that means this machine. */
export const LOCAL = 'local';

/** True when a step's `on:` names a group of hosts (not `local`, not absent). */
export function runsOnHosts(on: string | undefined): on is string {
  return on !== undefined && on !== LOCAL;
}

/** The groups of hosts for an environment: the top-level ones, each replaced by the environment's group of the same name. */
export function targetGroups(runbook: Runbook, environment?: string): Record<string, Target[]> {
  const groups: Record<string, Target[]> = Object.create(null);
  Object.assign(groups, runbook.targets ?? {});
  const env = environment === undefined ? undefined : ownValue(runbook.environments ?? {}, environment);
  Object.assign(groups, env?.targets ?? {});
  return groups;
}

/** The environments whose groups differ (each resolved separately); `[undefined]` when none defines targets. */
export function environmentsWithGroups(runbook: Runbook, chosen?: string): Array<string | undefined> {
  if (chosen !== undefined) return [chosen];
  const names = Object.keys(runbook.environments ?? {}).filter((name) => runbook.environments?.[name]?.targets !== undefined);
  return names.length === 0 ? [undefined] : [undefined, ...names];
}

/** How many hosts a share names out of `total`: a count as written, a percentage rounded (`up` for waves, down for failure thresholds). */
export function hostCount(share: HostShare, total: number, round: 'up' | 'down'): number {
  if (typeof share === 'number') return share;
  const percent = Number.parseFloat(share);
  const exact = (percent * total) / 100;
  // 10% of 30 hosts is 3, not 3.0000000000000004 rounded up to 4.
  const tidy = Math.round(exact * 1e9) / 1e9;
  return round === 'up' ? Math.ceil(tidy) : Math.floor(tidy);
}

/** Why a rollout's waves do not work for a group of `total` hosts (one takes none, one shrinks, they leave hosts out), or undefined when they do. */
export function wavesProblem(waves: readonly HostShare[], total: number): { index: number; message: string } | undefined {
  let covered = 0;
  let previous = 0;
  for (const [index, share] of waves.entries()) {
    const size = hostCount(share, total, 'up');
    if (size < 1) return { index, message: `wave ${index + 1} (${share}) takes no host of ${total}` };
    if (size < previous)
      return { index, message: `wave ${index + 1} (${share}, ${size} hosts) is smaller than wave ${index} (${previous} hosts): waves never shrink` };
    // A wave with no host left is fine: a small environment (UAT with two hosts) runs the same waves, fewer of them.
    covered += size;
    previous = size;
  }
  if (covered < total) return { index: waves.length - 1, message: `the waves reach ${covered} of the ${total} hosts: end them with 100%` };
  return undefined;
}

/** The hosts of each wave, in the group's order (the last wave takes the rest). */
export function splitIntoWaves<T>(hosts: readonly T[], waves: readonly HostShare[]): T[][] {
  const result: T[][] = [];
  let from = 0;
  for (const share of waves) {
    if (from >= hosts.length) break;
    const size = Math.max(1, hostCount(share, hosts.length, 'up'));
    result.push(hosts.slice(from, from + size));
    from += size;
  }
  if (from < hosts.length) result.push(hosts.slice(from));
  return result;
}
