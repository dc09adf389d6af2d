/**
 * The first sentence of a deployment report, for someone who reads only that:
 * what was released where, whether it is live, and how long it took — in
 * plain words, without golive's vocabulary (`guided-failure`, `exit 1`):
 * "Release 2.4.0 of webshop went live in production at 10:42 after 1h12m; 1 issue."
 * "Release 2.4.0 of webshop failed at 'Run migrations' and was rolled back; production is on 2.3.0 again."
 * (The version comes from the journal's previous successful deployment there; "the previous release" when unknown.)
 */
import { formatDuration } from '../runbook/duration.js';
import type { SummaryReport, TimelineEntry } from '../views/summary-model.js';
import { clockTime, reportTime } from './time-text.js';

/** The headline sentence (plain text; each format escapes it). */
export function reportHeadline(report: SummaryReport): string {
  const { run } = report;
  const what = run.version ? `Release ${run.version} of ${run.runbook}` : run.runbook;
  const where = run.environment ? ` in ${run.environment}` : '';
  const env = run.environment ?? 'the system';
  const previous = run.previousVersion ? run.previousVersion : 'the previous release';
  const after = run.durationMs === null ? '' : ` after ${formatDuration(run.durationMs)}`;
  const at = run.endedAt ? ` at ${clockTime(run.endedAt).slice(0, 5)}` : '';
  const failedAt = firstFailure(report);
  const stoppedAt = failedAt ? ` at '${failedAt}'` : '';
  const issues = report.issues.recorded.length;
  const issueText = issues === 0 ? '' : `; ${issues} ${issues === 1 ? 'issue' : 'issues'} recorded`;
  const subject =
    run.mode === 'rehearsal' ? `The rehearsal of ${lowerFirst(what)}${where}` : run.mode === 'rollback' ? `The rollback of ${lowerFirst(what)}${where}` : what;
  switch (run.status) {
    case 'succeeded':
    case 'succeeded-with-issues':
      if (run.mode === 'rehearsal') return `${subject} passed: deployed, rolled back and restored${after}${issueText}.`;
      if (run.mode === 'rollback') return `${subject} finished${at}${after}: ${env} is on ${previous} again${issueText}.`;
      return `${what} went live${where}${at}${after}${issueText}.`;
    case 'rolled-back':
      if (run.mode === 'rollback' || run.mode === 'rehearsal') return `${subject} finished${at}${after}: ${env} is on ${previous} again.`;
      return `${what} failed${stoppedAt} and was rolled back; ${env} is on ${previous} again.`;
    case 'rollback-failed':
      return `${subject} failed${stoppedAt} and the rollback failed too: ${env} needs someone to restore it by hand.`;
    case 'rollback-incomplete':
      return `${subject} failed${stoppedAt} and was rolled back only in part: some completed steps define no rollback and are still applied in ${env}.`;
    case 'restore-unverified':
      return `${subject} failed${stoppedAt} and was rolled back, but the checks that prove ${env} is restored did not pass.`;
    case 'aborted':
      return `${subject} stopped${stoppedAt}${where}${after}; nothing was rolled back yet: resume it or roll it back.`;
    case 'no-go':
      return `${subject} did not start${where}: the go/no-go decision was NO-GO.`;
    case 'blocked':
      return `${subject} was checked without running anything${where}: problems would stop the real run.`;
    case 'interrupted':
      return `${subject} was interrupted${where}${stoppedAt}; it can be resumed or rolled back.`;
    case 'running':
      return `${subject} is in progress${where}.`;
  }
}

/**
 * A later rollback of this run (`golive rollback` after it ended), for the
 * top of the report: a reader must not take a run that was undone since for
 * what is live.
 */
export function laterRollbackNote(report: SummaryReport): string | null {
  const started = Date.parse(report.run.startedAt);
  const later = report.chain.filter((c) => c.mode === 'rollback' && c.relation !== 'this' && Date.parse(c.startedAt) > started).at(-1);
  if (!later) return null;
  const result = later.status === 'rolled-back' || later.status === 'succeeded' ? 'rolled back' : `a rollback was attempted (${later.status})`;
  return `Since then, this deployment was ${result} by run ${later.id}, started ${reportTime(later.startedAt)}.`;
}

/** The title of the first step (else check or smoke test) that failed: where the run went wrong. */
function firstFailure(report: SummaryReport): string | null {
  const failed = (phase: TimelineEntry['phase']) =>
    report.timeline.find((e) => e.phase === phase && e.failed && !(e.phase === 'check' && e.blocking === false) && e.severity !== 'minor');
  const entry = failed('step') ?? failed('check') ?? failed('verify');
  return entry ? (entry.title ?? entry.id) : null;
}

function lowerFirst(text: string): string {
  return text.startsWith('Release ') ? `release ${text.slice('Release '.length)}` : text;
}
