/**
 * One run's recorded events folded into the shape the read-side commands
 * display (the summary row of `golive history` is in run-summary.ts): every step with its
 * attempts, output tails and rollback, the checklist, the smoke tests, the
 * decisions and the issues (`golive show`; later `status` and `report`).
 *
 * Built from the events, not the derived attempt rows: the events are the
 * truth (a re-run attempt overwrites its row but not its events), and a pure
 * fold over them is testable with fabricated records. Nothing here decides
 * anything about the deployment; it only says what was recorded.
 */

import type { AttemptStatus, EngineEvent, EventOf, Phase, RunMode } from '../engine/events.js';
import { foldRunChain, type StepStanding } from '../engine/run-state.js';
import type { DecisionRecord, RunRecord, RunStatus } from '../journal/types.js';
import { instanceKey } from '../runbook/instances.js';
import type { Severity } from '../runbook/types.js';
import { type ApprovalView, approvalsOf, waitingText } from './approvals.js';
import { type RunSummary, runSummary } from './run-summary.js';

/** How many lines of a command's output `show` keeps (the full output is in its log file). */
export const TAIL_LINES = 10;

/** One execution of a command. 'running' / 'in-doubt': started, no end recorded (live / process gone). */
export interface AttemptView {
  phase: Phase;
  stepId: string;
  attempt: number;
  status: AttemptStatus | 'running' | 'in-doubt';
  exitCode: number | null;
  signal: string | null;
  durationMs: number | null;
  expectedMs: number | null;
  logPath: string | null;
  /** The last `TAIL_LINES` lines of output (masked, as recorded). */
  tail: string[];
  /** Why it failed, as the engine put it ("exited with status 1"). */
  message: string | null;
  title: string | null;
  owner: string | null;
}

/** A step's rollback in this run: its commands and how it ended. */
export interface StepRollbackView {
  result: 'rolled-back' | 'rollback-failed' | 'running' | 'in-doubt';
  attempts: AttemptView[];
}

/** A step of the plan, in plan order. */
export interface StepView {
  id: string;
  title: string | null;
  owner: string | null;
  /** 'pending': never started in this chain; 'running': started, live run. */
  state: StepStanding | 'pending';
  stateReason: string | null;
  /** The state was left by an earlier run of the chain; this run did not touch the step. */
  inherited: boolean;
  /** The step's own command and its validation ('step' and 'validate' phases). */
  attempts: AttemptView[];
  rollback: StepRollbackView | null;
}

/** A pre-deployment check (command or confirmation). */
export interface CheckView {
  id: string;
  title: string | null;
  passed: boolean | null;
  blocking: boolean | null;
  reason: string | null;
  attempts: AttemptView[];
}

/** A post-deployment smoke test. */
export interface VerifyView {
  id: string;
  title: string | null;
  severity: Severity | null;
  passed: boolean | null;
  reason: string | null;
  attempts: AttemptView[];
}

/** The rollback this run performed, in the order it ran. */
export interface RollbackView {
  reason: string;
  order: string[];
  withoutRollback: string[];
  /** Null while no `rollback.finished` is recorded (still running, or the process died). */
  complete: boolean | null;
  failed: string[];
  verified: boolean | null;
  /** The `rollback.verify` commands. */
  verifyAttempts: AttemptView[];
}

/** A recorded decision, as the journal's decisions table holds it (less its run id and event seq). */
export type DecisionView = Omit<DecisionRecord, 'seq' | 'runId'>;

/** A run of the same chain (the first run and its resumes and rollbacks). */
export interface ChainLink {
  id: string;
  mode: RunMode;
  status: RunStatus;
  parentRunId: string | null;
  startedAt: string;
}

/** Everything `golive show` reports about one run. */
export interface RunView {
  run: RunSummary;
  snapshot: { path: string; sha256: string; gitCommit: string | null };
  /** The run's last heartbeat: when a run with no end was last known alive. */
  lastHeartbeatAt: string;
  /** Sum of expected step durations, from `run.started`. */
  expectedMs: number | null;
  steps: StepView[];
  checks: CheckView[];
  verify: VerifyView[];
  rollback: RollbackView | null;
  decisions: DecisionView[];
  /** Every answer to an approval request, accepted or refused. */
  approvals: ApprovalView[];
  /** What a live run waits for named people to approve; null when it waits for no approval. */
  waitingFor: string | null;
  issues: string[];
  warnings: string[];
  interruption: { signal: string; forced: boolean } | null;
  chain: ChainLink[];
}

/** What `buildRunView` folds. */
export interface RunViewInput {
  run: RunRecord;
  status: RunStatus;
  /** This run's events, in recorded order. */
  events: EngineEvent[];
  /** Events of the chain's runs before this one: the state a resume or rollback started from. */
  priorEvents?: EngineEvent[];
  chain?: ChainLink[];
}

