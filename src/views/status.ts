/**
 * The status update the planning guides ask for every 15 minutes, with their
 * fixed template: current activity, progress X of Y steps, On Track / Delayed
 * / Blocked, issues, next steps, ETA. Folded from a run's recorded events, so
 * `golive status` (another process reading the journal) and the notifier's
 * periodic post (the run's own process) say the same thing; where each step
 * stands is the one fold of the run's chain (engine/run-state.ts), so status,
 * show and resume agree. Pure: the clock is an input. The text is
 * output/status-text.ts.
 */

import type { EngineEvent, EventOf, RunMode } from '../engine/events.js';
import { isDone } from '../engine/run-state.js';
import type { RunStatus } from '../journal/types.js';
import { formatDuration } from '../runbook/duration.js';
import { instanceKey } from '../runbook/instances.js';
import { approvalWaitText } from './approvals.js';
import { nextCommands } from './next-steps.js';
import { rolloutLines, type StatusRollout } from './rollout-status.js';
import { type Fold, foldRun, type Started } from './status-fold.js';

/** A step as the status needs it, in plan order (parallel members flattened, carrying their group); `confirm`: a manual step's question. */
export interface StatusStep {
  id: string;
  title: string;
  owner?: string;
  expectedMs?: number;
  group?: string;
  confirm?: string;
}

/** A pre-deployment check or smoke test. */
export type StatusItem = Pick<StatusStep, 'id' | 'title' | 'confirm'>;

/** What `statusUpdate` folds. */
export interface StatusInput {
  runId: string;
  runbook: { name: string; version?: string | null };
  environment?: string | null;
  mode?: RunMode;
  /** The planned steps (a hosted step once per host, `<step>@<host>`); when empty, ids come from `run.started` and titles from `step.started`. */
  steps: StatusStep[];
  /** The plan's rollouts: how many hosts and waves each has. */
  rollouts?: StatusRollout[];
  checks?: StatusItem[];
  smokeTests?: StatusItem[];
  /** This run's events, in recorded order. */
  events: EngineEvent[];
  /** Events of earlier runs of the chain (a resume starts from what they left). */
  priorEvents?: EngineEvent[];
  runStatus: RunStatus;
  now: Date;
  /** `--db <path>` for the advice on finished runs, '' for the default journal. */
  dbFlag?: string;
}

/** How the deployment is going: the template's three words while live, the outcome once finished. */
export type StatusVerdict = 'On Track' | 'Delayed' | 'Blocked' | 'Succeeded' | 'Succeeded with issues' | 'Rolled back' | 'NO-GO';

/**
 * A command executing right now. `elapsedMs` counts from the step's first
 * attempt for the step and validate phases (its expected duration covers
 * all of them), else from this command's start.
 */
export interface ActiveCommand {
  phase: EventOf<'step.started'>['phase'];
  stepId: string;
  title: string;
  owner: string | null;
  attempt: number;
  attempts: number;
  elapsedMs: number;
  expectedMs: number | null;
}

/**
 * One status update: the template's fields, typed; these keys are the
 * contract of `golive status --json`. `at`, `eta` and `endedAt` are ISO 8601;
 * `statusReason` says why Delayed or Blocked; `nextSteps` are step titles,
 * `advice` the commands to run for a finished run that needs someone; `eta`
 * is null when unknown or finished, `etaNote` then says why.
 */
export interface StatusUpdate {
  runId: string;
  runbook: string;
  version: string | null;
  environment: string | null;
  mode: RunMode | null;
  at: string;
  runStatus: RunStatus;
  finished: boolean;
  activity: string;
  current: ActiveCommand[];
  progress: { completed: number; total: number; rollback: { done: number; total: number } | null };
  /** One line per rollout that started: "web-rollout: wave 2 of 3, 7 of 40 hosts done, 1 failed (web13: health)". */
  rollouts: string[];
  status: StatusVerdict;
  statusReason: string | null;
  issues: string[];
  nextSteps: string[];
  advice: string[];
  eta: string | null;
  etaNote: string | null;
  endedAt: string | null;
}

