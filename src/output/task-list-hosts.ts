/**
 * Hosts on the task list: an `on:` step or a rollout stays one line however
 * many hosts it runs on (the list must fit the screen), and that line's note
 * is the compact progress: "wave 2/3 · 3/5 hosts done, 1 failed
 * (web3: health)". In the rollback phase they fold the same way (task-list-rollback.ts).
 */
import type { EventOf } from '../engine/events.js';
import type { Plan } from '../runbook/plan.js';
import type { TaskItem } from './task-list-model.js';
import type { TaskListState } from './task-list-state.js';

/** What one line has seen of its hosts. */
interface Progress {
  hosts: number;
  waves: number;
  wave: number;
  done: number;
  failed: string[];
}

/** The hosted steps' lines of one run. */
export class HostLines {
  /** The line a hosted step's events go to: its rollout, or the step itself. */
  private readonly lineOf = new Map<string, string>();
  private readonly progress = new Map<string, Progress>();

  constructor(plan: Plan) {
    for (const stage of plan.stages) {
      if (stage.kind === 'rollout') {
        const hosts = stage.rollout.waves.reduce((sum, wave) => sum + wave.length, 0);
        for (const step of stage.rollout.steps) this.lineOf.set(step.id, stage.id);
        this.progress.set(stage.id, { hosts, waves: stage.rollout.waves.length, wave: 0, done: 0, failed: [] });
      }
      const steps = stage.kind === 'step' ? [stage.step] : stage.kind === 'parallel' ? stage.members : [];
      for (const step of steps)
        if (step.on !== undefined) {
          this.lineOf.set(step.id, step.id);
          this.progress.set(step.id, { hosts: plan.targets[step.on]?.length ?? 0, waves: 0, wave: 0, done: 0, failed: [] });
        }
    }
  }

  /** A command started on a host: its line is running. */
  started(s: TaskListState, e: EventOf<'step.started'>, at: number): TaskItem | undefined {
    const item = this.item(s, e.stepId);
    if (item?.status === 'waiting') {
      s.reach(item, at);
      item.start(at);
    }
    return item;
  }

  /** A host's output goes under the line, prefixed with the host. */
  output(s: TaskListState, e: EventOf<'step.output'>): void {
    this.item(s, e.stepId)?.addOutput(`${e.target}: ${e.text}`);
  }

  /** The state of an `on:` step on one host; a rollout counts hosts by `target.finished` instead. */
  state(s: TaskListState, e: EventOf<'step.state'>, at: number): void {
    const line = this.lineOf.get(e.stepId);
    const progress = line === undefined ? undefined : this.progress.get(line);
    const item = line === undefined ? undefined : s.step(line);
    if (!progress || !item?.open || progress.waves > 0) return;
    if (e.state === 'succeeded' || e.state === 'skipped') progress.done++;
    else if (e.state === 'failed' || e.state === 'in-doubt') progress.failed.push(`${e.target}: ${e.reason ?? e.state}`);
    else return;
    this.settleWhenAllEnded(item, progress, at);
  }

  /** A rollout's wave started. */
  waveStarted(s: TaskListState, e: EventOf<'wave.started'>, at: number): void {
    const item = s.step(e.rollout);
    const progress = this.progress.get(e.rollout);
    if (!item || !progress) return;
    if (item.status === 'waiting') {
      s.reach(item, at);
      item.start(at);
    }
    progress.wave = e.wave;
    item.note = this.line(progress);
  }

  /** A rollout's host ended. */
  targetFinished(s: TaskListState, e: EventOf<'target.finished'>, at: number): void {
    const item = s.step(e.rollout);
    const progress = this.progress.get(e.rollout);
    if (!item?.open || !progress) return;
    if (e.outcome === 'succeeded') progress.done++;
    else progress.failed.push(`${e.target}: ${e.failedStep ?? e.outcome}`);
    this.settleWhenAllEnded(item, progress, at);
  }

  private settleWhenAllEnded(item: TaskItem, progress: Progress, at: number): void {
    item.note = this.line(progress);
    if (progress.done + progress.failed.length < progress.hosts) return;
    // Every host ended: failures within max_failures were rolled back on their own and the rollout went on.
    if (progress.failed.length === 0 || progress.waves > 0) item.settle('passed', at, item.note);
    else item.fail(at, item.note);
  }

  /** The compact progress line. */
  private line(progress: Progress): string {
    const wave = progress.waves > 0 ? `wave ${progress.wave}/${progress.waves} · ` : '';
    const shown = progress.failed.slice(0, 3).join(', ') + (progress.failed.length > 3 ? ', …' : '');
    const failed = progress.failed.length > 0 ? `, ${progress.failed.length} failed (${shown})` : '';
    return `${wave}${progress.done}/${progress.hosts} hosts done${failed}`;
  }

  private item(s: TaskListState, stepId: string): TaskItem | undefined {
    const line = this.lineOf.get(stepId);
    return line === undefined ? undefined : s.step(line);
  }
}
