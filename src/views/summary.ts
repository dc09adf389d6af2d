/**
 * The deployment summary report (`golive report`): one run as the planning
 * guides ask it to be documented — who, what, where and when; the go/no-go
 * decision; a timeline of every check, step and smoke test with expected
 * and actual times; the issues; the rollback actions; the decisions; the
 * run's chain and the audit trail's integrity.
 *
 * This file builds the model; `summary-md.ts`, `summary-html.ts` and
 * `summary-junit.ts` format it, and `--format json` is the model itself.
 * Pure: it folds what `buildRunView` and the events say and decides nothing
 * (the go/no-go and every outcome are read from the journal, never judged).
 */

import type { EngineEvent } from '../engine/events.js';
import type { ChainReport } from '../journal/types.js';
import { personOf } from './identity.js';
import type { AttemptView, RunView } from './run-view.js';
import {
  type Owner,
  REPORT_FORMAT_VERSION,
  type ReportIssues,
  type RestoreCheck,
  type RollbackAction,
  type RollbackReport,
  type SummaryPlan,
  type SummaryReport,
  type TimelineEntry,
} from './summary-model.js';
import { itemSpans, spanKey, timelineEntries } from './summary-timeline.js';
import { stepTimings } from './timings.js';

/** The model's types, so callers need one import: the builder and the shape it builds. */
export * from './summary-model.js';

/** What `buildSummary` folds. */
export interface SummaryInput {
  /** The run as `golive show` sees it (built with the chain's prior events and links). */
  view: RunView;
  /** This run's events, in recorded order (for times: the view keeps durations, not instants). */
  events: EngineEvent[];
  /** From the run's own runbook snapshot; null when it cannot be loaded (the report still works from the events). */
  plan: SummaryPlan | null;
  /** What `Journal.verifyRuns` found in the run's chain of runs. */
  audit: ChainReport;
  /** When the report is made (ISO 8601); an input so reports are reproducible in tests. */
  generatedAt: string;
  /** The version live in the environment before this deployment, from the journal (null: unknown). */
  previousVersion?: string | null;
}

/** Build the report model of one run. */
export function buildSummary(input: SummaryInput): SummaryReport {
  const { view, events, plan } = input;
  const run = view.run;
  const ownerOf = (role: string | null | undefined): Owner | null => (role ? { role, name: plan?.team[role] ?? null } : null);
  const timeline = timelineEntries(view, events, plan, ownerOf);
  const goNoGo = view.decisions.filter((d) => d.subject === 'go-no-go').at(-1);
  const window = plan?.window ?? null;
  const started = Date.parse(run.startedAt);
  return {
    format: REPORT_FORMAT_VERSION,
    generatedAt: input.generatedAt,
    run: {
      id: run.id,
      runbook: run.runbook,
      version: run.version,
      previousVersion: input.previousVersion ?? null,
      description: plan?.description ?? null,
      change: run.changeId,
      environment: run.environment,
      mode: run.mode,
      operator: run.operator,
      host: run.host,
      status: run.status,
      outcome: run.outcome,
      exitCode: run.exitCode,
      startedAt: run.startedAt,
      endedAt: run.endedAt,
      durationMs: run.durationMs,
      expectedMs: view.expectedMs,
      runbookPath: view.snapshot.path,
      runbookSha256: view.snapshot.sha256,
      gitCommit: view.snapshot.gitCommit,
      parentRunId: run.parentRunId,
      rootRunId: run.rootRunId,
      identity: run.identity,
      person: personOf(run.identity, plan?.people ?? {}),
    },
    window: window && {
      ...window,
      startedInside: started >= Date.parse(window.start) && started <= Date.parse(window.end),
      enforced: plan?.protectedEnvironment === true,
    },
    goNoGo: goNoGo
      ? {
          decision: goNoGo.choice,
          reason: goNoGo.reason,
          failedChecks: timeline.filter((e) => e.phase === 'check' && e.result === 'failed').map((e) => e.id),
          by: goNoGo.by,
          via: goNoGo.via,
          at: goNoGo.at,
        }
      : null,
    interruption: view.interruption,
    timeline,
    issues: issuesOf(view, timeline),
    rollback: rollbackOf(view, events, plan, ownerOf),
    decisions: view.decisions,
    approvals: view.approvals,
    chain: view.chain.map((link) => ({
      ...link,
      relation: link.id === run.id ? 'this' : link.id === run.parentRunId ? 'parent' : link.parentRunId === run.id ? 'child' : 'chain',
    })),
    audit: {
      ok: input.audit.ok,
      checked: input.audit.checked,
      firstBad: input.audit.firstBad ?? null,
      ...(input.audit.scope ? { scope: input.audit.scope } : {}),
    },
  };
}