/** Fold one run's events into its view. */
export function buildRunView(input: RunViewInput): RunView {
  const { run, status, events } = input;
  const live = status === 'running';
  const attempts = foldAttempts(events, live);
  const started = events.find((e): e is EventOf<'run.started'> => e.kind === 'run.started');
  const finished = events[lastIndexWhere(events, (e) => e.kind === 'run.finished')] as EventOf<'run.finished'> | undefined;
  return {
    run: runSummary(run, status),
    snapshot: { path: run.runbookPath, sha256: run.runbookSha256, gitCommit: run.gitCommit },
    lastHeartbeatAt: run.heartbeatAt,
    expectedMs: started?.expectedMs ?? null,
    steps: foldSteps(events, attempts, started?.steps ?? [], input.priorEvents ?? [], live),
    checks: foldChecks(events, attempts),
    verify: foldVerify(events, attempts),
    rollback: foldRollback(events, attempts),
    decisions: events
      .filter((e): e is EventOf<'decision'> => e.kind === 'decision')
      .map((e) => ({
        subject: e.subject,
        subjectId: e.subjectId ?? null,
        choice: e.choice,
        reason: e.reason ?? null,
        by: e.by,
        via: e.via,
        at: e.at,
      })),
    approvals: approvalsOf(events),
    waitingFor: live ? waitingText(events) : null,
    issues: finished?.issues ?? [],
    warnings: events.filter((e): e is EventOf<'warning'> => e.kind === 'warning').map((e) => (e.stepId ? `${e.stepId}: ${e.message}` : e.message)),
    interruption: interruptionOf(events),
    chain: input.chain ?? [],
  };
}

/**
 * The last `lines` lines of a command's output from its recorded head and
 * tail. `head + tail` is the whole output only when together they cover
 * `outputBytes`; otherwise bytes were dropped between them and the tail's
 * first line is a fragment, so it is marked with `…`.
 */
export function outputTail(head: string, tail: string, outputBytes: number, lines = TAIL_LINES): string[] {
  const contiguous = tail === '' || Buffer.byteLength(head) + Buffer.byteLength(tail) >= outputBytes;
  const text = contiguous ? head + tail : `…${tail}`;
  if (text === '') return [];
  // A progress bar redraws its line with \r; the last redraw is what the operator saw.
  const all = text
    .replace(/\r\n/g, '\n')
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => line.slice(line.lastIndexOf('\r') + 1));
  return all.slice(-lines);
}

/**
 * Every attempt of the run by step, check or test id, each list in the order
 * they started, so a retried step reads attempt 1, its validation polls,
 * attempt 2, its polls (validation polls restart at 1 on each retry). By id,
 * so finding one step's attempts costs what that step holds, not the run.
 */
type AttemptIndex = Map<string, AttemptView[]>;

const key = (phase: string, id: string) => `${phase}\u0000${id}`;

function foldAttempts(events: EngineEvent[], live: boolean): AttemptIndex {
  const index: AttemptIndex = new Map();
  // Attempts started and not yet finished, so a finish lands on its own start even if an attempt number repeats.
  const open = new Map<string, AttemptView>();
  const add = (view: AttemptView) => {
    const list = index.get(view.stepId);
    if (list) list.push(view);
    else index.set(view.stepId, [view]);
  };
  for (const e of events) {
    if (e.kind === 'step.started') {
      const view: AttemptView = {
        phase: e.phase,
        stepId: instanceKey(e.stepId, e.target),
        attempt: e.attempt,
        status: live ? 'running' : 'in-doubt',
        exitCode: null,
        signal: null,
        durationMs: null,
        expectedMs: e.expectedMs ?? null,
        logPath: null,
        tail: [],
        message: null,
        title: e.title,
        owner: e.owner ?? null,
      };
      add(view);
      open.set(`${key(e.phase, instanceKey(e.stepId, e.target))}\u0000${e.attempt}`, view);
    } else if (e.kind === 'step.finished') {
      const openKey = `${key(e.phase, instanceKey(e.stepId, e.target))}\u0000${e.attempt}`;
      let view = open.get(openKey);
      open.delete(openKey);
      // A finish without a start ('not-started') still counts as an attempt.
      if (view === undefined) {
        view = {
          phase: e.phase,
          stepId: instanceKey(e.stepId, e.target),
          attempt: e.attempt,
          status: e.status,
          exitCode: null,
          signal: null,
          durationMs: null,
          expectedMs: null,
          logPath: null,
          tail: [],
          message: null,
          title: null,
          owner: null,
        };
        add(view);
      }
      Object.assign(view, {
        status: e.status,
        exitCode: e.exitCode,
        signal: e.signal,
        durationMs: Math.round(e.durationMs),
        expectedMs: e.expectedMs ?? view.expectedMs,
        logPath: e.logPath ?? null,
        tail: outputTail(e.head, e.tail, e.outputBytes),
        message: e.message ?? null,
      });
    }
  }
  return index;
}

const attemptsFor = (index: AttemptIndex, phases: Phase[], id: string) => (index.get(id) ?? []).filter((a) => phases.includes(a.phase));

