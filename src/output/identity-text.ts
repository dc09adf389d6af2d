/**
 * Who ran a run, in words: the self-asserted display name (`--operator`)
 * and, where it says something more, the identity golive established and
 * the team member it belongs to.
 */
import type { RunIdentity } from '../journal/types.js';

const KIND_LABEL: Record<RunIdentity['kind'], string> = {
  'os-user': 'OS user',
  'database-role': 'database role',
};

/**
 * What to add after the operator's name: ` (OS user liwei)`, ` (database
 * role liwei, Li Wei)` when the roster names someone other than the display
 * name, or '' when the identity is unknown or is the display name itself.
 */
export function identitySuffix(operator: string, identity: RunIdentity | null, person: string | null = null): string {
  if (identity === null) return '';
  const named = person !== null && person !== operator ? `, ${person}` : '';
  if (identity.user === operator && named === '') return '';
  return ` (${KIND_LABEL[identity.kind]} ${identity.user}${named})`;
}

/** Who recorded a run: its display name, identity and the team member that is. */
export interface RunWho {
  operator: string;
  identity: RunIdentity | null;
  person?: string | null;
}

/**
 * Who made a decision, with the identity beside the name. Decisions are
 * answered in the run's own process, in the operator's name, so a decision
 * by the run's operator carries the run's identity; another name is shown
 * as recorded.
 */
export function decidedBy(by: string, run: RunWho): string {
  return by === run.operator ? `${by}${identitySuffix(by, run.identity, run.person ?? null)}` : by;
}
