/**
 * How each engine event changes the task list: which line it belongs to and
 * what that line now says. An event the list cannot place is printed as a
 * plain line instead (never an error).
 */

import { carriedByText } from '../engine/approval-carry.js';
import { approversText, standingOf, stillAsked } from '../engine/approval-tally.js';
import type { EngineEvent, EventHandlers, EventOf } from '../engine/events.js';
import { formatDuration } from '../runbook/duration.js';
import { instanceKey } from '../runbook/instances.js';
import type { Plan } from '../runbook/plan.js';
import { restoreCheckText, rollbackSummary } from './rollback-text.js';
import { HostLines } from './task-list-hosts.js';
import type { TaskItem } from './task-list-model.js';
import type { TaskListScreen } from './task-list-screen.js';
import { TaskListState } from './task-list-state.js';

/** What the event handlers of one view share. */
export interface ViewState {
  readonly plan: Plan;
  /** Check and step ids an earlier run finished (resume). */
  readonly alreadyDone: ReadonlySet<string>;
  readonly screen: TaskListScreen;
  /** The run's items, once run.started named the mode. */
  items?: TaskListState;
  /** Why the rollback phase started, kept for its final title. */
  rollbackReason: string;
  /** The run was interrupted: lines left open ended that way. */
  interrupted: boolean;
}

/** Close everything still open: the run is over (or the engine stopped without saying so). */
export function endList(view: ViewState, s: TaskListState, note: string, time: number): void {
  const unfinished = view.interrupted ? 'interrupted' : 'no end recorded';
  s.closeForward(time, () => true, note, unfinished);
  s.closeRollback(time, unfinished);
  if (!s.rollbackOpened) s.layout.rollback?.opened.resolve(undefined);
  s.retitleGroupsNotRun();
  view.screen.endRun();
}

