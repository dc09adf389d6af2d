/**
 * `golive report --format junit`: the run as JUnit XML, so a CI server
 * shows a deployment like a test run — one `<testcase>` per check, step and
 * smoke test, then one per rollback action and restore check (classname
 * `golive.<runbook>.checks|steps|verify|rollback|rollback-verify`, time in
 * seconds), `<failure>` with the output tail, `<skipped>` for what did not
 * run, and a `<properties>` block naming the run.
 *
 * The suite is red exactly when golive's exit code is not 0: a failure the
 * run accepted (a non-blocking check, a minor smoke test, anything in a run
 * that exited 0) is a passing case whose `<system-out>` says so, and the
 * recorded issues are the suite's `<system-out>`. The document follows
 * Jenkins' xunit-plugin `junit-10.xsd` (the strictest common consumer; it
 * drops a file that does not validate). Valid XML 1.0: every value is
 * escaped and characters XML cannot carry are replaced.
 */

import type { RestoreCheck, RollbackAction, SummaryReport, TimelineEntry } from '../views/summary-model.js';
import { approvalCells } from './approval-text.js';
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

/** One `<testcase>`, before it is written out. */
interface Case {
  classname: string;
  name: string;
  ms: number | null;
  status: JunitStatus;
  message: string;
  type: string;
  output: string;
  notes: string[];
}

/** The whole report as a JUnit XML document. */
export function summaryAsJunit(report: SummaryReport): string {
  const prefix = `golive.${classPart(report.run.runbook)}`;
  const runFailed = report.run.exitCode !== null && report.run.exitCode !== 0;
  const cases = [
    ...report.timeline.map((entry) => entryCase(entry, `${prefix}.${CLASS_SUFFIX[entry.phase]}`, runFailed)),
    ...(report.rollback?.actions ?? []).map((action) => rollbackCase(action, `${prefix}.rollback`)),
    ...(report.rollback?.verify ?? []).map((check) => restoreCase(check, `${prefix}.rollback-verify`)),
  ];
  // A non-zero exit that no case explains (stopped before any step, say) still turns the suite red.
  if (runFailed && !cases.some((c) => c.status === 'failure' || c.status === 'error')) {
    cases.push({
      classname: prefix,
      name: 'run',
      ms: report.run.durationMs,
      status: 'failure',
      message: `the run ended ${report.run.status} (exit ${report.run.exitCode})`,
      type: report.run.status,
      output: '',
      notes: [],
    });
  }
  const count = (status: JunitStatus) => cases.filter((c) => c.status === status).length;
  const totals = `tests="${cases.length}" failures="${count('failure')}" errors="${count('error')}"`;
  const time = `time="${seconds(report.run.durationMs)}"`;
  const name = esc(prefix);
  const issues = report.issues.recorded;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    // junit-10.xsd allows no `skipped` on <testsuites>: it is on the suite only.
    `<testsuites name="${name}" ${totals} ${time}>`,
    `  <testsuite name="${name}" ${totals} skipped="${count('skipped')}" ${time} timestamp="${esc(report.run.startedAt)}" hostname="${esc(report.run.host)}" id="${esc(report.run.id)}">`,
    '    <properties>',
    ...properties(report).map(([key, value]) => `      <property name="${esc(key)}" value="${esc(value)}"/>`),
    '    </properties>',
    ...cases.map(testcase),
    ...(issues.length > 0
      ? [`    <system-out>${esc(cleanText(['Issues recorded by the run:', ...issues.map((i) => `- ${i}`)].join('\n')))}</system-out>`]
      : []),
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
    [
      'golive.rollback',
      report.rollback ? (report.rollback.complete === true ? 'complete' : report.rollback.complete === false ? 'incomplete' : 'no end recorded') : '',
    ],
    ['golive.audit', report.audit.ok ? 'ok' : `broken at event ${report.audit.firstBad?.seq ?? '?'}`],
    // One property per answer to an approval request: who approved or rejected what, as which identity, when.
    ...report.approvals.map((a, i): [string, string] => [`golive.approval.${i + 1}`, approvalCells(a, (iso) => iso).join(' · ')]),
  ];
  return all.filter(([, value]) => value !== '');
}

