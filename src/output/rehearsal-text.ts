/** `golive rehearse`'s closing report for people: the timings table, totals, gaps and suggested durations. */

import { formatDuration } from '../runbook/duration.js';
import type { Plan } from '../runbook/plan.js';
import type { RehearsalReport } from '../views/rehearsal.js';
import type { Paint } from './paint.js';
import { runbookLabel } from './runbook-label.js';
import { textTable } from './text-table.js';

/** The report for people. */
export function formatRehearsal(plan: Plan, runId: string, report: RehearsalReport, paint: Paint): string {
  const head = ['step', 'owner', 'expected', 'actual', 'Δ', 'Δ%', 'rollback', 'suggested'];
  const cells = report.rows.map((r) => [
    r.id,
    r.owner ?? '',
    formatDuration(r.expectedMs),
    formatDuration(r.actualMs),
    r.deltaMs === undefined ? '—' : `${r.deltaMs >= 0 ? '+' : '-'}${formatDuration(Math.abs(r.deltaMs))}`,
    r.deltaPct === undefined ? '—' : `${r.deltaPct >= 0 ? '+' : ''}${r.deltaPct}%`,
    formatDuration(r.rollbackMs),
    r.suggested ?? (r.actualMs === undefined && r.state === 'succeeded' ? 'manual' : '—'),
  ]);
  const out = [
    paint.bold(`Rehearsal report: ${runbookLabel(plan.runbook.name, plan.runbook.version)}${plan.environment ? ` on ${plan.environment}` : ''} (run ${runId})`),
    '',
    ...textTable(head, cells, { indent: '  ', rule: true, padLast: true }),
    '',
    `Forward:  ${formatDuration(report.forwardMs)} (expected ${formatDuration(report.expectedForwardMs)})`,
    `Rollback: ${formatDuration(report.rollbackMs)}${report.restoreVerified === true ? ', restore verified' : report.restoreVerified === false ? paint.red(', restore NOT verified') : ', no rollback.verify defined'}`,
    `Steps without rollback: ${report.withoutRollback.length ? paint.yellow(report.withoutRollback.join(', ')) : 'none'}`,
    `Failures: ${report.failures.length ? paint.red(report.failures.join('; ')) : 'none'}`,
    `Outcome: ${report.outcome ?? 'unknown'}`,
    paint.dim('Suggested = actual + 25%, rounded up. `golive estimate <runbook> --write` sets durations from all recorded history.'),
  ];
  return out.join('\n');
}
