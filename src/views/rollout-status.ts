/**
 * A rollout in the status update: one line per rollout that started, with
 * its wave, the hosts done and the failed ones (from the chain's fold).
 */
import type { Fold } from './status-fold.js';

/** The plan's rollouts as the status update needs them. */
export interface StatusRollout {
  id: string;
  hosts: number;
  waves: number;
}

/** Where each started rollout stands, in a line. */
export function rolloutLines(rollouts: readonly StatusRollout[], f: Fold): string[] {
  return rollouts.flatMap(({ id, hosts, waves }) => {
    const standing = f.rollouts.get(id);
    if (!standing) return [];
    const ended = [...standing.targets].filter(([, t]) => t.outcome !== undefined);
    const failed = ended.filter(([, t]) => t.outcome !== 'succeeded');
    const done = ended.length - failed.length;
    const named = failed.slice(0, 5).map(([host, t]) => `${host}: ${t.failedStep ?? t.outcome}`);
    const more = failed.length > named.length ? `, and ${failed.length - named.length} more` : '';
    return [
      `${id}: wave ${standing.wave} of ${waves}, ${done} of ${hosts} hosts done${failed.length ? `, ${failed.length} failed (${named.join(', ')}${more})` : ''}`,
    ];
  });
}