/**
 * Slack before a run counts as Delayed: 10% of the expected time so far, and
 * at least a minute, because the gaps between steps (checks, spawning,
 * validation polls) are in no expected duration.
 */
export const DELAY_TOLERANCE = { ratio: 0.1, minMs: 60_000 };

/** How many running commands the activity line names (a wave of 40 hosts runs 40 at once). */
const MAX_ACTIVITY_COMMANDS = 3;

/** How many upcoming steps the update names. */
export const MAX_NEXT_STEPS = 3;

export { statusPlanOf } from './status-plan.js';

/** Build the status update of a run at `now`. */
export function statusUpdate(input: StatusInput): StatusUpdate {
  const f = foldRun(input.events, input.priorEvents ?? [], input.runStatus === 'running');
  const now = input.now.getTime();
  const operator = f.run?.operator ?? 'the operator';
  const steps = plannedSteps(input, f);
  const title = (id: string) => steps.find((s) => s.id === id)?.title ?? id;
  // Progress counts the deployment's forward work: a done step a rollback has since passed over ('no-rollback') no longer counts.
  const completed = (s: StatusStep) => isDone(f.state.get(s.id)) && f.state.get(s.id) !== 'no-rollback';
  const current = [...f.open.values()].map((e): ActiveCommand => {
    const key = instanceKey(e.stepId, e.target);
    const since = e.phase === 'step' || e.phase === 'validate' ? (f.firstStart.get(key) ?? Date.parse(e.at)) : Date.parse(e.at);
    const planned = steps.find((s) => s.id === key);
    return {
      phase: e.phase,
      stepId: key,
      title: e.title,
      owner: e.owner ?? planned?.owner ?? null,
      attempt: e.attempt,
      attempts: e.attempts,
      elapsedMs: Math.max(0, now - since),
      expectedMs: (e.phase === 'step' || e.phase === 'validate' ? (e.expectedMs ?? planned?.expectedMs) : undefined) ?? null,
    };
  });
  const rb = f.rollback;
  const rollbackProgress = rb
    ? { done: rb.started.order.filter((id) => ['rolled-back', 'rollback-failed'].includes(f.state.get(id) ?? '')).length, total: rb.started.order.length }
    : null;
  const live = input.runStatus === 'running';
  const endedAt = live ? null : (f.finished?.at ?? f.last?.at ?? null);
  const update: StatusUpdate = {
    runId: input.runId,
    runbook: input.runbook.name,
    version: input.runbook.version ?? null,
    environment: input.environment ?? null,
    mode: input.mode ?? f.run?.mode ?? null,
    at: input.now.toISOString(),
    runStatus: input.runStatus,
    finished: !live,
    activity: '',
    current,
    progress: { completed: steps.filter(completed).length, total: steps.length, rollback: rollbackProgress },
    rollouts: rolloutLines(input.rollouts ?? [], f),
    status: 'On Track',
    statusReason: null,
    issues: [...new Set(f.issues)],
    nextSteps: [],
    advice: [],
    eta: null,
    etaNote: null,
    endedAt,
  };
  if (!live) return finishedUpdate(update, input, f, title);

  const rollingBack = rb !== undefined && rb.finished === undefined;
  // Outstanding: not started, running, or left in doubt by an earlier run (resume validates or re-runs it).
  const outstanding = (s: StatusStep) => [undefined, 'running', 'in-doubt'].includes(f.state.get(s.id));
  const rolledBack = (id: string) => ['rolled-back', 'rollback-failed'].includes(f.state.get(id) ?? '');
  update.nextSteps = rollingBack
    ? rb.started.order
        .filter((id) => !rolledBack(id) && !current.some((c) => c.stepId === id))
        .map((id) => `Roll back: ${title(id)}`)
        .slice(0, MAX_NEXT_STEPS)
    : [
        ...steps.filter((s) => outstanding(s) && f.state.get(s.id) !== 'running').map((s) => s.title),
        ...(input.smokeTests?.length && !f.verifying ? ['post-deployment smoke tests'] : []),
      ].slice(0, MAX_NEXT_STEPS);
  // Hosts of a wave run at once: the line names a few, the JSON lists them all.
  const named = current.slice(0, MAX_ACTIVITY_COMMANDS).map(describeCommand);
  if (current.length > MAX_ACTIVITY_COMMANDS) named.push(`and ${current.length - MAX_ACTIVITY_COMMANDS} more`);
  update.activity = current.length ? named.join('; ') : waitingActivity(input, f, steps, operator, title, rollingBack);

  const broken = steps.find((s) => f.touched.has(s.id) && ['rollback-failed', 'in-doubt'].includes(f.state.get(s.id) ?? ''));
  // A deployment that rolls back has failed; `golive rollback` rolling back is doing its job.
  if (rollingBack && update.mode !== 'rollback') block(update, `${rb.started.reason}: rolling back`);
  else if (f.approvals.size > 0) block(update, approvalsWaitText(f));
  else if (f.question && !isPlannedWait(f.question, steps, now)) {
    const overdue = f.question.subject === 'confirm' ? `, longer than the expected ${formatDuration(expectedWaitMs(f.question, steps)!)}` : '';
    block(update, `waiting for ${f.question.to} to ${overdue ? 'confirm' : 'answer'} since ${localTime(f.question.at)}${overdue}`);
  } else if (f.awaiting) block(update, `${f.awaiting.what} ${f.awaiting.id} failed${current.length ? '' : `: waiting for ${operator} to decide`}`);
  else if (broken) block(update, `step ${broken.id} is ${f.state.get(broken.id)}: someone must act`);
  else {
    const behind = scheduleSlip(steps, f, now, outstanding);
    if (behind !== undefined) {
      update.status = 'Delayed';
      update.statusReason = `${formatDuration(behind)} behind the expected schedule`;
    }
  }
  if (rollingBack) update.etaNote = 'unknown: rolling back (rollbacks have no expected durations)';
  else if (update.status === 'Blocked') update.etaNote = 'unknown: blocked';
  else Object.assign(update, eta(steps, f, now, outstanding));
  return update;
}

