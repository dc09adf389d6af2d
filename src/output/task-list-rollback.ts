/**
 * Hosts in the rollback phase: a rollout's (or an `on:` step's) per-host
 * rollback lines fold into one line per rollout, as its forward progress
 * does (a rollback of 40 hosts × 3 steps would otherwise be 120 lines, more
 * than a screen holds). The hosts' own items still take the engine's events;
 * the folded line only reads them: "undoing web7 (3 of 12 hosts) · 1 failed
 * (web3: deploy)", and at the end what was undone and what failed.
 */
import type { TaskItem } from './task-list-model.js';

/** One host's rollback of one step, as folded into its rollout's line. */
interface Member {
  item: TaskItem;
  host: string;
  step: string;
}

/** Failed hosts named on the line; the rest are counted. */
const NAMED_FAILURES = 3;

/** The rollback line of one rollout or `on:` step, and the per-host items it stands for. */
export class RollbackFold {
  private readonly members: Member[] = [];
  /** Hosts with something to undo, in the engine's order. */
  private readonly hosts: string[] = [];
  private readonly hostIndex = new Map<string, number>();

  constructor(readonly line: TaskItem) {}

  /** A host's rollback item; `undo` false for a step that has no rollback there (it only counts as not undone). */
  add(item: TaskItem, host: string, step: string, undo: boolean): void {
    this.members.push({ item, host, step });
    if (undo && !this.hostIndex.has(host)) {
      this.hostIndex.set(host, this.hosts.length);
      this.hosts.push(host);
    }
  }

  /** Read the hosts' items again: the line's note, and its end once every host's item has ended. */
  update(at: number): void {
    const { line, members, hosts } = this;
    if (!line.open) return;
    const running = members.find((m) => m.item.status === 'running');
    if (running && line.status === 'waiting') line.start(running.item.startedAt ?? at);
    const failed = members.filter((m) => m.item.outcome === 'failed').map((m) => `${m.host}: ${m.step}`);
    const shown = failed.slice(0, NAMED_FAILURES).join(', ') + (failed.length > NAMED_FAILURES ? ', …' : '');
    const failures = failed.length > 0 ? ` · ${failed.length} failed (${shown})` : '';
    if (members.some((m) => m.item.open)) {
      const now = running ? `undoing ${running.host} (${(this.hostIndex.get(running.host) ?? 0) + 1} of ${hosts.length} hosts)` : this.doneText();
      line.note = `${now}${failures}`;
      return;
    }
    // The failures lead at the end: a narrow terminal cuts the end of the line.
    if (failed.length > 0) return line.settle('failed', at, `${failures.slice(3)} · ${this.doneText()}`);
    const undone = members.some((m) => m.item.outcome === 'passed');
    line.settle(undone ? 'passed' : 'skipped', at, undone ? this.doneText() : this.notUndoneText());
  }

  /** "37 of 40 hosts rolled back, 2 not reached" (a host is rolled back when all its items were, none failed). */
  private doneText(): string {
    const { hosts, members } = this;
    // One pass over the items (not one per host): a rollout may have a thousand hosts.
    const failedHosts = new Set<string>();
    const notUndone = new Set<string>();
    for (const m of members) {
      if (m.item.outcome === 'failed') failedHosts.add(m.host);
      else if (m.item.outcome !== 'passed' && !isWithoutRollback(m)) notUndone.add(m.host);
    }
    const undone = hosts.filter((host) => !failedHosts.has(host) && !notUndone.has(host)).length;
    const failed = hosts.filter((host) => failedHosts.has(host)).length;
    const waiting = hosts.length - undone - failed;
    if (undone === hosts.length) return `${hosts.length} hosts rolled back`;
    return `${undone} of ${hosts.length} hosts rolled back${waiting > 0 && failed + undone > 0 ? `, ${waiting} not reached` : ''}`;
  }

  /** Nothing was undone: every host's item has no rollback, or did not run. */
  private notUndoneText(): string {
    const notes = new Set(this.members.map((m) => m.item.note));
    const hosts = new Set(this.members.map((m) => m.host)).size;
    return `${notes.size === 1 ? [...notes][0] : 'nothing undone'} (${hosts} hosts)`;
  }
}

/** A host's step without a rollback ends as skipped before the phase starts. */
function isWithoutRollback(m: Member): boolean {
  return m.item.outcome === 'skipped' && m.item.note === NO_ROLLBACK;
}

/** The note of a rollback line whose step has no rollback. */
export const NO_ROLLBACK = 'no rollback defined';
