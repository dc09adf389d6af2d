/**
 * `golive report --format md`: the deployment summary as GitHub-flavoured
 * Markdown, for a change ticket, a pull request or a wiki page. Recorded
 * text is escaped so a step's output can neither break a table nor inject
 * HTML into the rendered page; output tails go in fences longer than any
 * backtick run they contain.
 */
import type { SummaryReport, TimelineEntry } from '../views/summary-model.js';
import { APPROVAL_COLUMNS, approvalCells } from './approval-text.js';
import { decidedBy, identitySuffix } from './identity-text.js';
import { laterRollbackNote, reportHeadline } from './report-headline.js';
import { runbookLabel } from './runbook-label.js';
import {
  auditScopeText,
  auditText,
  cleanText,
  deltaText,
  durationText,
  issueLines,
  outcomeText,
  ownerText,
  resultMark,
  resultText,
  rollbackVerdict,
} from './summary-text.js';
import { clockTime, reportTime } from './time-text.js';

/** Escape text for a Markdown paragraph or table cell. */
export function mdText(text: string): string {
  return cleanText(text)
    .replace(/[\\`*[\]|]/g, (c) => `\\${c}`)
    .replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!)
    .replace(/\n/g, '<br>');
}

/** A fenced code block that its content cannot close. */
export function mdFence(lines: string[]): string[] {
  const text = cleanText(lines.join('\n'));
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [fence, text, fence];
}

const code = (text: string) => `\`${text.replace(/`/g, '')}\``;
const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
const PHASE_LABEL: Record<TimelineEntry['phase'], string> = { check: 'check', step: 'step', verify: 'smoke test' };

/** The whole report as Markdown. */
export function summaryAsMarkdown(report: SummaryReport): string {
  return [
    ...header(report),
    ...goNoGo(report),
    ...timeline(report),
    ...issues(report),
    ...rollback(report),
    ...decisions(report),
    ...approvals(report),
    ...chain(report),
    ...audit(report),
  ].join('\n');
}

function itemLabel(entry: { id: string; title: string | null }): string {
  return entry.title && entry.title !== entry.id ? `${code(entry.id)} ${mdText(entry.title)}` : code(entry.id);
}

function header(report: SummaryReport): string[] {
  const { run, window } = report;
  const field = (name: string, value: string) => row([name, value]);
  const out = [
    `# Deployment report: ${mdText(runbookLabel(report.run.runbook, report.run.version))}`,
    '',
    ...[laterRollbackNote(report), reportHeadline(report)].filter((line): line is string => line !== null).flatMap((line) => [`**${mdText(line)}**`, '']),
    `**${mdText(outcomeText(report))}** — run ${code(run.id)}, generated ${reportTime(report.generatedAt)}`,
    '',
    '| | |',
    '| --- | --- |',
    field('Runbook', `${mdText(run.runbook)}${run.description ? ` — ${mdText(run.description)}` : ''}`),
    field('Version', mdText(run.version ?? '—')),
    field('Change', mdText(run.change ?? '—')),
    field('Environment', mdText(run.environment ?? '—')),
    field('Mode', run.mode),
    field('Operator', mdText(`${run.operator}@${run.host}${identitySuffix(run.operator, run.identity, run.person)}`)),
    field(
      'Window',
      window
        ? `${reportTime(window.start)} → ${reportTime(window.end)}${window.startedInside || !window.enforced ? '' : ' (**started outside the window**)'}`
        : '—',
    ),
    field('Started', reportTime(run.startedAt)),
    field('Ended', run.endedAt === null ? '— (no end recorded)' : reportTime(run.endedAt)),
    field('Duration', `${durationText(run.durationMs)}${run.expectedMs ? ` (steps expected ${durationText(run.expectedMs)})` : ''}`),
    field('Outcome', `**${mdText(outcomeText(report))}**`),
    field('Runbook snapshot', `${mdText(run.runbookPath)} (sha256 ${code(run.runbookSha256.slice(0, 12))})`),
    field('Git commit', run.gitCommit ? code(run.gitCommit) : '—'),
    field('Audit trail', mdText(auditText(report))),
  ];
  if (report.interruption) out.push(field('Interrupted', `by ${report.interruption.signal}${report.interruption.forced ? ' (forced)' : ''}`));
  return out;
}

function goNoGo(report: SummaryReport): string[] {
  const out = ['', '## Go / no-go', ''];
  const decision = report.goNoGo;
  if (!decision) {
    const hasChecks = report.timeline.some((e) => e.phase === 'check');
    return [...out, hasChecks ? 'No go/no-go decision was recorded.' : 'The runbook has no pre-deployment checklist.'];
  }
  out.push(`**${mdText(decision.decision)}** — decided by ${mdText(decidedBy(decision.by, report.run))} (${decision.via}) at ${reportTime(decision.at)}`);
  if (decision.reason) out.push('', `Reasons: ${mdText(decision.reason)}`);
  return out;
}

function timeline(report: SummaryReport): string[] {
  const out = ['', '## Timeline', ''];
  if (report.timeline.length === 0) return [...out, 'Nothing was recorded.'];
  out.push(
    row(['#', 'Phase', 'Item', 'Owner', 'Started', 'Expected', 'Actual', 'Δ', 'Attempts', 'Result']),
    row(['---:', '---', '---', '---', '---', '---:', '---:', '---:', '---:', '---']),
  );
  report.timeline.forEach((e, i) => {
    const qualifier = e.phase === 'check' && e.blocking === false ? ' (non-blocking)' : e.severity ? ` [${e.severity}]` : '';
    const reason = e.reason && (e.failed || e.result !== 'succeeded') ? `: ${mdText(e.reason)}` : '';
    out.push(
      row([
        String(i + 1),
        PHASE_LABEL[e.phase],
        `${itemLabel(e)}${qualifier}`,
        mdText(ownerText(e.owner)),
        clockTime(e.startedAt),
        durationText(e.expectedMs),
        `${durationText(e.actualMs)}${e.decidingMs ? ` (+${durationText(e.decidingMs)} deciding)` : ''}`,
        deltaText(e.deltaMs),
        String(e.attempts),
        `${mdText(resultText(e))}${reason}`,
      ]),
    );
  });
  const failures = report.timeline.filter((e) => e.failed);
  if (failures.length) {
    out.push('', '### Output of what failed');
    for (const e of failures) {
      out.push('', `**${PHASE_LABEL[e.phase]} ${code(e.id)}**${e.reason ? ` — ${mdText(e.reason)}` : ''}`);
      if (e.logPath) out.push('', `Full log: ${mdText(e.logPath)}`);
      out.push('', ...(e.outputTail.length ? mdFence(e.outputTail) : ['(no output)']));
    }
  }
  return out;
}

function issues(report: SummaryReport): string[] {
  const lines = issueLines(report, { text: mdText, code });
  return ['', '## Issues', '', ...(lines.length ? lines.map((line) => `- ${line}`) : ['None recorded.'])];
}

function rollback(report: SummaryReport): string[] {
  const rb = report.rollback;
  if (!rb) return [];
  const out = ['', '## Rollback', '', `Reason: ${mdText(rb.reason)}`, ''];
  out.push(row(['#', 'Step', 'Owner', 'Started', 'Took', 'Attempts', 'Result']), row(['---:', '---', '---', '---', '---:', '---:', '---']));
  rb.actions.forEach((a, i) => {
    out.push(
      row([
        String(i + 1),
        itemLabel({ id: a.stepId, title: a.title }),
        mdText(ownerText(a.owner)),
        clockTime(a.startedAt),
        durationText(a.durationMs),
        String(a.attempts),
        `${resultMark(a.result)} ${a.result}${a.reason ? `: ${mdText(a.reason)}` : ''}`,
      ]),
    );
  });
  if (rb.withoutRollback.length) out.push('', `No rollback defined (left as they are): ${rb.withoutRollback.map(code).join(', ')}`);
  if (rb.verify.length) {
    out.push('', 'Proof of restore (`rollback.verify`):', '', row(['Check', 'Started', 'Took', 'Result']), row(['---', '---', '---:', '---']));
    for (const v of rb.verify)
      out.push(
        row([
          itemLabel(v),
          clockTime(v.startedAt),
          durationText(v.durationMs),
          `${resultMark(v.result)} ${v.result}${v.reason ? `: ${mdText(v.reason)}` : ''}`,
        ]),
      );
  }
  const verdict = mdText(rollbackVerdict(rb));
  out.push('', `Rollback: **${verdict}**`);
  const failed = rb.actions.filter((a) => a.result === 'rollback-failed' && a.outputTail.length);
  for (const a of failed) out.push('', `Output of the rollback of ${code(a.stepId)}:`, '', ...mdFence(a.outputTail));
  return out;
}

function decisions(report: SummaryReport): string[] {
  if (report.decisions.length === 0) return [];
  const out = ['', '## Decisions', '', row(['Time', 'Subject', 'Choice', 'By', 'Via', 'Reason']), row(['---', '---', '---', '---', '---', '---'])];
  for (const d of report.decisions) {
    out.push(
      row([
        clockTime(d.at),
        `${d.subject}${d.subjectId ? ` ${code(d.subjectId)}` : ''}`,
        `**${mdText(d.choice)}**`,
        mdText(decidedBy(d.by, report.run)),
        d.via,
        mdText(d.reason ?? '—'),
      ]),
    );
  }
  return out;
}

function approvals(report: SummaryReport): string[] {
  if (report.approvals.length === 0) return [];
  const out = ['', '## Approvals', '', row([...APPROVAL_COLUMNS]), row(APPROVAL_COLUMNS.map(() => '---'))];
  for (const a of report.approvals) {
    const [time, point, ...rest] = approvalCells(a, clockTime);
    out.push(row([time ?? '', code(point ?? ''), ...rest.map(mdText)]));
  }
  return out;
}

function chain(report: SummaryReport): string[] {
  if (report.chain.length <= 1) return [];
  const out = ['', '## Run chain', '', 'This deployment took several runs (the first run, then its resumes and rollbacks):', ''];
  out.push(row(['Run', 'Mode', 'Status', 'Parent', 'Started', 'Relation']), row(['---', '---', '---', '---', '---', '---']));
  for (const link of report.chain) {
    const id = link.relation === 'this' ? `**${code(link.id)}**` : code(link.id);
    out.push(
      row([
        id,
        link.mode,
        link.status,
        link.parentRunId ? code(link.parentRunId) : '—',
        reportTime(link.startedAt),
        link.relation === 'this' ? 'this report' : link.relation,
      ]),
    );
  }
  return out;
}

function audit(report: SummaryReport): string[] {
  return ['', '## Audit trail', '', `${mdText(auditText(report))} (${mdText(auditScopeText(report))}).`, ''];
}
