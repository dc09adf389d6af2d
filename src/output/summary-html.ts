/**
 * `golive report --format html`: one self-contained page — inline CSS, an
 * inline SVG chart, no script, no font, no image, no link to anywhere — so
 * it can be attached to a change ticket, opened offline and printed. A
 * Content-Security-Policy of `default-src 'none'` backs that up: even text
 * that escaped escaping could not load or run anything.
 */
import type { SummaryReport, TimelineEntry } from '../views/summary-model.js';
import { APPROVAL_COLUMNS, approvalCells } from './approval-text.js';
import { decidedBy, identitySuffix } from './identity-text.js';
import { laterRollbackNote, reportHeadline } from './report-headline.js';
import { runbookLabel } from './runbook-label.js';
import { timelineSvg } from './summary-svg.js';
import {
  auditScopeText,
  auditText,
  deltaText,
  durationText,
  escapeMarkup as esc,
  issueLines,
  outcomeText,
  ownerText,
  resultMark,
  resultText,
  rollbackVerdict,
} from './summary-text.js';
import { clockTime, reportTime } from './time-text.js';

const STYLE = `
:root { --ink: #1d232b; --dim: #5d6b7a; --line: #d6dde5; --ok: #1e7d3a; --warn: #a76a00; --bad: #c62828; --plan: #c7d2de; --act: #2f6fb5; --back: #7b3fa0; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--ink); margin: 24px auto; max-width: 1000px; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 12px; font-weight: 600; color: #fff; background: var(--dim); }
.badge.ok { background: var(--ok); } .badge.warn { background: var(--warn); } .badge.bad { background: var(--bad); }
.meta { color: var(--dim); }
.headline { font-size: 16px; margin: 6px 0 10px; } .headline.later { color: var(--bad); font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; background: #f4f6f8; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.facts th { width: 170px; background: none; color: var(--dim); font-weight: 500; }
tr.failed td { background: #fdecec; } .mark-bad { color: var(--bad); } .mark-ok { color: var(--ok); }
code { font: 12.5px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f6f8fa; border: 1px solid var(--line); padding: 8px; white-space: pre-wrap; word-break: break-word; }
.chart { overflow-x: auto; } svg.timeline { max-width: 100%; height: auto; font-family: inherit; }
svg .label { font-size: 12px; font-weight: 600; fill: var(--ink); } svg .sub { font-size: 10px; fill: var(--dim); }
svg .section { font-size: 11px; font-weight: 700; fill: var(--dim); text-transform: uppercase; letter-spacing: .04em; }
svg .rule { stroke: var(--line); } svg .grid { stroke: #eef1f4; } svg .tick, svg .axis-title, svg .legend { font-size: 10px; fill: var(--dim); } svg .tick { text-anchor: middle; }
svg .bar.planned { fill: var(--plan); } svg .bar.actual { fill: var(--act); } svg .bar.rollback { fill: var(--back); }
svg .bar.failed { fill: var(--bad); } svg .bar.rollback.failed { stroke: var(--back); stroke-width: 2; }
svg .note { font-size: 10px; font-style: italic; fill: var(--dim); }
svg .marker.failed { fill: var(--bad); font-size: 13px; font-weight: 700; }
footer { margin-top: 32px; color: var(--dim); font-size: 12px; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } tr, pre, .chart { break-inside: avoid; } .chart { overflow: visible; } }
`;

/** Green: done as intended; amber: done with something to read; red: someone must look. Colour only, no judgement. */
function badgeClass(report: SummaryReport): string {
  const { status, exitCode } = report.run;
  if (status === 'succeeded' || (status === 'rolled-back' && exitCode === 0)) return 'ok';
  if (status === 'succeeded-with-issues' || status === 'rolled-back' || status === 'running') return 'warn';
  return 'bad';
}

