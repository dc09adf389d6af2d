/**
 * The report's timeline chart, as inline SVG: one row per check, step and
 * smoke test on a shared time axis. A step's row has a thin planned bar (its
 * expected duration, from where it really started, so the two lengths
 * compare at a glance) over its actual bar; its rollback is drawn in the
 * same row, later, in its own colour; failures are red with a ✖.
 *
 * Bars carry `class="bar planned|actual|rollback"` (plus `failed`) and
 * `data-step` / `data-check` / `data-verify` / `data-restore`, so tests and
 * stylesheets can find them. Every piece of text is escaped.
 */
import { formatDuration } from '../runbook/duration.js';
import type { SummaryReport, TimelineEntry } from '../views/summary-model.js';
import { durationText, escapeMarkup } from './summary-text.js';
import { reportTime } from './time-text.js';

const WIDTH = 960;
const LABEL_WIDTH = 230;
const RIGHT_PAD = 40;
const PLOT = WIDTH - LABEL_WIDTH - RIGHT_PAD;
const TOP = 56;
const ROW = 30;
const SECTION = 22;
/** A bar shorter than this would vanish; a 5 ms step on a 20-minute axis is still a fact worth seeing. */
const MIN_BAR = 2;
/** Tick spacings a reader can add up: 1-2-5 below a second, then clock-like steps. */
const TICK_STEPS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000,
  21_600_000,
];
const MAX_TICKS = 8;

type DataKey = 'data-check' | 'data-step' | 'data-verify' | 'data-restore';
const DATA_KEY: Record<TimelineEntry['phase'], DataKey> = { check: 'data-check', step: 'data-step', verify: 'data-verify' };
const SECTION_TITLE: Record<TimelineEntry['phase'] | 'restore', string> = {
  check: 'Checks',
  step: 'Steps',
  verify: 'Smoke tests',
  restore: 'Proof of restore',
};

interface Bar {
  kind: 'planned' | 'actual' | 'rollback';
  start: number;
  ms: number;
  failed: boolean;
  title: string;
}

interface Row {
  section: TimelineEntry['phase'] | 'restore';
  id: string;
  label: string;
  sub: string;
  bars: Bar[];
  failedAt: number | null;
  /** Said in the plot area when there is nothing to draw (never ran, or a confirmation with no command to time). */
  note: string | null;
}

const at = (iso: string | null) => (iso === null ? null : Date.parse(iso));

/** The chart, or null when nothing in the run has a time to draw. */
export function timelineSvg(report: SummaryReport): string | null {
  const rows = chartRows(report);
  const times = rows.flatMap((r) => r.bars.flatMap((b) => [b.start, b.start + b.ms]));
  if (times.length === 0) return null;
  const t0 = Math.min(Date.parse(report.run.startedAt), ...times);
  const tEnd = Math.max(at(report.run.endedAt) ?? t0, ...times);
  const span = Math.max(1, tEnd - t0);
  const tick = TICK_STEPS.find((step) => span / step <= MAX_TICKS) ?? Math.ceil(span / MAX_TICKS);
  const axisEnd = Math.ceil(span / tick) * tick;
  const x = (t: number) => LABEL_WIDTH + ((t - t0) / axisEnd) * PLOT;
  const w = (ms: number) => Math.max(MIN_BAR, (ms / axisEnd) * PLOT);

  const body: string[] = [];
  let y = TOP;
  let section: Row['section'] | null = null;
  for (const row of rows) {
    if (row.section !== section) {
      section = row.section;
      body.push(
        `<text class="section" x="8" y="${y + 15}">${SECTION_TITLE[section]}</text>`,
        `<line class="rule" x1="8" x2="${WIDTH - 8}" y1="${y + 20}" y2="${y + 20}"/>`,
      );
      y += SECTION;
    }
    const data = `${row.section === 'restore' ? 'data-restore' : DATA_KEY[row.section]}="${escapeMarkup(row.id)}"`;
    body.push(`<g class="row" data-phase="${row.section}" ${data}>`);
    body.push(`<text class="label" x="16" y="${y + 14}">${escapeMarkup(truncate(row.label, 30))}</text>`);
    if (row.sub) body.push(`<text class="sub" x="16" y="${y + 26}">${escapeMarkup(truncate(row.sub, 38))}</text>`);
    for (const bar of row.bars) {
      const top = bar.kind === 'planned' ? y + 3 : y + 13;
      const height = bar.kind === 'planned' ? 7 : 13;
      const cls = `bar ${bar.kind}${bar.failed ? ' failed' : ''}`;
      body.push(
        `<rect class="${cls}" ${data} x="${n(x(bar.start))}" y="${top}" width="${n(w(bar.ms))}" height="${height}" rx="2"><title>${escapeMarkup(bar.title)}</title></rect>`,
      );
    }
    if (row.note) body.push(`<text class="note" x="${LABEL_WIDTH + 4}" y="${y + 22}">${escapeMarkup(row.note)}</text>`);
    if (row.failedAt !== null) body.push(`<text class="marker failed" ${data} x="${n(x(row.failedAt) + 4)}" y="${y + 24}">✖</text>`);
    body.push('</g>');
    y += ROW;
  }

  const axis: string[] = [
    `<text class="axis-title" x="${LABEL_WIDTH}" y="16">time since the run started (${escapeMarkup(reportTime(report.run.startedAt))})</text>`,
  ];
  for (let t = 0; t <= axisEnd; t += tick) {
    const tx = n(x(t0 + t));
    axis.push(
      `<line class="grid" x1="${tx}" x2="${tx}" y1="${TOP - 8}" y2="${y}"/>`,
      `<text class="tick" x="${tx}" y="${TOP - 14}">${t === 0 ? '0' : `+${formatDuration(t)}`}</text>`,
    );
  }
  const height = y + 34;
  return [
    `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="Timeline of the run: planned and actual time per item">`,
    ...axis,
    ...body,
    legend(height - 14),
    '</svg>',
  ].join('\n');
}

