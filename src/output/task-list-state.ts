/**
 * The task list's items for one run, built from the plan when `run.started`
 * names the mode, and the bookkeeping events need: finding an item, closing
 * what the engine has moved past, opening the rollback phase, choosing where
 * a question is drawn. It only follows the engine's order; it never decides
 * anything about the run.
 */
import type { Phase, RunMode } from '../engine/events.js';
import { planInstances } from '../runbook/instances.js';
import { type Plan, type PlannedStep, stageExpectedMs } from '../runbook/plan.js';
import { closedRollback, GroupLine, type ListLayout, type StageLine } from './task-list-listr.js';
import { type ItemSpec, TaskItem } from './task-list-model.js';
import { NO_ROLLBACK, RollbackFold } from './task-list-rollback.js';

/** The note of an item whose question is on screen. */
export const WAITING_FOR_ANSWER = 'waiting for an answer';

/** Modes whose runs go forward (checks, steps, smoke tests) and may roll back. */
const FORWARD: ReadonlySet<RunMode> = new Set(['run', 'rehearsal', 'resume']);

/** The items of one run and the layout that shows them. */
export class TaskListState {
  readonly layout: ListLayout = {};
  /** Checks, steps and smoke tests in the engine's order. */
  readonly forward: TaskItem[] = [];
  private readonly checks = new Map<string, TaskItem>();
  private readonly steps = new Map<string, TaskItem>();
  private readonly verify = new Map<string, TaskItem>();
  private readonly rollback = new Map<string, TaskItem>();
  private readonly rollbackVerify = new Map<string, TaskItem>();
  /** Hosted steps' rollback lines, one per rollout or `on:` step, and the per-host item each one folds. */
  private readonly folds: RollbackFold[] = [];
  private readonly foldOf = new Map<TaskItem, RollbackFold>();
  /** The furthest forward stage the engine has reached. */
  private cursor = -1;
  /** Every forward item before this index has settled: `reach` looks from here (forward items are in stage order). */
  private settledBefore = 0;
  /** The rollback phase has been opened (rollback.started arrived). */
  rollbackOpened = false;

  constructor(
    private readonly plan: Plan,
    readonly mode: RunMode,
    alreadyDone: ReadonlySet<string>,
  ) {
    const owner = (o?: { role: string }) => o?.role;
    let stage = 0;
    const make = (map: Map<string, TaskItem>, spec: Omit<ItemSpec, 'stage'>, at: number) => {
      const item = new TaskItem({ ...spec, stage: at });
      map.set(spec.id, item);
      this.forward.push(item);
      if (alreadyDone.has(spec.id)) item.settle('skipped', undefined, 'already done (earlier run)');
      return item;
    };
    if ((FORWARD.has(mode) || mode === 'check') && plan.checks.length > 0) {
      const items = plan.checks.map((c) =>
        make(this.checks, { section: 'checks', id: c.id, title: c.title, owner: owner(c.owner), manual: !c.command }, stage++),
      );
      this.layout.checks = { group: new GroupLine('Pre-deployment checks'), items };
    }
    if (!FORWARD.has(mode)) {
      if (mode === 'rollback') this.layout.rollback = closedRollback();
      return;
    }
    const stepSpec = (s: PlannedStep): Omit<ItemSpec, 'stage'> => ({
      section: 'steps',
      id: s.id,
      title: s.title,
      owner: owner(s.owner),
      expectedMs: s.expectedMs,
      manual: !s.command,
    });
    const stages: StageLine[] = plan.stages.map((st) => {
      const at = stage++;
      if (st.kind === 'step') return { kind: 'step', item: make(this.steps, stepSpec(st.step), at) };
      // A rollout is one line however many hosts it has: its progress is the line's note (wave, hosts done, failures).
      if (st.kind === 'rollout') {
        const hosts = st.rollout.waves.reduce((sum, wave) => sum + wave.length, 0);
        const item = make(this.steps, { section: 'steps', id: st.id, title: st.title, expectedMs: stageExpectedMs(st) || undefined, manual: false }, at);
        if (item.open) item.note = `${hosts} hosts on ${st.rollout.group}, ${st.rollout.waves.length} waves`;
        return { kind: 'step', item };
      }
      return {
        kind: 'parallel',
        group: new GroupLine(`${st.id}${st.title !== st.id ? ` — ${st.title}` : ''} (in parallel)`),
        items: st.members.map((m) => make(this.steps, stepSpec(m), at)),
      };
    });
    if (stages.length > 0) this.layout.steps = { group: new GroupLine('Deployment steps'), stages };
    if (plan.verify.length > 0) {
      const items = plan.verify.map((v) => make(this.verify, { section: 'verify', id: v.id, title: v.title, owner: owner(v.owner), manual: false }, stage++));
      this.layout.verify = { group: new GroupLine('Smoke tests'), items };
    }
    this.layout.rollback = closedRollback();
  }

