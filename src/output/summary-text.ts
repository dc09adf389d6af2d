/**
 * Text helpers shared by the report formats: durations, owners,
 * result labels, and making recorded text safe to embed. Step output is
 * whatever a command printed (colour codes, control bytes, `<script>`), so
 * every format cleans and escapes it here, in one place.
 */
import { formatDuration } from '../runbook/duration.js';
import type { EntryResult, Owner, SummaryReport, TimelineEntry } from '../views/summary-model.js';

/** A duration, or '—' when unknown. */
export function durationText(ms: number | null): string {
  return ms === null ? '—' : formatDuration(ms);
}

/** actual − expected with its sign (`+1.2s`, `-40s`), or '—'. Over expected is what the next estimate learns from. */
export function deltaText(ms: number | null): string {
  if (ms === null) return '—';
  return `${ms > 0 ? '+' : ms < 0 ? '-' : '±'}${formatDuration(Math.abs(ms))}`;
}

/** `devops (Sam Okafor)`, `devops`, or '—'. */
export function ownerText(owner: Owner | null): string {
  if (!owner) return '—';
  return owner.name ? `${owner.role} (${owner.name})` : owner.role;
}

/** A result in words, with a mark a reader scans for. */
export function resultText(entry: Pick<TimelineEntry, 'result' | 'failed' | 'inherited'>): string {
  const mark = resultMark(entry.result, entry.failed);
  const words = entry.failed && entry.result !== 'failed' ? `failed, then ${entry.result}` : entry.result;
  return `${mark} ${words}${entry.inherited ? ' (earlier run)' : ''}`;
}

/** ✔ passed, ✖ failed, ↩ rolled back, ⏭ skipped or not run, ? unknown. */
export function resultMark(result: EntryResult | string, failed = false): string {
  if (failed || result === 'failed' || result === 'rollback-failed' || result === 'timed-out') return '✖';
  switch (result) {
    case 'passed':
    case 'succeeded':
      return '✔';
    case 'rolled-back':
      return '↩';
    case 'skipped':
    case 'not-run':
    case 'no-rollback':
      return '–';
    default:
      return '?';
  }
}

/** The run's outcome as a phrase for the top of the report. */
export function outcomeText(report: SummaryReport): string {
  const { status, exitCode } = report.run;
  return `${status}${exitCode === null ? '' : ` (exit ${exitCode})`}`;
}

/** What `verifyChain` found, in one line. */
export function auditText(report: SummaryReport): string {
  const { audit } = report;
  if (audit.ok) return `✔ intact: ${audit.checked} events verified`;
  const bad = audit.firstBad;
  if (!bad) return '✖ broken';
  return `✖ broken at event ${bad.seq} (run ${bad.runId}${bad.runId === report.run.id ? ', this run' : ''}): ${bad.reason}`;
}

/** What the audit line's check covered, for after it. */
export function auditScopeText(report: SummaryReport): string {
  return report.audit.scope === 'runs'
    ? "hash chain of this run's chain of runs and their links to the events before them, checked when this report was made; golive audit verify checks the whole journal"
    : 'hash chain of the whole journal, checked when this report was made';
}

// ESC [ … final byte (colours, cursor moves) and ESC ] … BEL/ST (titles, links): noise once out of a terminal.
// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC and BEL start and end the escape sequences this removes
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?/g;
// Everything XML 1.0 forbids (C0 controls but tab/newline/CR, lone surrogates, U+FFFE/FFFF), plus DEL and C1 controls.
const UNSAFE = /[^\t\n\r\u0020-\u007e\u00a0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

/** Recorded text made printable: colour codes dropped, other control characters shown as U+FFFD, CR-LF as LF. */
export function cleanText(text: string): string {
  return text.replace(ANSI, '').replace(/\r\n/g, '\n').replace(UNSAFE, '\uFFFD');
}

/** Text for HTML or XML content and attribute values (both quote styles), cleaned first. */
export function escapeMarkup(text: string): string {
  return cleanText(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** How a format writes plain text and an identifier inline (escaping included). */
export interface InlineFormat {
  text(text: string): string;
  code(text: string): string;
}

const ISSUE_PHASE: Record<TimelineEntry['phase'], string> = { check: 'check', step: 'step', verify: 'smoke test' };

/**
 * The issues as lines: what the run recorded in its own words, then what it
 * did not say itself (failed smoke tests it did not list, skips, retries,
 * warnings), so each fact appears once.
 */
export function issueLines(report: SummaryReport, f: InlineFormat): string[] {
  const { recorded, inDoubt, retries, failedSteps, skipped, failedSmokeTests, warnings } = report.issues;
  const said = (prefix: string) => recorded.some((text) => text.startsWith(prefix));
  return [
    ...recorded.map((text) => f.text(text)),
    ...inDoubt.map(
      (d) =>
        `${ISSUE_PHASE[d.phase]} ${f.code(d.id)} ${f.text(d.result === 'running' ? 'is still running' : 'is in doubt: it started and no end was recorded')}`,
    ),
    ...failedSteps
      .filter((s) => !said(`step ${s.id} failed`))
      .map((s) => `step ${f.code(s.id)} ${f.text(`failed: ${s.reason ?? 'failed'}${s.result === 'failed' ? '' : ` (then ${s.result})`}`)}`),
    ...failedSmokeTests
      .filter((t) => !said(`smoke test ${t.id} `))
      .map((t) => `smoke test ${f.code(t.id)} ${f.text(`(${t.severity ?? 'unknown severity'}) failed: ${t.reason ?? 'failed'}`)}`),
    ...skipped.filter((s) => !said(`step ${s.id} skipped`)).map((s) => `step ${f.code(s.id)} ${f.text(`was skipped: ${s.reason ?? 'no reason recorded'}`)}`),
    ...retries.map((r) => `${ISSUE_PHASE[r.phase]} ${f.code(r.id)} ${f.text(`needed ${r.attempts} attempts (${r.result})`)}`),
    ...warnings.map((w) => f.text(`warning: ${w}`)),
  ];
}

/** How the rollback ended, in one phrase starting with its mark. */
export function rollbackVerdict(rollback: NonNullable<SummaryReport['rollback']>): string {
  if (rollback.complete === null) return '✖ no end of the rollback was recorded';
  if (!rollback.complete) return `✖ incomplete${rollback.failed.length ? `: failed ${rollback.failed.join(', ')}` : ''}`;
  const restore = rollback.verified === true ? ', restore verified' : rollback.verified === false ? ', but the restore check FAILED' : '';
  return `${rollback.verified === false ? '✖' : '✔'} complete${restore}`;
}
