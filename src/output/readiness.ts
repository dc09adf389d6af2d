/** The go/no-go meeting's readiness list: one line per check (✔ / ✖ / !), then the decision. */
import type { EngineEvent } from '../engine/events.js';
import type { Plan } from '../runbook/plan.js';
import type { Paint } from './paint.js';
import { runbookLabel } from './runbook-label.js';
import { alignedLine, columnWidths } from './text-table.js';

/** Format the checklist result from the checks' recorded events. */
export function readinessList(plan: Plan, events: EngineEvent[], decision: string, reasons: string[], paint: Paint): string {
  const results = new Map<string, Extract<EngineEvent, { kind: 'check.finished' }>>();
  for (const e of events) if (e.kind === 'check.finished') results.set(e.checkId, e);
  const widths = columnWidths(plan.checks.map((c) => [c.id]));
  const lines = [
    paint.bold(
      `Readiness: ${runbookLabel(plan.runbook.name, plan.runbook.version)}${plan.environment ? ` → ${plan.environment}` : ''}${plan.change ? ` (change ${plan.change})` : ''}`,
    ),
  ];
  for (const check of plan.checks) {
    const r = results.get(check.id);
    const mark = !r ? paint.dim('·') : r.passed ? paint.green('✔') : r.blocking ? paint.red('✖') : paint.yellow('!');
    const owner = check.owner ? paint.dim(` [${check.owner.role}]`) : '';
    const why = r && !r.passed ? ` — ${r.reason ?? 'failed'}${r.blocking ? '' : ' (non-blocking)'}` : !r ? paint.dim(' — not run') : '';
    lines.push(`  ${mark} ${alignedLine([check.id, `${check.title}${owner}${why}`], widths)}`);
  }
  const colour = decision.startsWith('NO-GO') ? paint.red : decision.startsWith('CONDITIONAL') ? paint.yellow : paint.green;
  lines.push('', `Decision: ${colour(paint.bold(decision))}`);
  for (const reason of reasons) lines.push(`  - ${reason}`);
  return lines.join('\n');
}
