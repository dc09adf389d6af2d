/**
 * The report's timeline: one entry per check, step and smoke test, with
 * owner, expected and actual time, attempts and result. Built from the run
 * view (results, attempts, output tails) and the events (instants: the chart
 * places bars in time, which durations alone cannot do).
 */
import type { EngineEvent, Phase } from '../engine/events.js';
import { instanceKey } from '../runbook/instances.js';
import type { AttemptView, RunView, StepView } from './run-view.js';
import type { EntryResult, Owner, SummaryPlan, TimelineEntry } from './summary-model.js';
import { stepTimings } from './timings.js';

/** Which lane of a row a command execution is drawn in. */
export type SpanLane = 'check' | 'step' | 'verify' | 'rollback' | 'rollback-verify';

/** When an item first started and last finished in a run. */
export interface ItemSpan {
  startedAt: string;
  endedAt: string | null;
  ms: number | null;
}

/** A step's validation belongs to the step; a rollback's validation to the rollback. */
const LANE_OF: Record<Phase, SpanLane> = {
  check: 'check',
  step: 'step',
  validate: 'step',
  verify: 'verify',
  rollback: 'rollback',
  'rollback-validate': 'rollback',
  'rollback-verify': 'rollback-verify',
};

/** The key of an item's span in `itemSpans`. */
export function spanKey(lane: SpanLane, id: string): string {
  return `${lane}\u0000${id}`;
}

/** Every item's span, from its first `step.started` to its last `step.finished`, retries and polls included. */
export function itemSpans(events: EngineEvent[]): Map<string, ItemSpan> {
  const spans = new Map<string, ItemSpan>();
  for (const e of events) {
    if (e.kind !== 'step.started' && e.kind !== 'step.finished') continue;
    const key = spanKey(LANE_OF[e.phase], instanceKey(e.stepId, e.target));
    let span = spans.get(key);
    if (!span) {
      span = { startedAt: e.at, endedAt: null, ms: null };
      spans.set(key, span);
    }
    if (e.kind === 'step.finished') {
      span.endedAt = e.at;
      span.ms = Math.max(0, Date.parse(e.at) - Date.parse(span.startedAt));
    }
  }
  return spans;
}

type OwnerOf = (role: string | null | undefined) => Owner | null;

/** The timeline in the order things happen: checklist, steps (plan order), smoke tests. */
export function timelineEntries(view: RunView, events: EngineEvent[], plan: SummaryPlan | null, ownerOf: OwnerOf): TimelineEntry[] {
  const spans = itemSpans(events);
  const timings = stepTimings(events);
  const base = (phase: TimelineEntry['phase'], id: string) => {
    const span = spans.get(spanKey(phase, id));
    return {
      phase,
      id,
      group: null,
      expectedMs: null,
      decidingMs: null,
      deltaMs: null,
      inherited: false,
      blocking: null,
      severity: null,
      startedAt: span?.startedAt ?? null,
      endedAt: span?.endedAt ?? null,
      actualMs: span?.ms ?? null,
    };
  };

  const checkIds = union(
    plan?.checks.map((c) => c.id) ?? [],
    view.checks.map((c) => c.id),
  );
  const checks = checkIds.map((id) => {
    const planned = plan?.checks.find((c) => c.id === id);
    const check = view.checks.find((c) => c.id === id);
    const attempts = check?.attempts ?? [];
    const result = check?.passed === true ? 'passed' : check?.passed === false ? 'failed' : unfinished(attempts);
    return ordered({
      ...base('check', id),
      title: planned?.title ?? check?.title ?? null,
      owner: ownerOf(planned?.owner ?? attempts[0]?.owner),
      attempts: attempts.length,
      result,
      failed: result === 'failed',
      reason: check?.reason ?? null,
      blocking: check?.blocking ?? planned?.blocking ?? null,
      ...lastOutput(attempts, result === 'failed'),
    });
  });

  // By id: one look-up per step, not a scan of the plan per step. Each entry is written out in the
  // documented key order at once (no spreads, no reordering copy): at 10,000 steps this loop is a report's core.
  const plannedSteps = new Map(plan?.steps.map((s) => [s.id, s]));
  const steps = view.steps.map((step): TimelineEntry => {
    const planned = plannedSteps.get(step.id);
    const span = spans.get(spanKey('step', step.id));
    const timing = timings.get(step.id);
    const expectedMs = planned?.expectedMs ?? step.attempts.find((a) => a.expectedMs !== null)?.expectedMs ?? null;
    // The same measure as `golive rehearse` and `golive estimate`: first start to final state.
    const actualMs = timing?.forwardMs ?? span?.ms ?? null;
    const failed = stepFailed(step);
    const output = lastOutput(step.attempts, failed);
    return {
      phase: 'step',
      id: step.id,
      title: planned?.title ?? step.title,
      owner: ownerOf(planned?.owner ?? step.owner),
      group: planned?.group ?? null,
      expectedMs,
      actualMs,
      decidingMs: timing?.decidingMs ?? null,
      deltaMs: expectedMs !== null && actualMs !== null ? actualMs - expectedMs : null,
      attempts: countStepAttempts(step.attempts),
      result: step.state === 'pending' ? 'not-run' : step.state,
      failed,
      reason: step.stateReason ?? (failed ? (step.attempts.at(-1)?.message ?? null) : null),
      blocking: null,
      severity: null,
      inherited: step.inherited,
      startedAt: span?.startedAt ?? null,
      endedAt: span?.endedAt ?? null,
      outputTail: output.outputTail,
      logPath: output.logPath,
    };
  });

  const verifyIds = union(
    plan?.verify.map((v) => v.id) ?? [],
    view.verify.map((v) => v.id),
  );
  const verify = verifyIds.map((id) => {
    const planned = plan?.verify.find((v) => v.id === id);
    const test = view.verify.find((v) => v.id === id);
    const attempts = test?.attempts ?? [];
    const result = test?.passed === true ? 'passed' : test?.passed === false ? 'failed' : unfinished(attempts);
    return ordered({
      ...base('verify', id),
      title: planned?.title ?? test?.title ?? null,
      owner: ownerOf(planned?.owner ?? attempts[0]?.owner),
      attempts: attempts.length,
      result,
      failed: result === 'failed',
      reason: test?.reason ?? null,
      severity: test?.severity ?? planned?.severity ?? null,
      ...lastOutput(attempts, result === 'failed'),
    });
  });
  return [...checks, ...steps, ...verify];
}