/** Index of the last element matching `test`, or -1 (Array#findLastIndex is ES2023). */
function lastIndexWhere<T>(list: T[], test: (item: T) => boolean): number {
  for (let i = list.length - 1; i >= 0; i--) if (test(list[i])) return i;
  return -1;
}

function foldSteps(events: EngineEvent[], index: AttemptIndex, planned: string[], prior: EngineEvent[], live: boolean): StepView[] {
  const ids = new Set(planned);
  for (const e of events) if (e.kind === 'step.started' && (e.phase === 'step' || e.phase === 'rollback')) ids.add(instanceKey(e.stepId, e.target));
  // Where each step stands is the chain's fold: the runs before this one, then this one (the last, so `live` is about it).
  const chain = foldRunChain(prior.length ? [...prior, ...events] : events, { live });
  return [...ids].map((id) => {
    const own = attemptsFor(index, ['step', 'validate'], id);
    const rollbackAttempts = attemptsFor(index, ['rollback', 'rollback-validate'], id);
    const step = chain.steps.get(id);
    // Left by an earlier run of the chain: this run neither started the step nor recorded a state for it.
    const inherited = step !== undefined && chain.lastRunOf[id] < chain.runs;
    const first = [...own, ...rollbackAttempts][0];
    const view: StepView = {
      id,
      title: first?.title?.replace(/^Roll back: /, '') ?? null,
      owner: first?.owner ?? null,
      state: step?.state ?? 'pending',
      stateReason: inherited ? null : (step?.reason ?? null),
      inherited,
      attempts: own,
      rollback: null,
    };
    if (rollbackAttempts.length) view.rollback = { result: rollbackResult(inherited ? undefined : step?.state, rollbackAttempts), attempts: rollbackAttempts };
    return view;
  });
}

function rollbackResult(state: StepView['state'] | undefined, attempts: AttemptView[]): StepRollbackView['result'] {
  const last = attempts.at(-1)!;
  if (last.status === 'running' || last.status === 'in-doubt') return last.status;
  if (state === 'rolled-back' || state === 'rollback-failed') return state;
  return last.status === 'passed' ? 'rolled-back' : 'rollback-failed';
}

function foldChecks(events: EngineEvent[], index: AttemptIndex): CheckView[] {
  const checks = new Map<string, CheckView>();
  const get = (id: string): CheckView => {
    let check = checks.get(id);
    if (!check) {
      check = { id, title: null, passed: null, blocking: null, reason: null, attempts: attemptsFor(index, ['check'], id) };
      checks.set(id, check);
    }
    return check;
  };
  for (const e of events) {
    if (e.kind === 'step.started' && e.phase === 'check') get(e.stepId).title ??= e.title;
    if (e.kind === 'check.finished') Object.assign(get(e.checkId), { passed: e.passed, blocking: e.blocking, reason: e.reason ?? null });
  }
  return [...checks.values()];
}

function foldVerify(events: EngineEvent[], index: AttemptIndex): VerifyView[] {
  const tests = new Map<string, VerifyView>();
  const get = (id: string): VerifyView => {
    let test = tests.get(id);
    if (!test) {
      test = { id, title: null, severity: null, passed: null, reason: null, attempts: attemptsFor(index, ['verify'], id) };
      tests.set(id, test);
    }
    return test;
  };
  for (const e of events) {
    if (e.kind === 'step.started' && e.phase === 'verify') get(e.stepId).title ??= e.title;
    if (e.kind === 'verify.finished') Object.assign(get(e.verifyId), { severity: e.severity, passed: e.passed, reason: e.reason ?? null });
  }
  return [...tests.values()];
}

function foldRollback(events: EngineEvent[], index: AttemptIndex): RollbackView | null {
  // A rehearsal rolls back once; should a run ever hold several, the last one is what the system was left in.
  const startAt = lastIndexWhere(events, (e) => e.kind === 'rollback.started');
  if (startAt < 0) return null;
  const started = events[startAt] as EventOf<'rollback.started'>;
  const finished = events.slice(startAt).find((e): e is EventOf<'rollback.finished'> => e.kind === 'rollback.finished');
  const verifyIds = new Set<string>();
  for (const e of events.slice(startAt)) if (e.kind === 'step.started' && e.phase === 'rollback-verify') verifyIds.add(e.stepId);
  return {
    reason: started.reason,
    order: started.order,
    withoutRollback: finished?.withoutRollback ?? started.withoutRollback,
    complete: finished?.complete ?? null,
    failed: finished?.failed ?? [],
    verified: finished?.verified ?? null,
    verifyAttempts: [...verifyIds].flatMap((id) => attemptsFor(index, ['rollback-verify'], id)),
  };
}

function interruptionOf(events: EngineEvent[]): RunView['interruption'] {
  const e = events[lastIndexWhere(events, (x) => x.kind === 'run.interrupted')] as EventOf<'run.interrupted'> | undefined;
  return e ? { signal: e.signal, forced: e.forced } : null;
}
