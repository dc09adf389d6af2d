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
