/**
 * Finding a past run and rebuilding what it knew: its frozen runbook
 * snapshot (not today's file), its variables, and the folded state of every
 * run in its chain. Shared by rollback and resume.
 */

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { approvalsToCarry, type CarriedApproval } from '../engine/approval-carry.js';
import { foldRunChain, type RunChainState } from '../engine/run-state.js';
import { LockHeldError } from '../errors.js';
import type { Journal } from '../journal/port.js';
import type { RunRecord, RunStatus } from '../journal/types.js';
import type { Plan } from '../runbook/plan.js';
import { liveOrphan } from './orphans.js';
import { readRunChain } from './reader.js';
import { snapshotPlan } from './snapshot-plan.js';

/** Which run to act on: an id (or unique prefix), else the latest matching the filters. */
export interface RunSelector {
  runId?: string;
  runbook?: string;
  env?: string;
  db?: string;
}

/** A past run, its chain's state and the plan rebuilt from its snapshot. */
export interface PastRun {
  run: RunRecord;
  root: RunRecord;
  state: RunChainState;
  /** Every run of the chain (the root, its resumes and rollbacks), by id. */
  chainRunIds: string[];
  plan: Plan;
  /** Points the chain approved and decided, which a resume does not ask again (engine/approval-carry.ts). */
  approvals: Map<string, CarriedApproval>;
  /** Set when the runbook file on disk no longer matches the snapshot. */
  driftWarning?: string;
}

/** Rebuild a past run's plan and state from the journal. */
export async function loadPastRun(journal: Journal, run: RunRecord): Promise<PastRun> {
  const chain = await readRunChain(journal, run);
  const { root } = chain;
  const state = foldRunChain(chain.events);
  const plan = snapshotPlan(root, chain.events, 'act');
  let driftWarning: string | undefined;
  try {
    const onDisk = createHash('sha256')
      .update(readFileSync(root.runbookPath, 'utf8').replace(/^\uFEFF/, ''))
      .digest('hex');
    if (onDisk !== root.runbookSha256)
      driftWarning = `${root.runbookPath} has changed since run ${root.id}; using the runbook as it was then (the stored snapshot)`;
  } catch {
    driftWarning = `${root.runbookPath} is gone; using the stored snapshot of run ${root.id}`;
  }
  return { run, root, state, approvals: approvalsToCarry(chain.stored), chainRunIds: chain.runs.map((r) => r.id), plan, driftWarning };
}

/** A run whose process is alive must be stopped first: acting on it now would race it. */
export function refuseIfLive(status: RunStatus, run: Pick<RunRecord, 'id' | 'pid' | 'host' | 'operator'>): void {
  if (status === 'running') {
    throw new LockHeldError(
      `run ${run.id} is still running (pid ${run.pid} on ${run.host}, ${run.operator})`,
      `stop it first (Ctrl-C in its terminal, or kill -TERM ${run.pid}), or watch it with \`golive status ${run.id}\``,
    );
  }
}

/**
 * Refuse to act while a command left in doubt by a golive that died (kill -9,
 * power cut of the terminal host) still runs — a step, or a step's rollback:
 * its process group outlived golive, and resuming or rolling back on top of
 * it would race it.
 */
export function refuseIfOrphansRun(past: PastRun): void {
  const orphan = liveOrphan(past.state, past.chainRunIds, past.run.host);
  if (orphan) {
    throw new LockHeldError(
      `${orphan.what} of run ${past.run.id} is still running as ${orphan.where}, left behind when golive stopped`,
      `wait for it to end, or stop it: ${orphan.kill}; then run the command again`,
    );
  }
}