/**
 * A confirmation the runbook plans (`confirm:` on a check or step) is work in
 * progress, not a blockage, until it has waited longer than its step's
 * expected duration; one without an expected duration never turns Blocked by
 * waiting. Any other question (a failure, a smoke test, an in-doubt step)
 * means the run cannot go on by itself: Blocked at once.
 */
function isPlannedWait(question: EventOf<'question.asked'>, steps: StatusStep[], now: number): boolean {
  if (question.subject !== 'confirm') return false;
  const expected = expectedWaitMs(question, steps);
  return expected === undefined || now - Date.parse(question.at) <= expected;
}

/** The expected duration of the step a confirmation belongs to (checks have none). */
function expectedWaitMs(question: EventOf<'question.asked'>, steps: StatusStep[]): number | undefined {
  return steps.find((s) => s.id === question.subjectId)?.expectedMs;
}

/** Every approval the run waits for, in the order requested. */
function approvalsWaitText(f: Fold): string {
  return `waiting for ${[...f.approvals.values()].map((a) => approvalWaitText(a.request, a.answers, localTime)).join('; and for ')}`;
}

function block(update: StatusUpdate, reason: string): void {
  update.status = 'Blocked';
  update.statusReason = reason;
}

/** Steps from the input, or (no plan available) from `run.started` with titles from the events. */
function plannedSteps(input: StatusInput, f: Fold): StatusStep[] {
  if (input.steps.length > 0) return input.steps;
  const starts = input.events.filter((e): e is Started => e.kind === 'step.started' && e.phase === 'step');
  return (f.run?.steps ?? []).map((id) => {
    const s = starts.find((e) => e.stepId === id);
    return { id, title: s?.title ?? id, owner: s?.owner, expectedMs: s?.expectedMs, group: s?.group };
  });
}

