/** `golive show <run-id>`: one run, step by step, as text and as JSON. */

import type { RunOutcome } from '../engine/events.js';
import { formatDuration } from '../runbook/duration.js';
import { nextCommands } from '../views/next-steps.js';
import type { AttemptView, ChainLink, RunView, StepView } from '../views/run-view.js';
import { approvalCells } from './approval-text.js';
import { paintStatus, runDuration } from './history-text.js';
import { decidedBy, identitySuffix } from './identity-text.js';
import type { Paint } from './paint.js';
import { printable as p } from './printable.js';
import { runbookLabel } from './runbook-label.js';
import { alignedLine, columnWidths } from './text-table.js';
import { localDateTime } from './time-text.js';

/** Where the run lives, for the advice lines: `--db <path>` when not the default journal, else ''. */
export interface ShowContext {
  dbFlag: string;
  /** The team member whose `user` is the run's identity, from its runbook snapshot; null or absent when none is. */
  person?: string | null;
}

/**
 * What to run next, when the run is the latest word of its deployment and
 * needs someone. A run followed by a resume or rollback is not: that later
 * run is where the advice belongs.
 */
export function nextForRun(view: RunView, context: ShowContext): string[] {
  if (laterRuns(view).length > 0 || view.run.status === 'running') return [];
  // The advice for rollback-failed ends with `golive show <id>`: the command being read right now.
  return nextCommands(view.run.status as RunOutcome, { runId: view.run.id, dbFlag: context.dbFlag }).filter((line) => !line.includes('golive show '));
}

/** Runs of the chain that continue or undo this one (direct children). */
function laterRuns(view: RunView): ChainLink[] {
  return view.chain.filter((link) => link.parentRunId === view.run.id);
}

