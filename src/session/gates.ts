/**
 * What must be true before anything changes a protected environment — a
 * deployment, a rehearsal, a resume or a rollback: the operator confirms the
 * environment by typing its name (or `--yes`), and it is inside the
 * runbook's window (or `--override-window "<reason>"`). Undoing production
 * is as dangerous as deploying to it. Refusals happen before anything is
 * recorded or executed (exit 2); the confirmations and overrides become
 * decisions in the journal.
 */

import { approversText } from '../engine/approval-tally.js';
import { ExitCode, GoliveError, UsageError } from '../errors.js';
import { type Plan, planSteps } from '../runbook/plan.js';

/** A decision taken at the gate, recorded right after `run.started`. */
export interface GateDecision {
  subject: 'protected-environment' | 'window-override';
  choice: string;
  reason: string;
  via: 'flag' | 'prompt';
}

/** Flags that open the gates. */
export interface GateFlags {
  approve?: string[];
  yes?: boolean;
  overrideWindow?: string;
}

/**
 * `--approve <id>` answers a confirmation for the person at the keyboard;
 * a point with `approvers` belongs to named people, who answer with
 * `golive approve`. Refused before anything is recorded (exit 2).
 */
export function refuseFlagApprovals(plan: Plan, flags: { approve?: string[] }): void {
  const points = [
    ...plan.checks.map((c) => ({ id: c.id, approval: c.approval })),
    ...planSteps(plan).map((s) => ({ id: s.id, approval: s.approval })),
    ...(plan.approval ? [{ id: plan.environment ?? '', approval: plan.approval }] : []),
  ];
  for (const id of flags.approve ?? []) {
    const point = points.find((p) => p.id === id && p.approval);
    if (!point?.approval) continue;
    throw new UsageError(
      `--approve ${id}: ${id} must be approved by ${approversText(point.approval.people)}, not on the command line (--yes and --approve answer only confirmations without approvers); nothing was executed`,
      `start the run without --approve ${id}; it waits, and an approver answers with \`golive approve <run-id> ${id}\` from any terminal that reaches the journal`,
    );
  }
}

/** True when golive may ask questions: both ends of the terminal are there. */
export function canPrompt(): boolean {
  return process.stdin.isTTY === true && process.stdout.isTTY === true && !isCi();
}

function isCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false';
}

/** What the gate is about to let through, for its questions and records. */
export type GatedAction = 'deploy' | 'roll back' | 'resume';

const ACTING: Record<GatedAction, string> = { deploy: 'Deploying', 'roll back': 'Rolling back', resume: 'Resuming' };

/** Check the window and the protected-environment confirmation; returns the decisions to record. */
export async function passGates(plan: Plan, flags: GateFlags, now: Date = new Date(), action: GatedAction = 'deploy'): Promise<GateDecision[]> {
  refuseFlagApprovals(plan, flags);
  if (!plan.protected) return [];
  const env = plan.environment ?? '';
  const decisions: GateDecision[] = [];
  const window = plan.window;
  if (window && (now < window.start || now > window.end)) {
    const when = `${plan.runbook.window?.start} → ${plan.runbook.window?.end}`;
    const reason = flags.overrideWindow?.trim();
    if (!reason) {
      throw new UsageError(
        `${env} is a protected environment and now (${now.toISOString()}) is outside the deployment window ${when}; nothing was executed`,
        `to ${action} anyway, give the reason: --override-window "<reason>" (it is recorded)`,
      );
    }
    decisions.push({ subject: 'window-override', choice: 'override', reason: `outside the window ${when}: ${reason}`, via: 'flag' });
  }
  if (flags.yes) {
    decisions.push({
      subject: 'protected-environment',
      choice: 'confirmed',
      reason: `${action === 'deploy' ? 'deploy to' : `${action} in`} protected environment ${env} (confirmed with --yes)`,
      via: 'flag',
    });
    return decisions;
  }
  if (!canPrompt()) {
    const what = action === 'deploy' ? 'the deployment' : action === 'resume' ? 'resuming it' : 'rolling it back';
    throw new UsageError(
      `${env} is a protected environment: ${what} must be confirmed, and there is no terminal to ask; nothing was executed`,
      'run it in a terminal to type the environment name, or pass --yes (recorded as confirmed with --yes)',
    );
  }
  const { createTerminalPrompter } = await import('../output/terminal-prompter.js');
  const change = plan.change ? ` (change ${plan.change})` : '';
  // Ctrl-C at the question (the prompter raises SIGINT at golive) ends it before anything started.
  let interrupted = false;
  const onInterrupt = () => {
    interrupted = true;
  };
  process.on('SIGINT', onInterrupt);
  let typed: string;
  try {
    typed = await createTerminalPrompter().input(
      `${ACTING[action]} ${plan.runbook.name}${plan.runbook.version ? ` ${plan.runbook.version}` : ''} ${action === 'deploy' ? 'to' : 'in'} PROTECTED environment ${env}${change}. Type "${env}" to continue:`,
    );
  } finally {
    process.off('SIGINT', onInterrupt);
  }
  if (interrupted) throw new GoliveError('interrupted at the protected-environment confirmation; nothing was executed', { exitCode: ExitCode.Sigint });
  if (typed.trim() !== env) throw new UsageError(`confirmation did not match "${env}"; nothing was executed`);
  decisions.push({
    subject: 'protected-environment',
    choice: 'confirmed',
    reason: `typed "${env}" to ${action} ${action === 'deploy' ? 'to' : 'in'} the protected environment`,
    via: 'prompt',
  });
  return decisions;
}