/**
 * A check, step or smoke test. Its failure fails the suite only when the run
 * failed and the failure was not one the runbook accepts (a non-blocking
 * check, a minor smoke test); otherwise it passes with the failure written out.
 */
function entryCase(entry: TimelineEntry, classname: string, runFailed: boolean): Case {
  let status = junitStatus(entry);
  const accepted = status === 'failure' && (!runFailed || entry.blocking === false || entry.severity === 'minor');
  if (accepted) status = 'passed';
  const message =
    status === 'skipped'
      ? entry.result === 'skipped'
        ? `skipped: ${entry.reason ?? 'no reason recorded'}`
        : 'not run'
      : (entry.reason ?? (status === 'error' ? `${entry.result}: no end recorded` : 'failed'));
  const notes = [
    entry.title && entry.title !== entry.id ? entry.title : '',
    accepted ? `failed, accepted by the run${entry.blocking === false ? ' (non-blocking)' : entry.severity ? ` (${entry.severity})` : ''}: ${message}` : '',
    // What happened after (rolled back, no rollback defined), for a reader of a passing case.
    status === 'passed' && !accepted && entry.result !== 'passed' && entry.result !== 'succeeded' ? `then ${entry.result}` : '',
    entry.logPath ? `log: ${entry.logPath}` : '',
  ];
  return { classname, name: entry.id, ms: entry.actualMs, status, message, type: entry.result, output: entry.outputTail.join('\n'), notes };
}

/** One step's rollback: a failed undo is a failure, one with no end recorded an error. */
function rollbackCase(action: RollbackAction, classname: string): Case {
  const status: JunitStatus =
    action.result === 'rollback-failed'
      ? 'failure'
      : action.result === 'in-doubt' || action.result === 'running'
        ? 'error'
        : action.result === 'not-run'
          ? 'skipped'
          : 'passed';
  const message = action.reason ?? (status === 'error' ? `${action.result}: no end recorded` : status === 'skipped' ? 'not run' : action.result);
  return {
    classname,
    name: action.stepId,
    ms: action.durationMs,
    status,
    message,
    type: action.result,
    output: action.outputTail.join('\n'),
    notes: [action.title && action.title !== action.stepId ? action.title : '', action.logPath ? `log: ${action.logPath}` : ''],
  };
}

/** A restore check after the rollback. */
function restoreCase(check: RestoreCheck, classname: string): Case {
  const status: JunitStatus =
    check.result === 'passed'
      ? 'passed'
      : check.result === 'in-doubt' || check.result === 'running'
        ? 'error'
        : check.result === 'not-started'
          ? 'skipped'
          : 'failure';
  const message = check.reason ?? (status === 'error' ? `${check.result}: no end recorded` : check.result);
  return {
    classname,
    name: check.id,
    ms: check.durationMs,
    status,
    message,
    type: check.result,
    output: check.outputTail.join('\n'),
    notes: [check.title && check.title !== check.id ? check.title : ''],
  };
}

function testcase(c: Case): string {
  const open = `    <testcase classname="${esc(c.classname)}" name="${esc(c.name)}" time="${seconds(c.ms)}"`;
  const output = cleanText(c.output);
  const body: string[] = [];
  if (c.status === 'skipped') body.push(`      <skipped message="${esc(c.message)}"/>`);
  if (c.status === 'failure' || c.status === 'error')
    body.push(`      <${c.status} message="${esc(c.message)}" type="${esc(c.type)}">${esc(output)}</${c.status}>`);
  const notes = [...c.notes, c.status === 'passed' ? output : ''].filter(Boolean);
  if (notes.length) body.push(`      <system-out>${esc(cleanText(notes.join('\n')))}</system-out>`);
  return body.length ? `${open}>\n${body.join('\n')}\n    </testcase>` : `${open}/>`;
}