/** The report as `--format json`: the model, two-space indented, keys in model order. */
export function summaryAsJson(report: SummaryReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

function issuesOf(view: RunView, timeline: TimelineEntry[]): ReportIssues {
  return {
    recorded: view.issues,
    retries: timeline.filter((e) => e.attempts > 1).map((e) => ({ phase: e.phase, id: e.id, attempts: e.attempts, result: e.result })),
    inDoubt: timeline
      .filter((e) => !e.inherited && (e.result === 'in-doubt' || e.result === 'running'))
      .map((e) => ({ phase: e.phase, id: e.id, result: e.result })),
    failedSteps: timeline.filter((e) => e.phase === 'step' && e.failed).map((e) => ({ id: e.id, reason: e.reason, result: e.result })),
    skipped: timeline.filter((e) => e.result === 'skipped').map((e) => ({ id: e.id, reason: e.reason })),
    failedSmokeTests: timeline.filter((e) => e.phase === 'verify' && e.result === 'failed').map((e) => ({ id: e.id, severity: e.severity, reason: e.reason })),
    warnings: view.warnings,
  };
}

function rollbackOf(view: RunView, events: EngineEvent[], plan: SummaryPlan | null, ownerOf: (role: string | null) => Owner | null): RollbackReport | null {
  const rb = view.rollback;
  if (!rb) return null;
  const spans = itemSpans(events);
  const timings = stepTimings(events);
  // By id: one look-up per rolled-back step, not a scan of every step.
  const steps = new Map(view.steps.map((s) => [s.id, s]));
  const planned = new Map(plan?.steps.map((s) => [s.id, s]));
  const actions = rb.order.map((id): RollbackAction => {
    const step = steps.get(id);
    const attempts = step?.rollback?.attempts ?? [];
    const commands = attempts.filter((a) => a.phase === 'rollback');
    const span = spans.get(spanKey('rollback', id));
    const last = attempts.at(-1);
    return {
      stepId: id,
      title: planned.get(id)?.title ?? step?.title ?? null,
      owner: ownerOf(step?.owner ?? planned.get(id)?.owner ?? null),
      result: step?.rollback?.result ?? 'not-run',
      startedAt: span?.startedAt ?? null,
      endedAt: span?.endedAt ?? null,
      // The same measure as `golive rehearse`: from the rollback's start to the step's rolled-back state.
      durationMs: timings.get(id)?.rollbackMs ?? span?.ms ?? null,
      attempts: commands.length,
      reason: last && last.status !== 'passed' ? last.message : null,
      outputTail: last?.tail ?? [],
      logPath: last?.logPath ?? null,
    };
  });
  return {
    reason: rb.reason,
    order: rb.order,
    actions,
    withoutRollback: rb.withoutRollback,
    complete: rb.complete,
    failed: rb.failed,
    verified: rb.verified,
    verify: restoreChecks(rb.verifyAttempts, spans, plan),
  };
}

function restoreChecks(attempts: AttemptView[], spans: ReturnType<typeof itemSpans>, plan: SummaryPlan | null): RestoreCheck[] {
  const ids = [...new Set(attempts.map((a) => a.stepId))];
  return ids.map((id) => {
    const own = attempts.filter((a) => a.stepId === id);
    const last = own.at(-1)!;
    const span = spans.get(spanKey('rollback-verify', id));
    return {
      id,
      title: plan?.rollbackVerify.find((v) => v.id === id)?.title ?? last.title,
      result: last.status,
      startedAt: span?.startedAt ?? null,
      endedAt: span?.endedAt ?? null,
      durationMs: span?.ms ?? last.durationMs,
      attempts: own.length,
      reason: last.status === 'passed' ? null : last.message,
      outputTail: last.tail,
    };
  });
}