/** The whole run for people. */
export function showAsText(view: RunView, paint: Paint, context: ShowContext): string {
  const { run } = view;
  const who = { ...run, person: context.person ?? null };
  const out: string[] = [];
  const field = (name: string, value: string) => out.push(`  ${paint.dim(name.padEnd(12))} ${value}`);
  // Runbook, operator and journal text is escaped (p): a stored title must not repaint the terminal.
  const ok = paint.green('✔');
  const bad = paint.red('✖');
  const warn = paint.yellow('!');

  out.push(
    `${paint.bold(`Run ${run.id}`)}  ${paintStatus(run.status, paint, run.status, run.exitCode)}${run.exitCode === null ? '' : paint.dim(` (exit ${run.exitCode})`)}`,
  );
  field('runbook', `${p(runbookLabel(run.runbook, run.version))}  ${paint.dim(`sha256 ${view.snapshot.sha256.slice(0, 12)}`)}`);
  field('path', p(view.snapshot.path));
  field('environment', p(run.environment ?? '-'));
  field('mode', run.mode);
  field('operator', p(`${run.operator}@${run.host}${identitySuffix(run.operator, run.identity, context.person ?? null)}`));
  field('change', p(run.changeId ?? '-'));
  field('git commit', view.snapshot.gitCommit ?? '-');
  field('started', localDateTime(run.startedAt, true));
  field(
    'ended',
    run.endedAt === null
      ? `-${paint.dim(`  (last heartbeat ${localDateTime(view.lastHeartbeatAt, true)})`)}`
      : `${localDateTime(run.endedAt, true)}  (${runDuration(run)}${view.expectedMs ? `, expected ${formatDuration(view.expectedMs)}` : ''})`,
  );
  const parent = view.chain.find((link) => link.id === run.parentRunId);
  if (run.parentRunId) field('parent', parent ? chainLabel(parent, paint) : run.parentRunId);
  for (const child of laterRuns(view)) field('followed by', chainLabel(child, paint));

  const goNoGo = view.decisions.filter((d) => d.subject === 'go-no-go');
  if (view.checks.length || goNoGo.length) {
    out.push('', paint.bold('Go / no-go'));
    for (const d of goNoGo)
      out.push(
        `  ${paint.bold(d.choice)}${d.reason ? ` — ${p(d.reason)}` : ''} ${paint.dim(`(${p(decidedBy(d.by, who))}, ${d.via}, ${localDateTime(d.at, true)})`)}`,
      );
    for (const c of view.checks) {
      const mark = c.passed === null ? paint.dim('?') : c.passed ? ok : c.blocking === false ? warn : bad;
      out.push(
        `  ${mark} ${p(c.id)}${c.title && c.title !== c.id ? paint.dim(` — ${p(c.title)}`) : ''}${c.blocking === false ? paint.dim(' (non-blocking)') : ''}${c.passed === false ? `: ${p(c.reason ?? 'failed')}` : ''}`,
      );
      for (const a of c.attempts.filter((x) => x.status !== 'passed')) out.push(...failureLines(a, paint, '      '));
    }
  }

  out.push('', paint.bold('Steps'));
  if (view.steps.length === 0) out.push(paint.dim('  (none recorded)'));
  view.steps.forEach((step, i) => {
    out.push(...stepLines(step, i + 1, paint));
  });

  if (view.rollback) {
    const rb = view.rollback;
    out.push('', `${paint.bold('Rollback')} — ${p(rb.reason)}`);
    const widths = columnWidths(rb.order.map((id) => [id]));
    rb.order.forEach((id, i) => {
      const step = view.steps.find((s) => s.id === id);
      const attempt = step?.rollback?.attempts.filter((a) => a.phase === 'rollback').at(-1);
      out.push(`  ${i + 1}. ${alignedLine([id, attempt ? `${statusText(attempt, paint)}  ${timing(attempt, paint)}` : paint.dim('not run')], widths)}`);
    });
    if (rb.withoutRollback.length) out.push(`  ${warn} ${paint.yellow(`no rollback defined: ${rb.withoutRollback.join(', ')}`)}`);
    for (const a of rb.verifyAttempts) out.push(`  verify ${a.stepId}  ${statusText(a, paint)}  ${timing(a, paint)}`, ...failureLines(a, paint, '     '));
    if (rb.complete === null) out.push(`  ${bad} no end recorded`);
    else if (rb.complete)
      out.push(`  ${ok} complete${rb.verified === true ? ', restore verified' : rb.verified === false ? paint.red(', but rollback.verify FAILED') : ''}`);
    else out.push(`  ${bad} incomplete${rb.failed.length ? `: failed ${rb.failed.join(', ')}` : ''}`);
  }

  if (view.verify.length) {
    out.push('', paint.bold('Smoke tests'));
    for (const v of view.verify) {
      const mark = v.passed === null ? paint.dim('?') : v.passed ? ok : v.severity === 'minor' ? warn : bad;
      out.push(
        `  ${mark} ${p(v.id)} [${v.severity ?? '?'}]${v.passed === false ? `: ${p(v.reason ?? 'failed')}` : v.passed === null ? ': no result recorded' : ''}`,
      );
      for (const a of v.attempts.filter((x) => x.status !== 'passed').slice(-1)) out.push(...failureLines(a, paint, '      '));
    }
  }

  const others = view.decisions.filter((d) => d.subject !== 'go-no-go');
  if (others.length) {
    out.push('', paint.bold('Decisions'));
    for (const d of others) {
      out.push(
        `  ${paint.dim(localDateTime(d.at, true))}  ${d.subject}${d.subjectId ? ` ${p(d.subjectId)}` : ''}: ${paint.bold(p(d.choice))} ${paint.dim(`by ${p(decidedBy(d.by, who))} (${d.via})`)}${d.reason ? `\n      ${p(d.reason)}` : ''}`,
      );
    }
  }
  if (view.approvals.length) {
    out.push('', paint.bold('Approvals'));
    for (const a of view.approvals) {
      const [time, point, answer, by, via, note] = approvalCells(a, (iso) => localDateTime(iso, true));
      const mark = a.verdict === 'refused' ? warn : a.answer === 'approve' ? ok : bad;
      out.push(
        `  ${paint.dim(time ?? '')}  ${mark} ${p(point ?? '')}: ${paint.bold(answer ?? '')} by ${p(by ?? '')} ${paint.dim(`(${via})`)}${note !== '—' ? `\n      ${p(note ?? '')}` : ''}`,
      );
    }
  }
  if (view.waitingFor) out.push('', `${paint.yellow('⏸')} ${paint.bold('Blocked')}: waiting for ${p(view.waitingFor)}`);
  if (view.interruption) out.push('', `${paint.yellow('■')} interrupted by ${view.interruption.signal}${view.interruption.forced ? ' (forced)' : ''}`);
  if (run.status === 'interrupted')
    out.push(
      '',
      `${bad} ${paint.red('the golive process ended without recording an end')} (killed, or the machine went down): steps it was running are in doubt`,
    );
  if (view.issues.length) out.push('', paint.bold('Issues'), ...view.issues.map((issue) => `  ${warn} ${issue}`));
  if (view.warnings.length) out.push('', paint.bold('Warnings'), ...view.warnings.map((w) => `  ${warn} ${w}`));
  const next = nextForRun(view, context);
  if (next.length) out.push('', paint.bold('Next'), ...next.map((line) => `  ${line}`));
  return out.join('\n');
}

function chainLabel(link: ChainLink, paint: Paint): string {
  return `${link.id}  ${link.mode}, ${paintStatus(link.status, paint)}`;
}

