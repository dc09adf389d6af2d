/**
 * Who ran a run, as the team knows them: the roster (`team:` members with a
 * `user`) maps the identity golive established to a person's name.
 */
import type { RunIdentity } from '../journal/types.js';
import { allMembers } from '../runbook/team.js';
import type { TeamRole } from '../runbook/types.js';

/** user → name, from the members of `team:` that name their `user`. */
export function teamPeople(team: Record<string, TeamRole> | undefined): Record<string, string> {
  const people: Record<string, string> = {};
  for (const member of allMembers(team)) if (member.user !== undefined) people[member.user] = member.name;
  return people;
}

/** The name of the team member whose `user` is this identity, or null. */
export function personOf(identity: RunIdentity | null, people: Record<string, string>): string | null {
  if (identity === null || !Object.hasOwn(people, identity.user)) return null;
  return people[identity.user] ?? null;
}
