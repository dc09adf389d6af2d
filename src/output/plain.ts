/**
 * The plain renderer: one timestamped line per event, for pipes, CI logs and
 * `CI=true`. Output lines of a step are indented under it.
 */
import { carriedByText } from '../engine/approval-carry.js';
import { answeredBy, approversText } from '../engine/approval-tally.js';
import { dispatch, type EngineEvent, type EventHandlers } from '../engine/events.js';
import { formatDuration } from '../runbook/duration.js';
import { instanceKey } from '../runbook/instances.js';
import { nextCommands, type RunRef } from '../views/next-steps.js';
import type { Paint } from './paint.js';
import { printable as p } from './printable.js';
import { rollbackRestored, rollbackSummary } from './rollback-text.js';
import { runbookLabel } from './runbook-label.js';
import { clockTime } from './time-text.js';

/** Build a plain renderer writing to `write`. */
export function createPlainRenderer(write: (text: string) => void, paint: Paint, run: RunRef): (event: EngineEvent) => void {
  const ok = paint.green('✔');
  const bad = paint.red('✖');
  const warn = paint.yellow('!');
  // Runbook and operator text is escaped (p): a title must not repaint the terminal or forge a line.
  // A hosted step's line names its host: deploy@web1.
  const label = (phase: string, id: string, target?: string) => (phase === 'step' ? p(instanceKey(id, target)) : `${phase} ${p(instanceKey(id, target))}`);
  const handlers: EventHandlers<string | undefined> = {
    'run.started': (e) =>
      `${paint.bold('▶')} ${e.mode} ${run.runId}: ${p(runbookLabel(e.runbook.name, e.runbook.version))}` +
      `${e.environment ? ` on ${p(e.environment)}` : ''} by ${p(e.operator)}@${p(e.host)}${e.change ? ` (change ${p(e.change)})` : ''}` +
      ` — ${e.steps.length} step${e.steps.length === 1 ? '' : 's'}, expected ${formatDuration(e.expectedMs)}` +
      `${e.journal ? paint.dim(`\n    journal: ${p(e.journal)}`) : ''}`,
    'check.finished': (e) =>
      `${e.passed ? ok : e.blocking ? bad : warn} check ${p(e.checkId)}${e.passed ? '' : `${e.blocking ? '' : ' (non-blocking)'}: ${p(e.reason ?? 'failed')}`}`,
    decision: (e) =>
      `${paint.cyan('◆')} ${e.subject}${e.subjectId ? ` ${p(e.subjectId)}` : ''}: ${paint.bold(p(e.choice))}${e.reason ? ` — ${p(e.reason)}` : ''} (${p(e.by)}, ${e.via})`,
    'step.started': (e) =>
      `${paint.dim('▶')} ${label(e.phase, e.stepId, e.target)}${e.title !== e.stepId ? ` — ${p(e.title)}` : ''}${e.owner ? paint.dim(` [${p(e.owner)}]`) : ''}` +
      `${e.attempts > 1 ? ` (attempt ${e.attempt}/${e.attempts})` : ''}`,
    'step.spawned': () => undefined,
    'question.asked': (e) => `${paint.cyan('?')} waiting for ${p(e.to)}: ${p(e.question)}`,
    'approval.requested': (e) =>
      `${paint.cyan('?')} waiting for ${p(approversText(e.approvers))} to approve ${p(e.title)}${e.minApprovals > 1 ? ` (${e.minApprovals} approvals needed)` : ''}` +
      paint.dim(`\n    golive approve ${run.runId} ${p(e.pointId)}  ·  golive reject ${run.runId} ${p(e.pointId)} --reason "…"`),
    approval: (e) =>
      e.verdict === 'refused'
        ? `${warn} refused ${e.answer === 'approve' ? 'approval' : 'rejection'} of ${p(e.pointId)} by ${p(answeredBy(e))}: ${p(e.refusal ?? '')}`
        : `${e.answer === 'approve' ? ok : bad} ${p(e.pointId)} ${e.answer === 'approve' ? 'approved' : 'rejected'} by ${p(answeredBy(e))}${e.comment ? ` — ${p(e.comment)}` : ''}`,
    'approval.carried': (e) => `${ok} ${p(e.pointId)} approved by ${p(carriedByText(e))} (carried over: not asked again)`,
    // Hosts run at once: each output line says which host printed it.
    'step.output': (e) => indent(e.text, paint.dim(`    │ ${e.target !== undefined ? `${p(e.target)} ` : ''}`)),
    'step.finished': (e) => {
      // A passing check is reported once, by check.finished.
      if (e.phase === 'check' && e.status === 'passed') return undefined;
      const time = `${formatDuration(e.durationMs)}${e.expectedMs ? ` / ${formatDuration(e.expectedMs)}` : ''}`;
      const late = e.expectedMs !== undefined && e.durationMs > e.expectedMs ? paint.yellow(` over expected`) : '';
      return e.status === 'passed'
        ? `${ok} ${label(e.phase, e.stepId, e.target)} ${paint.dim(time)}${late}`
        : `${bad} ${label(e.phase, e.stepId, e.target)} ${e.status}: ${p(e.message ?? '')} ${paint.dim(`(${time})`)}${e.logPath ? paint.dim(`\n    log: ${p(e.logPath)}`) : ''}`;
    },
    'step.retrying': (e) => `${warn} ${p(instanceKey(e.stepId, e.target))}: retrying (attempt ${e.nextAttempt}) in ${formatDuration(e.delayMs)}`,
    'step.state': (e) => {
      if (e.state === 'succeeded' || e.state === 'failed') return undefined;
      const mark = e.state === 'rolled-back' ? ok : e.state === 'rollback-failed' || e.state === 'in-doubt' ? bad : warn;
      return `${mark} ${p(instanceKey(e.stepId, e.target))}: ${e.state}${e.reason ? ` — ${p(e.reason)}` : ''}`;
    },
    'wave.started': (e) => `${paint.bold('▶')} ${p(e.rollout)}: wave ${e.wave} of ${e.waves} on ${p(e.targets.join(', '))}`,
    'target.finished': (e) =>
      e.outcome === 'succeeded'
        ? `${ok} ${p(e.rollout)}: ${p(e.target)} done (wave ${e.wave})`
        : `${e.outcome === 'rolled-back' ? warn : bad} ${p(e.rollout)}: ${p(e.target)} ${e.outcome}${e.failedStep ? ` at ${p(e.failedStep)}` : ''}${e.reason ? ` — ${p(e.reason)}` : ''}`,
    'verify.finished': (e) =>
      `${e.passed ? ok : e.severity === 'minor' ? warn : bad} smoke test ${p(e.verifyId)} [${e.severity}]${e.passed ? '' : `: ${p(e.reason ?? 'failed')}`}`,
    'rollback.started': (e) =>
      `${paint.yellow('↩')} rolling back: ${p(e.reason)}\n    order: ${p(e.order.join(' → ')) || '(nothing to run)'}` +
      `${e.withoutRollback.length ? `\n    ${paint.yellow(`no rollback defined: ${p(e.withoutRollback.join(', '))}`)}` : ''}`,
    'rollback.finished': (e) => `${rollbackRestored(e) ? ok : e.complete ? warn : bad} ${p(rollbackSummary(e))}`,
    'run.interrupted': (e) => `${paint.yellow('■')} interrupted by ${e.signal}${e.forced ? ' (forced: running steps killed, recorded as in doubt)' : ''}`,
    'run.finished': (e) => {
      const head = `${e.exitCode === 0 ? ok : bad} ${paint.bold(e.outcome)} in ${formatDuration(e.durationMs)} (exit ${e.exitCode})`;
      const issues = e.issues.map((i) => `    ${warn} ${p(i)}`);
      return [head, ...issues, ...nextCommands(e.outcome, run).map((c) => `    ${c}`)].join('\n');
    },
    warning: (e) => `${warn} ${e.stepId ? `${p(e.stepId)}: ` : ''}${p(e.message)}`,
  };
  return (event) => {
    const text = dispatch(handlers, event);
    if (text === undefined) return;
    if (event.kind === 'step.output') write(text);
    else write(`${paint.dim(clockTime(event.at))} ${text}\n`);
  };
}

function indent(text: string, prefix: string): string {
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  return `${prefix}${body.replace(/\n/g, `\n${prefix}`)}\n`;
}