function legend(y: number): string {
  const item = (x: number, cls: string, text: string) =>
    `<rect class="${cls}" x="${x}" y="${y - 9}" width="22" height="10" rx="2"/><text class="legend" x="${x + 28}" y="${y}">${text}</text>`;
  return `<g class="legend">${item(LABEL_WIDTH, 'bar planned', 'planned (expected)')}${item(LABEL_WIDTH + 150, 'bar actual', 'actual')}${item(LABEL_WIDTH + 240, 'bar rollback', 'rollback')}${item(LABEL_WIDTH + 340, 'bar actual failed', 'failed')}<text class="marker failed" x="${LABEL_WIDTH + 420}" y="${y}">✖</text></g>`;
}

/** Coordinates with one decimal: enough for a crisp picture, short enough to read. */
const n = (value: number) => (Math.round(value * 10) / 10).toString();

const truncate = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function chartRows(report: SummaryReport): Row[] {
  const rows: Row[] = [];
  for (const e of report.timeline) {
    const start = at(e.startedAt);
    const bars: Bar[] = [];
    const label = e.title && e.title !== e.id ? `${e.id} — ${e.title}` : e.id;
    const summary = `${label}: ${e.result}${e.reason ? ` (${e.reason})` : ''}`;
    if (start !== null) {
      if (e.phase === 'step' && e.expectedMs !== null)
        bars.push({ kind: 'planned', start, ms: e.expectedMs, failed: false, title: `${label}: planned ${durationText(e.expectedMs)}` });
      const ms = e.actualMs ?? Math.max(0, (at(e.endedAt) ?? start) - start);
      bars.push({
        kind: 'actual',
        start,
        ms,
        failed: e.failed,
        title: `${summary} — actual ${durationText(e.actualMs)}${e.expectedMs !== null ? `, expected ${durationText(e.expectedMs)}` : ''}`,
      });
    }
    const undo = e.phase === 'step' ? report.rollback?.actions.find((a) => a.stepId === e.id) : undefined;
    const undoStart = at(undo?.startedAt ?? null);
    if (undo && undoStart !== null) {
      bars.push({
        kind: 'rollback',
        start: undoStart,
        ms: undo.durationMs ?? 0,
        failed: undo.result === 'rollback-failed',
        title: `${label}: rollback ${undo.result} in ${durationText(undo.durationMs)}`,
      });
    }
    const failedBar = bars.filter((b) => b.failed).at(-1);
    rows.push({
      section: e.phase,
      id: e.id,
      label: e.id,
      sub: [e.group, e.owner?.role, e.title && e.title !== e.id ? e.title : null].filter(Boolean).join(' · '),
      bars,
      failedAt: failedBar ? failedBar.start + failedBar.ms : e.failed && start !== null ? start : null,
      note: bars.length ? null : e.result === 'not-run' ? 'not run' : `${e.result}${e.inherited ? ' in an earlier run' : ''}: nothing timed in this run`,
    });
  }
  for (const check of report.rollback?.verify ?? []) {
    const start = at(check.startedAt);
    const failed = check.result !== 'passed';
    const bars: Bar[] =
      start === null
        ? []
        : [{ kind: 'rollback', start, ms: check.durationMs ?? 0, failed, title: `${check.id}: ${check.result} in ${durationText(check.durationMs)}` }];
    rows.push({
      section: 'restore',
      id: check.id,
      label: check.id,
      sub: check.title && check.title !== check.id ? check.title : '',
      bars,
      failedAt: failed && start !== null ? start + (check.durationMs ?? 0) : null,
      note: bars.length ? null : `${check.result}: no time recorded`,
    });
  }
  return rows;
}