  /** True when the layout has anything to draw as a list. */
  get hasList(): boolean {
    return Object.values(this.layout).some((part) => part !== undefined);
  }

  /** The item an execution of `phase` belongs to. */
  byPhase(phase: Phase, id: string): TaskItem | undefined {
    switch (phase) {
      case 'check':
        return this.checks.get(id);
      case 'step':
      case 'validate':
        return this.steps.get(id);
      case 'verify':
        return this.verify.get(id);
      case 'rollback':
      case 'rollback-validate':
        return this.rollback.get(id);
      case 'rollback-verify':
        return this.rollbackVerify.get(id);
    }
  }

  /** A step's forward item. */
  step(id: string): TaskItem | undefined {
    return this.steps.get(id);
  }

  /** The rollback line of a step. */
  rollbackOf(id: string): TaskItem | undefined {
    return this.rollback.get(id);
  }

  /** A smoke test's item. */
  smokeTest(id: string): TaskItem | undefined {
    return this.verify.get(id);
  }

  /** The item a confirmation decision is about: the open check, else the step. */
  confirmed(id: string): TaskItem | undefined {
    const check = this.checks.get(id);
    return check?.open ? check : (this.steps.get(id) ?? check);
  }

  /** Any open item with this id (for warnings about a step). */
  openItem(id: string): TaskItem | undefined {
    return [this.rollback, this.steps, this.checks, this.verify, this.rollbackVerify].map((m) => m.get(id)).find((i) => i?.open);
  }

  /**
   * The engine reached `item`: everything before its stage that is still
   * open was passed over. On resume that means done in an earlier run;
   * otherwise it did not run (or its end was never told).
   */
  reach(item: TaskItem, at: number): void {
    if (item.spec.section === 'rollback') return;
    this.cursor = Math.max(this.cursor, item.spec.stage);
    const notRun = this.mode === 'resume' ? 'already done (earlier run)' : 'not run';
    const { forward } = this;
    for (let i = this.settledBefore; i < forward.length && forward[i].spec.stage < item.spec.stage; i++) closeItem(forward[i], at, notRun, 'no end recorded');
    while (this.settledBefore < forward.length && !forward[this.settledBefore].open) this.settledBefore++;
  }

  /**
   * Close every open forward item matching `which`: waiting ones as skipped
   * (`notRun`); started ones as failed, noting `unfinished` (their end was
   * never told), except a question nobody answered, which did not run.
   */
  closeForward(at: number, which: (item: TaskItem) => boolean, notRun: string, unfinished = 'no end recorded'): void {
    for (const item of this.forward) if (which(item)) closeItem(item, at, notRun, unfinished);
  }

  /**
   * Open the rollback phase with the engine's order; undefined when it cannot
   * be opened (no phase, or already open). A hosted step's lines (one per
   * host) fold into one line per rollout or `on:` step, where its first host's line would be.
   */
  openRollback(order: string[], withoutRollback: string[], at: number): TaskItem[] | undefined {
    const phase = this.layout.rollback;
    if (!phase || this.rollbackOpened) return undefined;
    this.rollbackOpened = true;
    this.closeForward(at, () => true, 'not run');
    const steps = new Map(planInstances(this.plan).map((s) => [s.id, s]));
    const folds = new Map<string, RollbackFold>();
    const items: TaskItem[] = [];
    const line = (map: Map<string, TaskItem>, id: string, undo: boolean) => {
      const step = steps.get(id);
      const item = new TaskItem({ section: 'rollback', id, title: step?.title ?? id, owner: step?.owner?.role, stage: -1, manual: false });
      map.set(id, item);
      if (!undo) item.settle('skipped', at, NO_ROLLBACK);
      const host = step?.instance;
      if (!host) return void items.push(item);
      const key = host.rollout?.id ?? host.stepId;
      let fold = folds.get(key);
      if (!fold) {
        fold = new RollbackFold(new TaskItem({ section: 'rollback', id: key, title: this.titleOf(key), stage: -1, manual: false }));
        folds.set(key, fold);
        this.folds.push(fold);
        items.push(fold.line);
      }
      fold.add(item, host.target.name, host.stepId, undo);
      this.foldOf.set(item, fold);
    };
    for (const id of order) line(this.rollback, id, true);
    for (const id of withoutRollback) line(this.rollback, id, false);
    for (const fold of this.folds) fold.update(at);
    for (const v of this.plan.rollbackVerify) {
      const item = new TaskItem({ section: 'rollback', id: v.id, title: v.title, stage: -1, manual: false });
      this.rollbackVerify.set(v.id, item);
      items.push(item);
    }
    return items;
  }

