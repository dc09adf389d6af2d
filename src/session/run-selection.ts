/**
 * "Which run?" for `golive rollback` and `golive resume` without a run id.
 * Never a guess: among the runs of one runbook and environment, the latest
 * that has something left to undo (or to continue); when the journal holds
 * several deployments and the flags do not narrow it to one, a refusal that
 * lists each candidate with the exact command.
 */

import { rollbackOrder } from '../engine/rollback.js';
import { UsageError } from '../errors.js';
import { journalFlagFor } from '../journal/journal-path.js';
import type { Journal } from '../journal/port.js';
import type { RunRecord } from '../journal/types.js';
import { printable } from '../output/printable.js';
import { localDateTime } from '../output/time-text.js';
import { planInstances } from '../runbook/instances.js';
import type { PlannedStep } from '../runbook/plan.js';
import { loadPastRun, type PastRun, type RunSelector } from './past-run.js';
import { findRun } from './reader.js';

/** What a rollback of a run's chain would do. */
export interface RollbackWork {
  past: PastRun;
  /** Steps to undo, in order (an in-doubt undo first). */
  order: PlannedStep[];
  /** Steps that ran and define no rollback: reported, left as they are. */
  withoutRollback: PlannedStep[];
  /** Steps that ran and say `rollback: none`: nothing to undo. */
  nothingToUndo: PlannedStep[];
  /** Nothing is left to undo, but the last rollback's restore checks failed or never ran: run them again. */
  recheckRestore: boolean;
}

/** A run to act on, or why there is none (naming the run looked at). */
export type Selection<T> = { found: T } | { nothing: string; runId?: string };

/** Runs that executed nothing are never what `rollback` or `resume` means. */
const EXECUTING = new Set<RunRecord['mode']>(['run', 'resume', 'rehearsal', 'rollback']);

/** What rolling back a past run's chain involves. */
export function rollbackWorkOf(past: PastRun): RollbackWork {
  const { order, withoutRollback, nothingToUndo } = rollbackOrder(planInstances(past.plan), past.state.steps);
  const last = past.state.lastRollback;
  const recheckRestore =
    order.length === 0 && past.plan.rollbackVerify.length > 0 && last !== undefined && !(last.finished && last.complete && last.verified === true);
  return { past, order, withoutRollback, nothingToUndo, recheckRestore };
}

/** The run `golive rollback` acts on: the named one, else the latest of one deployment with something left to undo. */
export async function selectRollback(store: Journal, selector: RunSelector): Promise<Selection<RollbackWork>> {
  const consider = async (run: RunRecord): Promise<Selection<RollbackWork>> => {
    const work = rollbackWorkOf(await loadPastRun(store, run));
    if (work.order.length > 0 || work.recheckRestore || store.runStatus(run) === 'running') return { found: work };
    // Named by the deployment's first run: the one `golive history` shows the operator.
    const root = work.past.root;
    return { nothing: `Nothing left to roll back in run ${describeRun(store, root)}: ${await nothingToUndo(store, work)}.`, runId: root.id };
  };
  if (selector.runId) return consider(await findRun(store, selector.runId));
  return latestOfOneDeployment(store, selector, 'rollback', consider);
}

/** The run `golive resume` acts on: the named one, else the latest of one deployment that stopped before its end. */
export async function selectResume(store: Journal, selector: RunSelector): Promise<Selection<RunRecord>> {
  const consider = async (run: RunRecord): Promise<Selection<RunRecord>> => {
    const chain = await store.chainOf(run.rootRunId);
    const latest = chain.filter((r) => r.mode === 'run' || r.mode === 'resume').at(-1) ?? run;
    const status = store.runStatus(latest);
    if (chain.some((r) => r.mode === 'rollback')) return { nothing: `Nothing to resume: run ${describeRun(store, latest)} was rolled back.` };
    if (status === 'aborted' || status === 'interrupted' || status === 'running') return { found: latest };
    return {
      nothing: `Nothing to resume: run ${describeRun(store, latest)} ${status === 'no-go' ? 'ended NO-GO (start a new run once the checks pass)' : 'did not stop half-way'}.`,
    };
  };
  if (selector.runId) return { found: await findRun(store, selector.runId) };
  return latestOfOneDeployment(store, selector, 'resume', consider, ['run', 'resume']);
}

/**
 * Walk the chains of one deployment newest first and take the first that
 * `consider` accepts. Refuses when the runs span several deployments.
 */
