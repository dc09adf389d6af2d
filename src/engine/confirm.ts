/**
 * Manual confirmations (`confirm:` checks and steps). A confirmation never
 * passes silently: it is approved by the operator at a prompt, or on the
 * command line (`--yes`, `--approve <id>`), and the decision is recorded
 * with who made it and how.
 */
import type { RunContext } from './context.js';
import type { DecisionSubject } from './events.js';

/** The outcome of asking. */
export interface Confirmation {
  approved: boolean;
  reason?: string;
  /** Ctrl-C at the question: no answer was given. */
  interrupted?: boolean;
  /** Someone answered no (at the prompt), as opposed to nobody being there to ask. */
  declined?: boolean;
}

/** Ask for (or look up) approval of `question` for check/step `id` (or, for a sign-off, its rollout `approvedAlsoBy`). */
export async function confirm(ctx: RunContext, subject: DecisionSubject, id: string, question: string, approvedAlsoBy?: string): Promise<Confirmation> {
  const text = ctx.display(question);
  const by = ctx.options.operator;
  // A rollout's sign-offs (`web-rollout.wave-1`, …) are also approved by `--approve web-rollout`.
  const flagged = [id, approvedAlsoBy].find((name) => name !== undefined && ctx.options.approved.has(name));
  if (ctx.options.approveAll || flagged !== undefined) {
    const flag = flagged !== undefined ? `--approve ${flagged}` : '--yes';
    await ctx.emit({ kind: 'decision', subject, subjectId: id, choice: 'approved', reason: `${text} (approved with ${flag})`, by, via: 'flag' });
    return { approved: true };
  }
  if (!ctx.ports.prompter.interactive) {
    const reason = `\`${id}\` needs confirmation ("${text}") and there is no terminal to ask: pass --approve ${id} (or --yes to approve all)`;
    await ctx.emit({ kind: 'decision', subject, subjectId: id, choice: 'not-approved', reason, by, via: 'policy' });
    return { approved: false, reason };
  }
  await ctx.asked(subject, id, text);
  const approved = await ctx.ports.prompter.confirm(text);
  // Ctrl-C at the question is not a "no" from the operator: record nothing as answered.
  if (ctx.interruption.requested) return { approved: false, reason: 'interrupted at the question', interrupted: true };
  await ctx.emit({ kind: 'decision', subject, subjectId: id, choice: approved ? 'approved' : 'declined', reason: text, by, via: 'prompt' });
  return approved ? { approved } : { approved, declined: true, reason: `${by} answered no to "${text}"` };
}