/** The handler of every event kind for one view. */
export function taskListHandlers(view: ViewState): EventHandlers<void> {
  const { screen } = view;
  const hosts = new HostLines(view.plan);
  // A hosted step's forward events go to its one line (hosts.ts); its rollback items are per `<step>@<host>`, folded into one line per rollout.
  const forwardOnHost = (e: { phase: string; target?: string }) => e.target !== undefined && (e.phase === 'step' || e.phase === 'validate');
  const plain = (e: EngineEvent) => screen.plain(e);

  /**
   * Apply `change` to the event's item, or print the event when the list has
   * no such item, or the item has ended already (unless that is expected: `quietWhenEnded`).
   */
  function withItem<E extends EngineEvent>(
    item: TaskItem | undefined,
    e: E,
    change: (item: TaskItem, s: TaskListState, at: number) => void,
    quietWhenEnded = false,
  ): void {
    const s = view.items;
    if (!item || !s) return plain(e);
    if (!item.open) return quietWhenEnded ? undefined : plain(e);
    const at = screen.at(e);
    change(item, s, at);
    screen.refresh(item);
    // A host's rollback item is shown by its rollout's one line.
    const folded = s.refold(item, at);
    if (folded) screen.refresh(folded);
  }

  return {
    'run.started': (e) => {
      plain(e);
      if (view.items) return;
      screen.expectedMs = e.expectedMs;
      const s = new TaskListState(view.plan, e.mode, view.alreadyDone);
      view.items = s;
      if (s.hasList) screen.show(s);
      else screen.noList();
      // Without a list (a dry run), nothing waits to print the summary: run.finished does.
    },
    'check.finished': (e) =>
      withItem(view.items?.byPhase('check', e.checkId), e, (item, s, t) => {
        s.reach(item, t);
        item.settle(e.passed ? 'passed' : 'failed', t, e.passed ? item.note : `failed${e.blocking ? '' : ' (non-blocking)'}: ${e.reason ?? 'failed'}`);
      }),
    decision: (e) => onDecision(view, e, withItem),
    'step.started': (e) => {
      if (forwardOnHost(e)) return void (view.items && hosts.started(view.items, e, screen.at(e)));
      withItem(view.items?.byPhase(e.phase, instanceKey(e.stepId, e.target)), e, (item, s, t) => {
        s.reach(item, t);
        const validating = e.phase === 'validate' || e.phase === 'rollback-validate';
        item.start(t, validating ? undefined : e.attempt, validating ? undefined : e.attempts);
        item.note = validating ? `validating${e.attempts > 1 ? ` (check ${e.attempt}/${e.attempts})` : ''}` : undefined;
      });
    },
    'step.spawned': () => undefined,
    'question.asked': () => undefined, // the prompt itself is on screen
    // The step or check says who it waits for; a run-wide request (an environment's) is a plain line.
    'approval.requested': (e) =>
      withItem(view.items?.step(e.pointId) ?? view.items?.byPhase('check', e.pointId), e, (item, s, t) => {
        s.reach(item, t);
        item.waitForApproval(t);
        const needed = e.minApprovals > 1 ? ` (${e.minApprovals} approvals)` : '';
        item.note = `waiting for ${approversText(stillAsked(e, standingOf(e, [])))} to approve${needed} — golive approve <run-id> ${e.pointId}`;
      }),
    approval: () => undefined,
    // The decision that follows settles the point; a run-wide one (an environment's) is a plain line.
    'approval.carried': (e) =>
      withItem(view.items?.step(e.pointId) ?? view.items?.byPhase('check', e.pointId), e, (item, s, t) => {
        s.reach(item, t);
        item.note = `approved by ${carriedByText(e)} (carried over)`;
      }),
    'step.output': (e) => {
      if (forwardOnHost(e)) return void (view.items && hosts.output(view.items, e));
      const item = view.items?.byPhase(e.phase, instanceKey(e.stepId, e.target));
      if (!item) return plain(e);
      item.addOutput(e.text);
      const folded = view.items?.refold(item, screen.at(e));
      if (folded && e.target !== undefined) folded.addOutput(`${e.target}: ${e.text}`);
    },
    'step.finished': (e) => {
      if (forwardOnHost(e)) return;
      withItem(view.items?.byPhase(e.phase, instanceKey(e.stepId, e.target)), e, (item, _s, t) => {
        const why = e.message ?? e.status;
        if (e.phase === 'rollback-verify') item.settle(e.status === 'passed' ? 'passed' : 'failed', t, e.status === 'passed' ? undefined : why);
        else if (e.status !== 'passed')
          item.note = `${e.phase.endsWith('validate') ? 'validation: ' : item.attempts > 1 ? `attempt ${e.attempt}: ` : ''}${why}`;
      });
    },
    'step.retrying': (e) => {
      if (forwardOnHost(e)) return;
      withItem(view.items?.byPhase(e.phase, e.stepId), e, (item) => {
        item.note = `${item.note ? `${item.note} — ` : ''}retrying in ${formatDuration(e.delayMs)}`;
      });
    },
    'wave.started': (e) => {
      if (view.items) hosts.waveStarted(view.items, e, screen.at(e));
      else plain(e);
    },
    'target.finished': (e) => {
      if (view.items) hosts.targetFinished(view.items, e, screen.at(e));
      else plain(e);
    },
    'step.state': (e) => {
      const rollbackState = e.state === 'rolled-back' || e.state === 'rollback-failed' || e.state === 'no-rollback';
      if (e.target !== undefined && !rollbackState) return void (view.items && hosts.state(view.items, e, screen.at(e)));
      // no-rollback repeats what rollback.started already showed: not worth a line.
      withItem(
        rollbackState ? view.items?.rollbackOf(instanceKey(e.stepId, e.target)) : view.items?.step(e.stepId),
        e,
        (item, s, t) => {
          if (!rollbackState) s.reach(item, t);
          switch (e.state) {
            case 'succeeded':
              // A confirmed step keeps "approved by …"; any other note (validating, an earlier attempt's failure) is over.
              if (e.reason !== 'confirmed') item.note = e.reason;
              return item.settle('passed', t);
            case 'failed':
              return item.fail(t, `failed: ${e.reason ?? 'failed'}`);
            case 'skipped':
              return item.settle('skipped', t, `skipped: ${e.reason ?? 'no reason given'}`);
            case 'in-doubt':
              return item.settle('failed', t, `in doubt: ${e.reason ?? 'its end is unknown'}`);
            case 'rolled-back':
              return item.settle('passed', t, 'rolled back');
            case 'rollback-failed':
              return item.settle('failed', t, `rollback failed: ${e.reason ?? 'failed'}`);
            case 'no-rollback':
              return item.settle('skipped', t, e.reason ?? 'no rollback defined');
          }
        },
        e.state === 'no-rollback',
      );
    },
    'verify.finished': (e) =>
      withItem(view.items?.smokeTest(e.verifyId), e, (item, s, t) => {
        s.reach(item, t);
        if (e.passed) {
          item.note = undefined;
          item.settle('passed', t);
        } else if (e.severity === 'minor') item.settle('failed', t, `failed (minor, recorded as an issue): ${e.reason ?? 'failed'}`);
        else item.fail(t, `failed (${e.severity}): ${e.reason ?? 'failed'}`);
      }),
    'rollback.started': (e) => {
      const s = view.items;
      const items = s?.openRollback(e.order, e.withoutRollback, screen.at(e));
      if (!s || !items) return plain(e);
      view.rollbackReason = e.reason;
      s.retitleGroupsNotRun();
      s.layout.rollback?.group.setTitle(`Rolling back — ${e.reason}`);
      s.layout.rollback?.opened.resolve(items);
    },
    'rollback.finished': (e) => {
      const s = view.items;
      if (!s?.rollbackOpened) return plain(e);
      s.closeRollback(screen.at(e), 'no end recorded');
      const summary = !e.complete
        ? `Rollback incomplete${e.failed.length ? ` (failed: ${e.failed.join(', ')})` : ''}`
        : e.unrestorable?.length
          ? rollbackSummary(e).replace(/^./, (c) => c.toUpperCase())
          : `Rolled back${restoreCheckText(e)}`;
      s.layout.rollback?.group.setTitle(`${summary} — ${view.rollbackReason}`);
    },
    'run.interrupted': (e) => {
      view.interrupted = true;
      plain(e);
    },
    'run.finished': (e) => {
      const s = view.items;
      if (!s || screen.finished) return plain(e);
      screen.finished = e;
      const ok = e.outcome === 'succeeded' || e.outcome === 'succeeded-with-issues';
      endList(view, s, ok ? 'not run' : `not run (${e.outcome})`, screen.at(e));
      if (!s.hasList) screen.printEnd();
    },
    warning: (e) => {
      const item = e.stepId ? view.items?.openItem(e.stepId) : undefined;
      item?.addOutput(`! ${e.message}`);
      plain(e);
    },
  };
}

