/**
 * The status update as text: the planning guide's template for the terminal
 * and the notifier's periodic post, and one line of JSON per update for
 * `golive status --json`.
 */
import { localTime, type StatusUpdate } from '../views/status.js';
import { type Paint, plainPaint } from './paint.js';
import { clockTime } from './time-text.js';

/** How many issues the text lists before "… and N more" (JSON has them all). */
export const MAX_ISSUE_LINES = 10;

/** The status update as the planning guide's template (plus a first line naming the run). */
export function formatStatus(update: StatusUpdate, paint: Paint = plainPaint): string {
  const name = `${update.runbook}${update.version ? ` ${update.version}` : ''}${update.environment ? ` on ${update.environment}` : ''}`;
  const colour =
    update.status === 'Blocked'
      ? paint.red
      : update.status === 'Delayed' || update.status === 'Rolled back' || update.status === 'Succeeded with issues'
        ? paint.yellow
        : paint.green;
  const { completed, total, rollback } = update.progress;
  const shown =
    update.issues.length > MAX_ISSUE_LINES
      ? [...update.issues.slice(0, MAX_ISSUE_LINES - 1), `… and ${update.issues.length - MAX_ISSUE_LINES + 1} more (golive show ${update.runId})`]
      : update.issues;
  const lines = [
    paint.dim(`${name} — run ${update.runId}${update.mode && update.mode !== 'run' ? ` (${update.mode})` : ''}`),
    paint.bold(`Status Update - ${localTime(update.at)}`),
    `Current Activity: ${update.activity}`,
    `Progress: ${completed} of ${total} steps completed${rollback ? `; rolled back ${rollback.done} of ${rollback.total}` : ''}`,
    ...update.rollouts.map((line) => `  ${line}`),
    `Status: ${colour(update.status)}${update.statusReason ? ` — ${update.statusReason}` : ''}`,
    shown.length > 1 ? `Issues:${shown.map((i) => `\n  - ${i}`).join('')}` : `Issues: ${shown[0] ?? 'none'}`,
    update.advice.length ? `Next Steps:${update.advice.map((a) => `\n  ${a}`).join('')}` : `Next Steps: ${update.nextSteps.join(', ') || 'none'}`,
    `ETA: ${update.eta ? `${localTime(update.eta)}${update.etaNote ? ` (${update.etaNote})` : ''}` : (update.etaNote ?? 'unknown')}`,
  ];
  return lines.join('\n');
}

/** The update as one line of JSON (`golive status --json`; one line per update with `--watch`). */
export function statusAsJson(update: StatusUpdate): string {
  return JSON.stringify(update);
}

/**
 * What `golive status --watch` shows below the last status block while the
 * journal's server is away: since when, and how old the block above is.
 */
export function formatUnreachable(location: string, since: Date, lastUpdate: Date | null): string {
  const last = lastUpdate ? `last update ${clockTime(lastUpdate.toISOString())}` : 'no update yet';
  return `journal ${location} unreachable since ${clockTime(since.toISOString())}, retrying (${last})`;
}