/** Executions of a step's command itself (validation polls not counted). */
function countStepAttempts(attempts: AttemptView[]): number {
  let count = 0;
  for (const attempt of attempts) if (attempt.phase === 'step') count++;
  return count;
}

/** The entry with its keys in the documented order, whichever way it was assembled: `--format json` keeps a stable shape. */
function ordered(e: TimelineEntry): TimelineEntry {
  return {
    phase: e.phase,
    id: e.id,
    title: e.title,
    owner: e.owner,
    group: e.group,
    expectedMs: e.expectedMs,
    actualMs: e.actualMs,
    decidingMs: e.decidingMs,
    deltaMs: e.deltaMs,
    attempts: e.attempts,
    result: e.result,
    failed: e.failed,
    reason: e.reason,
    blocking: e.blocking,
    severity: e.severity,
    inherited: e.inherited,
    startedAt: e.startedAt,
    endedAt: e.endedAt,
    outputTail: e.outputTail,
    logPath: e.logPath,
  };
}

/** Planned ids first (in plan order), then ids only the journal knows (a runbook edited since, or no snapshot). */
function union(planned: string[], recorded: string[]): string[] {
  return [...new Set([...planned, ...recorded])];
}

/** A check or smoke test without a recorded result: still going, in doubt, or never started. */
function unfinished(attempts: AttemptView[]): EntryResult {
  const last = attempts.at(-1);
  if (last?.status === 'running') return 'running';
  if (last?.status === 'in-doubt') return 'in-doubt';
  return 'not-run';
}

/**
 * A step failed when its state says so, or when its last command or
 * validation did not pass (a failed step that was rolled back or skipped
 * afterwards still failed: the report must not hide that).
 */
function stepFailed(step: StepView): boolean {
  if (step.state === 'failed') return true;
  const last = step.attempts.at(-1);
  return last !== undefined && (last.status === 'failed' || last.status === 'timed-out');
}

/** The output worth showing: the last execution when it failed (often the validation), else the command's own. */
function lastOutput(attempts: AttemptView[], failed: boolean): { outputTail: string[]; logPath: string | null } {
  const shown = failed ? attempts.at(-1) : (attempts.filter((a) => a.phase !== 'validate').at(-1) ?? attempts.at(-1));
  return { outputTail: shown?.tail ?? [], logPath: shown?.logPath ?? null };
}