function describeCommand(c: ActiveCommand): string {
  const owner = c.owner ? ` (${c.owner})` : '';
  const attempt = c.attempts > 1 && (c.phase === 'step' || c.phase === 'verify') ? `, attempt ${c.attempt} of ${c.attempts}` : '';
  const time = ` — ${formatDuration(c.elapsedMs)} elapsed${c.expectedMs ? ` of ${formatDuration(c.expectedMs)} expected` : ''}`;
  const label =
    c.phase === 'check'
      ? `pre-deployment check: ${c.title}`
      : c.phase === 'verify'
        ? `smoke test: ${c.title}`
        : c.phase === 'rollback-verify'
          ? `verifying the restore: ${c.title}`
          : c.title;
  return `${label}${owner}${attempt}${time}`;
}

/** Nothing is executing: say what the run waits for (a prompt, a retry delay, the next command). */
function waitingActivity(input: StatusInput, f: Fold, steps: StatusStep[], operator: string, title: (id: string) => string, rollingBack: boolean): string {
  if (f.approvals.size > 0) return approvalsWaitText(f);
  if (f.question?.subject === 'confirm') {
    const owner = steps.find((s) => s.id === f.question!.subjectId)?.owner;
    return `waiting for ${f.question.to}${owner ? ` (${owner})` : ''} to confirm: ${f.question.question}`;
  }
  if (f.question) return `waiting for ${f.question.to} to answer: ${f.question.question}`;
  if (f.awaiting)
    return `waiting for ${operator} to decide what to do about the failed ${f.awaiting.what} ${f.awaiting.what === 'step' ? title(f.awaiting.id) : f.awaiting.id}`;
  if (f.last?.kind === 'step.retrying') return `waiting to retry ${title(f.last.stepId)} (attempt ${f.last.nextAttempt})`;
  if (rollingBack) return 'rolling back';
  if (f.firstStart.size === 0 && !f.goDecision && input.checks?.length) {
    const next = input.checks.find((c) => !f.checksDone.has(c.id));
    if (next) return next.confirm ? `waiting for ${operator} to confirm: ${next.confirm}` : `pre-deployment check: ${next.title}`;
  }
  const next = steps.find((s) => !f.state.has(s.id));
  if (next?.confirm !== undefined) return `waiting for ${operator}${next.owner ? ` (${next.owner})` : ''} to confirm: ${next.confirm}`;
  if (next) return `starting ${next.title}`;
  return input.smokeTests?.length ? 'post-deployment smoke tests' : 'finishing';
}

/** Group consecutive members of a parallel group into one stage. */
function stagesOf(steps: StatusStep[]): StatusStep[][] {
  const stages: StatusStep[][] = [];
  for (const step of steps) {
    const last = stages.at(-1);
    if (step.group !== undefined && last?.[0].group === step.group) last.push(step);
    else stages.push([step]);
  }
  return stages;
}

/**
 * How far behind its expected schedule this run is, or undefined when within
 * tolerance. The schedule so far: each stage contributes its longest member
 * (parallel members run at once), a settled step its expected duration (its
 * actual one when it has none), a running step its expected duration or its
 * elapsed time if lower. Steps settled by earlier runs of the chain count
 * for nothing: this run did not spend time on them.
 */
function scheduleSlip(steps: StatusStep[], f: Fold, now: number, outstanding: (s: StatusStep) => boolean): number | undefined {
  const starts = [...f.firstStart.values()];
  if (starts.length === 0) return undefined;
  let budget = 0;
  for (const stage of stagesOf(steps)) {
    budget += Math.max(
      0,
      ...stage.map((s) => {
        const start = f.firstStart.get(s.id);
        const settled = f.settledAt.get(s.id);
        if (f.state.get(s.id) === 'running' && start !== undefined) return Math.min(s.expectedMs ?? Infinity, now - start);
        // A confirmation being asked is that step's work, like a running command's.
        if (f.question?.subject === 'confirm' && f.question.subjectId === s.id) return Math.min(s.expectedMs ?? Infinity, now - Date.parse(f.question.at));
        // A manual step has no start event: its expected duration is all we know.
        if (settled !== undefined) return s.expectedMs ?? (start === undefined ? 0 : settled - start);
        return 0;
      }),
    );
  }
  // Once every step is settled (smoke tests running), the steps' schedule is judged at the last step's end.
  const end = steps.some(outstanding) ? now : Math.max(...f.settledAt.values());
  const elapsed = end - Math.min(...starts);
  const slip = elapsed - budget;
  return slip > Math.max(budget * DELAY_TOLERANCE.ratio, DELAY_TOLERANCE.minMs) ? slip : undefined;
}

