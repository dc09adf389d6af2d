/**
 * Rules for approvals by named people: every approver role exists, each is
 * held by people golive can recognise (a `user`, the identity the journal
 * establishes), and enough of them exist to reach `min_approvals`. Each
 * would otherwise be found by a run waiting forever at 3 a.m.
 */
import { Codes } from './diagnostics.js';
import type { DataPath } from './positions.js';
import type { RuleContext } from './rules.js';
import { forEachStep } from './rules.js';
import { didYouMean } from './suggest.js';
import { membersOf } from './team.js';
import { type ApprovalSpec, isRolloutStep } from './types.js';

/** Check the approvers of every check, step, rollout sign-off and environment. */
export function approversAreKnownPeople(ctx: RuleContext): void {
  ctx.runbook.checks?.forEach((check, i) => {
    checkApproval(ctx, check, ['checks', i]);
  });
  forEachStep(ctx.runbook, (step, path) => checkApproval(ctx, step, path));
  ctx.runbook.steps.forEach((entry, i) => {
    const signOff = isRolloutStep(entry) ? entry.rollout.sign_off : undefined;
    if (signOff) checkApproval(ctx, signOff, ['steps', i, 'rollout', 'sign_off']);
  });
  for (const [name, env] of Object.entries(ctx.runbook.environments ?? {})) checkApproval(ctx, env, ['environments', name]);
}

function checkApproval(ctx: RuleContext, spec: ApprovalSpec, path: DataPath): void {
  const team = ctx.runbook.team;
  const roles = Object.keys(team ?? {});
  if (spec.approvers === undefined) {
    for (const key of ['min_approvals', 'self_approval', 'approval_timeout'] as const) {
      if (spec[key] !== undefined)
        ctx.report({
          path: [...path, key],
          at: 'key',
          code: Codes.Schema,
          message: `\`${key}\` without \`approvers\``,
          hint: 'name the roles who approve in `approvers:`',
        });
    }
    return;
  }
  const users = new Set<string>();
  spec.approvers.forEach((role, j) => {
    const members = membersOf(team, role);
    if (members.length === 0) {
      ctx.report({
        path: [...path, 'approvers', j],
        code: Codes.UnknownApprover,
        message: roles.length ? `approver \`${role}\` is not a role in \`team\`` : `approver \`${role}\` is named but the runbook has no \`team\``,
        hint: didYouMean(role, roles) ?? (roles.length ? `roles: ${roles.join(', ')}` : 'add `team:` with this role and its people'),
      });
      return;
    }
    const known = members.filter((m) => m.user !== undefined);
    if (known.length === 0) {
      ctx.report({
        path: [...path, 'approvers', j],
        code: Codes.ApproverWithoutUser,
        message: `approver \`${role}\`: ${members.map((m) => m.name).join(', ')} ${members.length === 1 ? 'has' : 'have'} no \`user\`, so no approval could be recognised as theirs`,
        hint: `add \`user:\` (their OS user for a SQLite journal, their database role for PostgreSQL) to team.${role}`,
      });
    }
    for (const member of known) users.add(member.user as string);
  });
  const needed = spec.min_approvals ?? 1;
  if (users.size > 0 && needed > users.size) {
    ctx.report({
      path: [...path, 'min_approvals'],
      code: Codes.TooFewApprovers,
      message: `min_approvals is ${needed}, but only ${users.size} ${users.size === 1 ? 'person' : 'different people'} (${[...users].join(', ')}) could approve`,
      hint: `lower min_approvals to at most ${users.size}, or add people to the approver roles`,
    });
  }
}
