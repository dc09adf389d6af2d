/**
 * What a webhook is told about each event: a `text` line (what chat incoming
 * webhooks display) plus structured fields for anything that parses JSON.
 * One handler per event kind (a mapped type), so a new kind does not compile
 * until someone decides whether the deployment bridge hears about it.
 */
import { carriedByText } from '../engine/approval-carry.js';
import { answeredBy, approversText } from '../engine/approval-tally.js';
import { dispatch, type EngineEvent, type EventHandlers, type RunOutcome } from '../engine/events.js';
import { rollbackRestored, rollbackSummary } from '../output/rollback-text.js';
import { formatDuration } from '../runbook/duration.js';

/** One JSON body POSTed to a webhook. */
export interface Notification {
  /** The human-readable line chat webhooks show. */
  text: string;
  /** The event kind, or 'status' for the periodic status update. */
  kind: string;
  runId?: string;
  runbook?: string;
  version?: string;
  environment?: string;
  at?: string;
  [field: string]: unknown;
}

/** Which run the notifications are about (learned from `run.started`). */
export interface RunLabel {
  runId?: string;
  runbook?: string;
  version?: string;
  environment?: string;
}

const ICON: Record<RunOutcome, string> = {
  succeeded: '✔',
  'succeeded-with-issues': '✔',
  'rolled-back': '↩',
  aborted: '✖',
  'rollback-failed': '✖',
  'rollback-incomplete': '✖',
  'restore-unverified': '✖',
  'no-go': '✖',
  interrupted: '✖',
  blocked: '✖',
};

/**
 * A builder that turns events into notifications, or undefined for events the
 * bridge need not hear about (output lines, each command start, validation
 * polls). It remembers the run's name and the steps' titles from earlier events.
 */
