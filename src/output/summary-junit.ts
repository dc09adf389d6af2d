/**
 * `golive report --format junit`: the run as JUnit XML, so a CI server
 * shows a deployment like a test run — one `<testcase>` per check, step and
 * smoke test (classname `golive.<runbook>.checks|steps|verify`, time in
 * seconds), `<failure>` with the output tail, `<skipped>` for what did not
 * run, and a `<properties>` block naming the run. Valid XML 1.0: every
 * value is escaped and characters XML cannot carry are replaced.
 */
import type { SummaryReport, TimelineEntry } from '../views/summary-model.js';
import { cleanText, escapeMarkup as esc } from './summary-text.js';

const CLASS_SUFFIX: Record<TimelineEntry['phase'], string> = { check: 'checks', step: 'steps', verify: 'verify' };

/** How a timeline entry reads to a CI server. */
export type JunitStatus = 'passed' | 'failure' | 'error' | 'skipped';

/**
 * A skipped or never-run entry is `skipped` (a skip is a recorded decision,
 * its failure is in the issues); a failed one is a `failure`, also when it
 * was rolled back afterwards; one with no recorded end (in doubt, still
 * running) is an `error`: nobody knows whether it worked.
 */
export function junitStatus(entry: TimelineEntry): JunitStatus {
  if (entry.result === 'skipped' || entry.result === 'not-run') return 'skipped';
  if (entry.failed) return 'failure';
  if (entry.result === 'in-doubt' || entry.result === 'running') return 'error';
  return 'passed';
}

/** Seconds with millisecond precision, as JUnit's `time` attribute wants. */
const seconds = (ms: number | null) => ((ms ?? 0) / 1000).toFixed(3);

/** Runbook names are free text; a classname is dotted, so dots and spaces inside the name become dashes. */
const classPart = (name: string) => name.replace(/[\s.]+/g, '-');

/** The whole report as a JUnit XML document. */
export function summaryAsJunit(report: SummaryReport): string {
  const runbook = classPart(report.run.runbook);
  const cases = report.timeline.map((entry) => testcase(entry, `golive.${runbook}.${CLASS_SUFFIX[entry.phase]}`));
  const count = (status: JunitStatus) => report.timeline.filter((e) => junitStatus(e) === status).length;
  const totals = `tests="${report.timeline.length}" failures="${count('failure')}" errors="${count('error')}" skipped="${count('skipped')}" time="${seconds(report.run.durationMs)}"`;
  const name = esc(`golive.${runbook}`);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${name}" ${totals}>`,
    `  <testsuite name="${name}" ${totals} timestamp="${esc(report.run.startedAt)}" hostname="${esc(report.run.host)}" id="${esc(report.run.id)}">`,
    '    <properties>',
    ...properties(report).map(([key, value]) => `      <property name="${esc(key)}" value="${esc(value)}"/>`),
    '    </properties>',
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** The run's identity; a property without a value is left out (an empty value reads as a number to some consumers). */
function properties(report: SummaryReport): Array<[string, string]> {
  const { run } = report;
  const all: Array<[string, string]> = [
    ['golive.run.id', run.id],
    ['golive.runbook', run.runbook],
    ['golive.version', run.version ?? ''],
    ['golive.environment', run.environment ?? ''],
    ['golive.change', run.change ?? ''],
    ['golive.mode', run.mode],
    ['golive.operator', `${run.operator}@${run.host}`],
    ['golive.outcome', run.status],
    ['golive.exit-code', run.exitCode === null ? '' : String(run.exitCode)],
    ['golive.go-no-go', report.goNoGo?.decision ?? ''],
    ['golive.rollback', report.rollback ? (report.rollback.complete === true ? 'complete' : report.rollback.complete === false ? 'incomplete' : 'no end recorded') : ''],
    ['golive.audit', report.audit.ok ? 'ok' : `broken at event ${report.audit.firstBad?.seq ?? '?'}`],
  ];
  return all.filter(([, value]) => value !== '');
}

function testcase(entry: TimelineEntry, classname: string): string {
  const open = `    <testcase classname="${esc(classname)}" name="${esc(entry.id)}" time="${seconds(entry.actualMs)}"`;
  const status = junitStatus(entry);
  const output = cleanText(entry.outputTail.join('\n'));
  const body: string[] = [];
  if (status === 'skipped') body.push(`      <skipped message="${esc(entry.result === 'skipped' ? `skipped: ${entry.reason ?? 'no reason recorded'}` : 'not run')}"/>`);
  if (status === 'failure' || status === 'error') {
    const message = entry.reason ?? (status === 'error' ? `${entry.result}: no end recorded` : 'failed');
    body.push(`      <${status} message="${esc(message)}" type="${esc(entry.result)}">${esc(output)}</${status}>`);
  }
  // What happened after (rolled back, no rollback defined) and what it printed, for a reader of a passing case.
  const notes = [entry.title && entry.title !== entry.id ? entry.title : '', status === 'passed' && entry.result !== 'passed' && entry.result !== 'succeeded' ? `then ${entry.result}` : '', entry.logPath ? `log: ${entry.logPath}` : '', status === 'passed' ? output : ''].filter(Boolean);
  if (notes.length) body.push(`      <system-out>${esc(notes.join('\n'))}</system-out>`);
  return body.length ? `${open}>\n${body.join('\n')}\n    </testcase>` : `${open}/>`;
}