/** Now plus what the remaining steps are expected to take (a running step: what is left of its expected duration). */
function eta(steps: StatusStep[], f: Fold, now: number, outstanding: (s: StatusStep) => boolean): Pick<StatusUpdate, 'eta' | 'etaNote'> {
  const left = steps.filter(outstanding);
  if (left.length === 0) return { eta: new Date(now).toISOString(), etaNote: 'every step is done' };
  const unknown = left.filter((s) => s.expectedMs === undefined).length;
  if (unknown === left.length) return { eta: null, etaNote: 'unknown: the remaining steps have no expected duration' };
  let remaining = 0;
  for (const stage of stagesOf(steps)) {
    remaining += Math.max(
      0,
      ...stage.filter(outstanding).map((s) => {
        const start = f.state.get(s.id) === 'running' ? f.firstStart.get(s.id) : undefined;
        return start === undefined ? (s.expectedMs ?? 0) : Math.max(0, (s.expectedMs ?? 0) - (now - start));
      }),
    );
  }
  return {
    eta: new Date(now + remaining).toISOString(),
    etaNote: unknown ? `at least: ${unknown} step${unknown === 1 ? ' has' : 's have'} no expected duration` : null,
  };
}

const OUTCOME: Partial<Record<RunStatus, StatusVerdict>> = {
  succeeded: 'Succeeded',
  'succeeded-with-issues': 'Succeeded with issues',
  'rolled-back': 'Rolled back',
  'no-go': 'NO-GO',
};

function finishedUpdate(update: StatusUpdate, input: StatusInput, f: Fold, title: (id: string) => string): StatusUpdate {
  const processGone = f.finished === undefined;
  const outcome = f.finished?.outcome ?? 'interrupted';
  const verdict = OUTCOME[input.runStatus];
  const ended = update.endedAt ? ` at ${localTime(update.endedAt)}` : '';
  const took = f.finished ? ` after ${formatDuration(f.finished.durationMs)}` : '';
  const stuck = [...f.state].filter(([, s]) => s === 'running' || s === 'in-doubt' || s === 'failed').map(([id]) => title(id));
  if (verdict) {
    update.status = verdict;
    update.activity = `finished: ${outcome}${ended}${took}`;
  } else {
    const why = processGone
      ? `golive stopped without recording an end (its process is gone)${stuck.length ? ` during ${stuck.join(', ')}` : ''}`
      : outcome === 'rollback-failed'
        ? 'the rollback failed: the system is NOT fully restored'
        : outcome === 'rollback-incomplete'
          ? 'not fully rolled back: steps without a rollback were left as they are'
          : outcome === 'restore-unverified'
            ? 'rolled back, but rollback.verify failed: the restore is not proven'
            : `${outcome}${stuck.length ? ` at ${stuck.join(', ')}` : ''}: resume or roll back`;
    block(update, why);
    update.activity = `stopped${ended}${took}: ${processGone ? why : outcome}`;
  }
  update.statusReason ??= f.finished?.issues.length ? `${f.finished.issues.length} issue(s) recorded` : null;
  update.advice = nextCommands(outcome, { runId: input.runId, dbFlag: input.dbFlag ?? '' }).filter((line) => !line.includes('golive show '));
  update.etaNote = `finished${ended}`;
  return update;
}

/** `HH:MM` in the local time zone: the bridge call talks in wall-clock time. */
export function localTime(iso: string): string {
  const d = new Date(iso);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}
