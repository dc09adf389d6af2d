/** `golive estimate`'s table: each step's current duration, samples, p50 and p90, and the suggestion. */
import { formatDuration } from '../runbook/duration.js';
import type { StepEstimate } from '../views/estimate.js';
import { textTable } from './text-table.js';

/** The estimates as a table for people. */
export function formatEstimates(estimates: StepEstimate[]): string {
  const head = ['step', 'current', 'samples', 'p50', 'p90', 'suggested'];
  const rows = estimates.map((e) => [
    e.id,
    formatDuration(e.currentMs),
    String(e.samples),
    formatDuration(e.p50Ms),
    formatDuration(e.p90Ms),
    e.suggested ?? '(no history)',
  ]);
  return textTable(head, rows, { indent: '  ', rule: true, padLast: true }).join('\n');
}