function stepLines(step: StepView, n: number, paint: Paint): string[] {
  const title = step.title && step.title !== step.id ? ` — ${p(step.title)}` : '';
  const state = stateText(step, paint);
  const out = [`  ${n}. ${paint.bold(p(step.id))}${title}${step.owner ? paint.dim(` [${p(step.owner)}]`) : ''}  ${state}`];
  for (const a of step.attempts) {
    const label = a.phase === 'validate' ? `validate ${a.attempt}` : `attempt ${a.attempt}`;
    out.push(`       ${label.padEnd(10)} ${statusText(a, paint)}  ${timing(a, paint)}`, ...failureLines(a, paint, '         ', true));
  }
  for (const a of step.rollback?.attempts ?? []) {
    const label = a.phase === 'rollback' ? 'rollback' : 'rollback validate';
    out.push(`       ${label.padEnd(10)} ${statusText(a, paint)}  ${timing(a, paint)}`, ...failureLines(a, paint, '         ', true));
  }
  return out;
}

function stateText(step: StepView, paint: Paint): string {
  const text = `${step.state}${step.stateReason ? ` — ${step.stateReason}` : ''}${step.inherited ? ' (from an earlier run)' : ''}`;
  switch (step.state) {
    case 'succeeded':
    case 'rolled-back':
      return paint.green(text);
    case 'pending':
      return paint.dim('not run');
    case 'running':
      return paint.cyan(text);
    case 'skipped':
    case 'no-rollback':
      return paint.yellow(text);
    default:
      return paint.red(text);
  }
}

function statusText(a: AttemptView, paint: Paint): string {
  const how = a.signal ? `signal ${a.signal}` : a.exitCode !== null ? `exit ${a.exitCode}` : '';
  const text = `${a.status}${how ? ` (${how})` : ''}`;
  if (a.status === 'passed') return paint.green(text);
  return a.status === 'running' ? paint.cyan(text) : paint.red(text);
}

/** Actual vs expected; over expected is flagged, because it is what the next estimate should learn from. */
function timing(a: AttemptView, paint: Paint): string {
  if (a.durationMs === null) return paint.dim('no end recorded');
  const base = `${formatDuration(a.durationMs)}${a.expectedMs !== null ? ` / ${formatDuration(a.expectedMs)} expected` : ''}`;
  return a.expectedMs !== null && a.durationMs > a.expectedMs ? `${paint.dim(base)} ${paint.yellow('over expected')}` : paint.dim(base);
}

/**
 * Under an attempt: why it failed, its log file, and its output tail. Steps
 * show the tail even when they passed (what a deployment step printed is
 * part of the record); checks and smoke tests only when they did not.
 */
function failureLines(a: AttemptView, paint: Paint, indent: string, alwaysTail = false): string[] {
  const out: string[] = [];
  if (a.status !== 'passed' && a.message) out.push(`${indent}${a.message}`);
  if (a.logPath) out.push(`${indent}${paint.dim(`log: ${a.logPath}`)}`);
  if (alwaysTail || a.status !== 'passed') out.push(...a.tail.map((line) => `${indent}${paint.dim('│')} ${line}`));
  return out;
}

/** Attempts as `show --json` reports them. */
function attemptJson(a: AttemptView) {
  return {
    phase: a.phase,
    attempt: a.attempt,
    status: a.status,
    exitCode: a.exitCode,
    signal: a.signal,
    durationMs: a.durationMs,
    expectedMs: a.expectedMs,
    logPath: a.logPath,
    tail: a.tail.join('\n'),
  };
}

/** `golive show --json`: the run (same keys as history), its steps in plan order, and everything around them. */
export function showAsJson(view: RunView): object {
  return {
    run: view.run,
    snapshot: view.snapshot,
    steps: view.steps.map((s) => ({
      id: s.id,
      title: s.title,
      state: s.state,
      inherited: s.inherited,
      attempts: s.attempts.map(attemptJson),
      rollback: s.rollback && { result: s.rollback.result, attempts: s.rollback.attempts.map(attemptJson) },
    })),
    checks: view.checks.map((c) => ({ id: c.id, passed: c.passed, blocking: c.blocking, reason: c.reason, attempts: c.attempts.map(attemptJson) })),
    verify: view.verify.map((v) => ({ id: v.id, severity: v.severity, passed: v.passed, reason: v.reason, attempts: v.attempts.map(attemptJson) })),
    rollback: view.rollback && { ...view.rollback, verifyAttempts: view.rollback.verifyAttempts.map(attemptJson) },
    decisions: view.decisions,
    approvals: view.approvals,
    waitingFor: view.waitingFor,
    issues: view.issues,
    warnings: view.warnings,
    chain: view.chain.map((link) => link.id),
  };
}