export function createMessageBuilder(runId?: string): { build(event: EngineEvent): Notification | undefined; label(): RunLabel } {
  const run: RunLabel = { runId };
  const titles = new Map<string, string>();
  const name = () => `${run.runbook ?? 'golive'}${run.version ? ` ${run.version}` : ''}${run.environment ? ` on ${run.environment}` : ''}`;
  const step = (id: string) => (titles.get(id) && titles.get(id) !== id ? `${id} (${titles.get(id)})` : id);
  type Message = [text: string, fields?: Record<string, unknown>] | undefined;
  const handlers: EventHandlers<Message> = {
    'run.started': (e) => {
      Object.assign(run, { runbook: e.runbook.name, version: e.runbook.version, environment: e.environment });
      return [
        `▶ ${name()}: ${e.mode} started by ${e.operator}@${e.host}${e.change ? ` (change ${e.change})` : ''} — ${e.steps.length} steps, expected ${formatDuration(e.expectedMs)}`,
        { mode: e.mode, operator: e.operator, host: e.host, change: e.change, steps: e.steps, expectedMs: e.expectedMs },
      ];
    },
    'check.finished': (e) =>
      e.passed
        ? undefined
        : [
            `${e.blocking ? '✖' : '!'} ${name()}: check ${e.checkId} failed${e.blocking ? '' : ' (non-blocking)'}: ${e.reason ?? 'failed'}`,
            { checkId: e.checkId, passed: e.passed, blocking: e.blocking, reason: e.reason },
          ],
    decision: (e) => [
      `◆ ${name()}: ${e.subject}${e.subjectId ? ` ${e.subjectId}` : ''}: ${e.choice}${e.reason ? ` — ${e.reason}` : ''} (${e.by}, ${e.via})`,
      { subject: e.subject, subjectId: e.subjectId, choice: e.choice, reason: e.reason, by: e.by, via: e.via },
    ],
    'step.started': (e) => {
      if (e.phase === 'step') titles.set(e.stepId, e.title);
      return undefined;
    },
    'step.spawned': () => undefined,
    // The bridge should know the deployment waits on a person.
    'question.asked': (e) => [
      `⏸ ${name()}: waiting for ${e.to} to answer: ${e.question}`,
      { subject: e.subject, subjectId: e.subjectId, question: e.question, to: e.to },
    ],
    // The bridge must know who the deployment waits for, and who answered.
    'approval.requested': (e) => [
      `⏸ ${name()}: waiting for ${approversText(e.approvers)} to approve ${e.title} in run ${run.runId ?? ''}`.trimEnd(),
      { pointId: e.pointId, title: e.title, approvers: e.approvers, minApprovals: e.minApprovals, selfApproval: e.selfApproval },
    ],
    approval: (e) =>
      e.verdict === 'refused'
        ? undefined
        : [
            `${e.answer === 'approve' ? '✔' : '✖'} ${name()}: ${e.pointId} ${e.answer === 'approve' ? 'approved' : 'rejected'} by ${answeredBy(e)}${e.comment ? ` — ${e.comment}` : ''}`,
            { pointId: e.pointId, answer: e.answer, identity: e.identity, by: e.by, person: e.person, comment: e.comment },
          ],
    'approval.carried': (e) => [
      `✔ ${name()}: ${e.pointId} approved by ${carriedByText(e)}: not asked again in this resume`,
      { pointId: e.pointId, title: e.title, fromRunId: e.fromRunId, approvedBy: e.approvedBy },
    ],
    'step.output': () => undefined,
    // Checks and smoke tests are told by check.finished / verify.finished; a validation poll by the step's state (30 polls would be 30 posts).
    'step.finished': (e) =>
      e.status === 'passed' || e.phase === 'check' || e.phase === 'verify' || e.phase === 'validate' || e.phase === 'rollback-validate'
        ? undefined
        : [
            `✖ ${name()}: ${e.phase === 'step' ? 'step' : e.phase} ${step(e.stepId)}${e.target !== undefined ? ` on ${e.target}` : ''} attempt ${e.attempt} ${e.status}${e.message ? `: ${e.message}` : ''} (${formatDuration(e.durationMs)})`,
            {
              phase: e.phase,
              stepId: e.stepId,
              ...(e.target !== undefined ? { target: e.target } : {}),
              attempt: e.attempt,
              status: e.status,
              exitCode: e.exitCode,
              durationMs: Math.round(e.durationMs),
              message: e.message,
            },
          ],
    'step.retrying': () => undefined,
    // On hosts, the bridge hears of waves and of each host that failed, not of every step on every host.
    'step.state': (e) =>
      e.target !== undefined
        ? undefined
        : [
            `${e.state === 'succeeded' || e.state === 'rolled-back' ? '✔' : e.state === 'skipped' || e.state === 'no-rollback' ? '!' : '✖'} ${name()}: step ${step(e.stepId)} ${e.state}${e.reason ? ` — ${e.reason}` : ''}`,
            { stepId: e.stepId, title: titles.get(e.stepId), state: e.state, reason: e.reason },
          ],
    'wave.started': (e) => [
      `▶ ${name()}: ${e.rollout} wave ${e.wave} of ${e.waves} started on ${e.targets.length} host${e.targets.length === 1 ? '' : 's'}: ${e.targets.join(', ')}`,
      { rollout: e.rollout, wave: e.wave, waves: e.waves, targets: e.targets },
    ],
    'target.finished': (e) =>
      e.outcome === 'succeeded'
        ? undefined
        : [
            `✖ ${name()}: ${e.rollout} host ${e.target} ${e.outcome}${e.failedStep ? ` at ${e.failedStep}` : ''}${e.reason ? ` — ${e.reason}` : ''}`,
            { rollout: e.rollout, wave: e.wave, target: e.target, outcome: e.outcome, failedStep: e.failedStep, reason: e.reason },
          ],
    'verify.finished': (e) =>
      e.passed
        ? undefined
        : [
            `${e.severity === 'minor' ? '!' : '✖'} ${name()}: smoke test ${e.verifyId} [${e.severity}] failed: ${e.reason ?? 'failed'}`,
            { verifyId: e.verifyId, severity: e.severity, passed: e.passed, reason: e.reason },
          ],
    'rollback.started': (e) => [
      `↩ ${name()}: rolling back — ${e.reason}. Order: ${e.order.join(' → ') || 'nothing to run'}${e.withoutRollback.length ? `; no rollback defined: ${e.withoutRollback.join(', ')}` : ''}`,
      { reason: e.reason, order: e.order, withoutRollback: e.withoutRollback },
    ],
    'rollback.finished': (e) => [
      `${rollbackRestored(e) ? '↩' : '✖'} ${name()}: ${rollbackSummary(e)}`,
      { complete: e.complete, failed: e.failed, withoutRollback: e.withoutRollback, verified: e.verified, unrestorable: e.unrestorable },
    ],
    // The run.finished that follows says it; an interrupted run still records its end.
    'run.interrupted': () => undefined,
    'run.finished': (e) => [
      `${ICON[e.outcome]} ${name()}: ${e.outcome} in ${formatDuration(e.durationMs)} (exit ${e.exitCode})${e.issues.map((i) => `\n• ${i}`).join('')}`,
      { outcome: e.outcome, exitCode: e.exitCode, durationMs: Math.round(e.durationMs), issues: e.issues },
    ],
    warning: () => undefined,
  };
  return {
    build(event) {
      const message = dispatch(handlers, event);
      if (message === undefined) return undefined;
      const [text, fields] = message;
      return { text, kind: event.kind, ...run, at: event.at, ...fields };
    },
    label: () => ({ ...run }),
  };
}