/** `withItem` of the handlers: change an open item, or print the event. */
type WithItem = <E extends EngineEvent>(
  item: TaskItem | undefined,
  e: E,
  change: (item: TaskItem, s: TaskListState, at: number) => void,
  quietWhenEnded?: boolean,
) => void;

/** A decision shown on the line it is about: the checks' group, a confirmed item, failed steps, a smoke test, an in-doubt step. */
function onDecision(view: ViewState, e: EventOf<'decision'>, withItem: WithItem): void {
  const s = view.items;
  const t = view.screen.at(e);
  const by = e.via === 'prompt' ? ` by ${e.by}` : e.via === 'flag' ? ' (command line)' : '';
  if (!s) return view.screen.plain(e);
  switch (e.subject) {
    case 'go-no-go':
      if (!s.layout.checks) return view.screen.plain(e);
      return s.layout.checks.group.setTitle(`Pre-deployment checks: ${e.choice}`);
    case 'confirm':
      return withItem(
        e.subjectId ? s.confirmed(e.subjectId) : undefined,
        e,
        (item) => {
          item.note = e.choice === 'approved' || e.choice === 'declined' ? `${e.choice}${by}` : `${e.choice}: ${e.reason ?? ''}`;
        },
        true,
      );
    case 'guided-failure': {
      // A parallel group's failed members are decided together (the engine retries or leaves them all).
      // subjectId names every failed member ("web,api").
      const awaiting = s.forward.filter((i) => i.awaitingDecision);
      const named = (e.subjectId ?? '')
        .split(',')
        .map((id) => s.step(id))
        .filter((i) => i !== undefined);
      if (named.length === 0 && awaiting.length === 0) return view.screen.plain(e);
      // After "skip" the steps already ended as skipped: nothing left to show.
      const targets = awaiting.length > 0 ? awaiting : named.filter((i) => i.open);
      const what: Record<string, string> = { retry: 'retrying', continue: 'continuing anyway', abort: 'run aborted', rollback: 'rolling back' };
      for (const target of targets) {
        if (e.choice === 'retry') {
          target.awaitingDecision = false;
          target.note = `${target.note ?? 'failed'} — retrying${by}`;
        } else target.settle('failed', t, `${target.note ?? 'failed'} — ${what[e.choice] ?? e.choice}${by}`);
        view.screen.refresh(target);
      }
      return;
    }
    case 'smoke-test':
      return withItem(
        e.subjectId ? s.smokeTest(e.subjectId) : undefined,
        e,
        (item) => {
          item.settle(
            'failed',
            t,
            `${item.note ?? 'failed'} — ${e.choice === 'accept' ? 'accepted as an issue' : e.choice === 'rollback' ? 'rolling back' : e.choice}${by}`,
          );
        },
        true,
      );
    case 'in-doubt':
      return withItem(
        e.subjectId ? s.step(e.subjectId) : undefined,
        e,
        (item) => {
          if (e.choice === 'stop') item.settle('failed', t, `in doubt, stopped: ${e.reason ?? ''}`);
          else item.note = e.choice === 'done' ? 'in doubt: its validation passed' : `in doubt: running it again${by}`;
        },
        true,
      );
    default:
      return view.screen.plain(e);
  }
}