async function latestOfOneDeployment<T>(
  store: Journal,
  selector: RunSelector,
  command: 'rollback' | 'resume',
  consider: (run: RunRecord) => Promise<Selection<T>>,
  modes: RunRecord['mode'][] = [...EXECUTING],
): Promise<Selection<T>> {
  const runs = (await store.listRuns({ runbook: selector.runbook, environment: selector.env })).filter((r) => EXECUTING.has(r.mode));
  const deployments = new Map<string, RunRecord[]>();
  for (const run of runs) {
    const key = `${run.runbookName}\u0000${run.environment ?? ''}`;
    deployments.set(key, [...(deployments.get(key) ?? []), run]);
  }
  const filters = [selector.runbook && `runbook ${selector.runbook}`, selector.env && `environment ${selector.env}`].filter(Boolean).join(' and ');
  if (deployments.size === 0) {
    throw new UsageError(`no run${filters ? ` of ${filters}` : ''} to ${command} in ${store.location}`, 'list runs with `golive history`');
  }
  if (deployments.size > 1) throw await severalDeployments(store, command, [...deployments.values()], consider, modes);
  const [only] = deployments.values();
  let first: Selection<T> | undefined;
  const seen = new Set<string>();
  for (const run of only.filter((r) => modes.includes(r.mode))) {
    if (seen.has(run.rootRunId)) continue;
    seen.add(run.rootRunId);
    const selection = await consider(run);
    if ('found' in selection) return selection;
    first ??= selection;
  }
  return first ?? { nothing: `no run to ${command} in ${store.location}` };
}

async function severalDeployments<T>(
  store: Journal,
  command: 'rollback' | 'resume',
  deployments: RunRecord[][],
  consider: (run: RunRecord) => Promise<Selection<T>>,
  modes: RunRecord['mode'][],
): Promise<UsageError> {
  const flag = journalFlagFor(store.location, { cwd: process.cwd(), env: process.env });
  const db = flag ? ` ${flag}` : '';
  const verb = command === 'rollback' ? 'roll back' : 'resume';
  const lines: string[] = [];
  for (const runs of deployments) {
    const label = `${runs[0].runbookName}${runs[0].environment ? ` on ${runs[0].environment}` : ' (no environment)'}`;
    const candidate = await firstFound(
      runs.filter((r) => modes.includes(r.mode)),
      consider,
    );
    lines.push(candidate ? `  ${label}: golive ${command} ${candidate.id}${db}   (${runDetails(store, candidate)})` : `  ${label}: nothing to ${verb}`);
  }
  return new UsageError(
    `the journal ${store.location} holds runs of ${deployments.length} deployments; say which one to ${verb}, nothing was done:\n${lines.join('\n')}`,
    'name the run id, or narrow it with --runbook <name> --env <environment>',
  );
}

/** The first of `runs` that `consider` accepts, considered in order (one at a time, as each loads a chain). */
async function firstFound<T>(runs: RunRecord[], consider: (run: RunRecord) => Promise<Selection<T>>): Promise<RunRecord | undefined> {
  for (const run of runs) if ('found' in (await consider(run))) return run;
  return undefined;
}

/** `<id> (webshop-release 2.4.0 on production, run started 2026-12-01 10:02 by ana on host1: succeeded)`. */
export function describeRun(store: Journal, run: RunRecord): string {
  return `${run.id} (${runDetails(store, run)})`;
}

/** `webshop-release 2.4.0 on production, run started 2026-12-01 10:02 by ana on host1: succeeded`. */
function runDetails(store: Journal, run: RunRecord): string {
  const what = `${run.runbookName}${run.runbookVersion ? ` ${run.runbookVersion}` : ''}${run.environment ? ` on ${run.environment}` : ''}`;
  return printable(`${what}, ${run.mode} started ${localDateTime(run.startedAt)} by ${run.operator} on ${run.host}: ${store.runStatus(run)}`);
}

/** Why a chain has nothing to undo, in the operator's words. */
async function nothingToUndo(store: Journal, work: RollbackWork): Promise<string> {
  const { past, withoutRollback } = work;
  const touched = [...past.state.steps.values()].length;
  if (touched === 0) return store.runStatus(past.run) === 'no-go' ? 'it ended NO-GO, no step ran' : 'no step ran';
  const rollbacks = (await store.chainOf(past.root.id)).filter((r) => r.mode === 'rollback' || r.mode === 'rehearsal');
  const by = rollbacks.at(-1);
  const noRollback = withoutRollback.map((s) => s.id).join(', ');
  if (!by) return `the steps that ran define no rollback${noRollback ? ` (${noRollback})` : ''}`;
  const done = `every step with a rollback was already rolled back${by.mode === 'rollback' ? ` (by run ${by.id})` : ' (by the rehearsal)'}`;
  return `${done}${noRollback ? `; no rollback defined: ${noRollback}` : ''}`;
}