  /** A rollback item changed: the folded line it belongs to, read again (undefined when it has its own line). */
  refold(item: TaskItem, at: number): TaskItem | undefined {
    const fold = this.foldOf.get(item);
    fold?.update(at);
    return fold?.line;
  }

  /** The title of a rollout's or a hosted step's folded rollback line. */
  private titleOf(id: string): string {
    const stage = this.plan.stages.find((st) => st.kind === 'rollout' && st.id === id);
    if (stage?.kind === 'rollout') return stage.title;
    const step = this.plan.stages.flatMap((st) => (st.kind === 'step' ? [st.step] : st.kind === 'parallel' ? st.members : [])).find((s) => s.id === id);
    return step?.title ?? id;
  }

  /** The rollback phase (or the run) is over: lines left open end as not run, or failed when they had started. */
  closeRollback(at: number, unfinished: string): void {
    for (const item of [...this.rollback.values(), ...this.rollbackVerify.values()])
      if (item.open) item.settle(item.status === 'waiting' ? 'skipped' : 'failed', at, item.status === 'waiting' ? 'not run' : unfinished);
    for (const fold of this.folds) fold.update(at);
  }

  /**
   * A group none of whose lines ran reads as such ("Deployment steps — not
   * run (no-go)"): listr2 would otherwise draw it with ✔ like a group that passed.
   */
  retitleGroupsNotRun(): void {
    const groups = [
      this.layout.checks,
      this.layout.steps && { group: this.layout.steps.group, items: this.layout.steps.stages.flatMap((st) => (st.kind === 'step' ? [st.item] : st.items)) },
      this.layout.verify,
    ];
    for (const stage of this.layout.steps?.stages ?? []) if (stage.kind === 'parallel') groups.push({ group: stage.group, items: stage.items });
    for (const part of groups) {
      if (!part || part.items.length === 0 || part.group.base === undefined || part.items.some((i) => i.outcome !== 'skipped')) continue;
      const notes = new Set(part.items.map((i) => i.note));
      part.group.setTitle(`${part.group.base} — ${notes.size === 1 ? [...notes][0] : 'skipped'}`);
    }
  }

  /** Every item, for the timer. */
  all(): TaskItem[] {
    return [...this.forward, ...this.rollback.values(), ...this.folds.map((f) => f.line), ...this.rollbackVerify.values()];
  }

  /**
   * Where a question goes: the failed item awaiting a decision; else the
   * next manual item the engine has reached; else the first open item from
   * the engine's position (an in-doubt step on resume).
   */
  promptItem(): TaskItem | undefined {
    const open = this.forward.filter((i) => i.open);
    const awaiting = open.filter((i) => i.awaitingDecision);
    if (awaiting.length > 0) return awaiting.at(-1);
    const ahead = open.filter((i) => i.spec.stage >= this.cursor);
    return ahead.find((i) => i.spec.manual && i.status === 'waiting') ?? ahead[0];
  }
}

/** Close one forward item if it is open (see `closeForward`). */
function closeItem(item: TaskItem, at: number, notRun: string, unfinished: string): void {
  if (!item.open) return;
  if (item.status === 'waiting') item.settle('skipped', at, notRun);
  else if (item.note === WAITING_FOR_ANSWER) item.settle('skipped', at, `not answered (${unfinished})`);
  else item.settle('failed', at, item.awaitingDecision ? item.note : `${item.note ? `${item.note} — ` : ''}${unfinished}`);
}
