/**
 * The team roster: a role is held by one person or shared by several. Every
 * reader of `team:` goes through these, so a role written either way means
 * the same thing everywhere.
 */
import { ownValue } from './templates.js';
import type { TeamMember, TeamRole } from './types.js';

/** The people of a role, in the order written; [] for a role the team does not define. */
export function membersOf(team: Record<string, TeamRole> | undefined, role: string): TeamMember[] {
  const held = ownValue(team ?? {}, role);
  if (held === undefined) return [];
  return Array.isArray(held) ? held : [held];
}

/** The names of a role's people, as one display name ("Li Wei" or "Li Wei, Ana Ruiz"); undefined for an unknown role. */
export function roleHolderNames(team: Record<string, TeamRole> | undefined, role: string): string | undefined {
  const members = membersOf(team, role);
  return members.length === 0 ? undefined : members.map((m) => m.name).join(', ');
}

/** Every person of the team with the role they hold (a person in two roles appears twice). */
export function allMembers(team: Record<string, TeamRole> | undefined): Array<TeamMember & { role: string }> {
  return Object.keys(team ?? {}).flatMap((role) => membersOf(team, role).map((m) => ({ ...m, role })));
}