const PHASE_LABEL: Record<TimelineEntry['phase'], string> = { check: 'check', step: 'step', verify: 'smoke test' };
const codeOf = (text: string) => `<code>${esc(text)}</code>`;
const item = (e: { id: string; title: string | null }) => `${codeOf(e.id)}${e.title && e.title !== e.id ? ` ${esc(e.title)}` : ''}`;
const markClass = (mark: string) => (mark === '✖' ? ' class="mark-bad"' : mark === '✔' ? ' class="mark-ok"' : '');
const cell = (html: string, num = false) => `<td${num ? ' class="num"' : ''}>${html}</td>`;
const head = (titles: string[], numeric: number[] = []) =>
  `<tr>${titles.map((t, i) => `<th${numeric.includes(i) ? ' class="num"' : ''}>${esc(t)}</th>`).join('')}</tr>`;

/** The whole report as one HTML page. */
export function summaryAsHtml(report: SummaryReport): string {
  const title = `Deployment report: ${runbookLabel(report.run.runbook, report.run.version)}`;
  const chart = timelineSvg(report);
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<h1>${esc(title)}</h1>`,
    ...[laterRollbackNote(report)].filter((line) => line !== null).map((line) => `<p class="headline later">${esc(line)}</p>`),
    `<p class="headline">${esc(reportHeadline(report))}</p>`,
    `<p><span class="badge ${badgeClass(report)}">${esc(outcomeText(report))}</span> <span class="meta">run ${codeOf(report.run.id)}</span></p>`,
    facts(report),
    goNoGo(report),
    '<h2>Timeline</h2>',
    chart ? `<div class="chart">${chart}</div>` : '<p>Nothing in this run has a recorded time.</p>',
    timelineTable(report),
    failures(report),
    issues(report),
    rollback(report),
    decisions(report),
    approvals(report),
    chain(report),
    `<h2>Audit trail</h2><p>${esc(auditText(report))} <span class="meta">(${esc(auditScopeText(report))})</span></p>`,
    `<footer>Generated ${esc(reportTime(report.generatedAt))} by golive report from the audit journal.</footer>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function facts(report: SummaryReport): string {
  const { run, window } = report;
  const rows: Array<[string, string]> = [
    ['Runbook', `${esc(run.runbook)}${run.description ? ` — ${esc(run.description)}` : ''}`],
    ['Version', esc(run.version ?? '—')],
    ['Change', esc(run.change ?? '—')],
    ['Environment', esc(run.environment ?? '—')],
    ['Mode', esc(run.mode)],
    ['Operator', esc(`${run.operator}@${run.host}${identitySuffix(run.operator, run.identity, run.person)}`)],
    [
      'Window',
      window
        ? `${esc(reportTime(window.start))} → ${esc(reportTime(window.end))}${window.startedInside || !window.enforced ? '' : ' <strong class="mark-bad">started outside the window</strong>'}`
        : '—',
    ],
    ['Started', esc(reportTime(run.startedAt))],
    ['Ended', run.endedAt === null ? '— (no end recorded)' : esc(reportTime(run.endedAt))],
    [
      'Duration',
      `${esc(durationText(run.durationMs))}${run.expectedMs ? ` <span class="meta">(steps expected ${esc(durationText(run.expectedMs))})</span>` : ''}`,
    ],
    ['Runbook snapshot', `${esc(run.runbookPath)} <span class="meta">sha256 ${codeOf(run.runbookSha256.slice(0, 12))}</span>`],
    ['Git commit', run.gitCommit ? codeOf(run.gitCommit) : '—'],
    ['Audit trail', esc(auditText(report))],
  ];
  if (report.interruption) rows.push(['Interrupted', esc(`by ${report.interruption.signal}${report.interruption.forced ? ' (forced)' : ''}`)]);
  return `<table class="facts">${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>`;
}

function goNoGo(report: SummaryReport): string {
  const d = report.goNoGo;
  if (!d)
    return `<h2>Go / no-go</h2><p>${report.timeline.some((e) => e.phase === 'check') ? 'No go/no-go decision was recorded.' : 'The runbook has no pre-deployment checklist.'}</p>`;
  return `<h2>Go / no-go</h2><p><strong>${esc(d.decision)}</strong> <span class="meta">decided by ${esc(decidedBy(d.by, report.run))} (${esc(d.via)}) at ${esc(reportTime(d.at))}</span></p>${d.reason ? `<p>Reasons: ${esc(d.reason)}</p>` : ''}`;
}

function timelineTable(report: SummaryReport): string {
  if (report.timeline.length === 0) return '';
  const rows = report.timeline.map((e, i) => {
    const qualifier =
      e.group !== null
        ? ` <span class="meta">(${esc(e.group)})</span>`
        : e.phase === 'check' && e.blocking === false
          ? ' <span class="meta">(non-blocking)</span>'
          : e.severity
            ? ` <span class="meta">[${esc(e.severity)}]</span>`
            : '';
    const reason = e.reason && (e.failed || e.result !== 'succeeded') ? `<br><span class="meta">${esc(e.reason)}</span>` : '';
    const result = resultText(e);
    return `<tr${e.failed ? ' class="failed"' : ''} data-phase="${e.phase}" data-id="${esc(e.id)}">${[
      cell(String(i + 1), true),
      cell(PHASE_LABEL[e.phase]),
      cell(`${item(e)}${qualifier}`),
      cell(esc(ownerText(e.owner))),
      cell(esc(clockTime(e.startedAt))),
      cell(esc(durationText(e.expectedMs)), true),
      cell(`${esc(durationText(e.actualMs))}${e.decidingMs ? ` <span class="meta">(+${esc(durationText(e.decidingMs))} deciding)</span>` : ''}`, true),
      cell(esc(deltaText(e.deltaMs)), true),
      cell(String(e.attempts), true),
      cell(`<span${markClass(result.slice(0, 1))}>${esc(result)}</span>${reason}`),
    ].join('')}</tr>`;
  });
  return `<table class="timeline">${head(['#', 'Phase', 'Item', 'Owner', 'Started', 'Expected', 'Actual', 'Δ', 'Attempts', 'Result'], [0, 5, 6, 7, 8])}${rows.join('')}</table>`;
}

function failures(report: SummaryReport): string {
  const failed = report.timeline.filter((e) => e.failed);
  if (failed.length === 0) return '';
  const blocks = failed.map(
    (e) =>
      `<h3>${PHASE_LABEL[e.phase]} ${codeOf(e.id)}${e.reason ? ` — ${esc(e.reason)}` : ''}</h3>${e.logPath ? `<p class="meta">Full log: ${esc(e.logPath)}</p>` : ''}<pre>${e.outputTail.length ? esc(e.outputTail.join('\n')) : '(no output)'}</pre>`,
  );
  return `<h2>Output of what failed</h2>${blocks.join('')}`;
}

function issues(report: SummaryReport): string {
  const lines = issueLines(report, { text: esc, code: codeOf });
  return `<h2>Issues</h2>${lines.length ? `<ul>${lines.map((line) => `<li>${line}</li>`).join('')}</ul>` : '<p>None recorded.</p>'}`;
}

function rollback(report: SummaryReport): string {
  const rb = report.rollback;
  if (!rb) return '';
  const rows = rb.actions.map(
    (a, i) =>
      `<tr${a.result === 'rollback-failed' ? ' class="failed"' : ''}>${[
        cell(String(i + 1), true),
        cell(item({ id: a.stepId, title: a.title })),
        cell(esc(ownerText(a.owner))),
        cell(esc(clockTime(a.startedAt))),
        cell(esc(durationText(a.durationMs)), true),
        cell(String(a.attempts), true),
        cell(
          `<span${markClass(resultMark(a.result))}>${esc(`${resultMark(a.result)} ${a.result}`)}</span>${a.reason ? `<br><span class="meta">${esc(a.reason)}</span>` : ''}`,
        ),
      ].join('')}</tr>`,
  );
  const out = [
    `<h2>Rollback</h2><p>Reason: ${esc(rb.reason)}</p>`,
    `<table class="rollback">${head(['#', 'Step', 'Owner', 'Started', 'Took', 'Attempts', 'Result'], [0, 4, 5])}${rows.join('')}</table>`,
  ];
  if (rb.withoutRollback.length) out.push(`<p>No rollback defined (left as they are): ${rb.withoutRollback.map(codeOf).join(', ')}</p>`);
  if (rb.verify.length) {
    const checks = rb.verify.map(
      (v) =>
        `<tr${v.result !== 'passed' ? ' class="failed"' : ''}>${[
          cell(item(v)),
          cell(esc(clockTime(v.startedAt))),
          cell(esc(durationText(v.durationMs)), true),
          cell(`${esc(`${resultMark(v.result)} ${v.result}`)}${v.reason ? `<br><span class="meta">${esc(v.reason)}</span>` : ''}`),
        ].join('')}</tr>`,
    );
    out.push(`<p>Proof of restore (<code>rollback.verify</code>):</p><table>${head(['Check', 'Started', 'Took', 'Result'], [2])}${checks.join('')}</table>`);
  }
  const verdict = rollbackVerdict(rb);
  out.push(`<p>Rollback: <strong${markClass(verdict.slice(0, 1))}>${esc(verdict)}</strong></p>`);
  for (const a of rb.actions.filter((x) => x.result === 'rollback-failed' && x.outputTail.length))
    out.push(`<h3>Output of the rollback of ${codeOf(a.stepId)}</h3><pre>${esc(a.outputTail.join('\n'))}</pre>`);
  return out.join('');
}

function decisions(report: SummaryReport): string {
  if (report.decisions.length === 0) return '';
  const rows = report.decisions.map(
    (d) =>
      `<tr>${[
        cell(esc(clockTime(d.at))),
        cell(`${esc(d.subject)}${d.subjectId ? ` ${codeOf(d.subjectId)}` : ''}`),
        cell(`<strong>${esc(d.choice)}</strong>`),
        cell(esc(decidedBy(d.by, report.run))),
        cell(esc(d.via)),
        cell(esc(d.reason ?? '—')),
      ].join('')}</tr>`,
  );
  return `<h2>Decisions</h2><table>${head(['Time', 'Subject', 'Choice', 'By', 'Via', 'Reason'])}${rows.join('')}</table>`;
}

function approvals(report: SummaryReport): string {
  if (report.approvals.length === 0) return '';
  const rows = report.approvals.map((a) => {
    const [time, point, ...rest] = approvalCells(a, clockTime);
    return `<tr>${[cell(esc(time ?? '')), cell(codeOf(point ?? '')), ...rest.map((text) => cell(esc(text)))].join('')}</tr>`;
  });
  return `<h2>Approvals</h2><table>${head([...APPROVAL_COLUMNS])}${rows.join('')}</table>`;
}

function chain(report: SummaryReport): string {
  if (report.chain.length <= 1) return '';
  const rows = report.chain.map(
    (link) =>
      `<tr>${[
        cell(link.relation === 'this' ? `<strong>${codeOf(link.id)}</strong>` : codeOf(link.id)),
        cell(esc(link.mode)),
        cell(esc(link.status)),
        cell(link.parentRunId ? codeOf(link.parentRunId) : '—'),
        cell(esc(reportTime(link.startedAt))),
        cell(link.relation === 'this' ? 'this report' : esc(link.relation)),
      ].join('')}</tr>`,
  );
  return `<h2>Run chain</h2><p>This deployment took several runs (the first run, then its resumes and rollbacks):</p><table>${head(['Run', 'Mode', 'Status', 'Parent', 'Started', 'Relation'])}${rows.join('')}</table>`;
}
