/**
 * Log retention: the step log folders of runs that ended long ago are
 * deleted on request (`golive logs prune`), never the journal's events, and a
 * small mark is left in their place so `show` and `report` can say the log
 * was pruned rather than leave the reader to find it missing.
 *
 * Each run's logs are one folder, `logs/<run-id>/` beside a journal file, or
 * in the runbook project's `.golive/` on the machine that ran it for a server
 * journal (see session.ts); the mark is `logs/<run-id>.pruned`, a JSON object.
 */
import { lstatSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { EngineEvent } from '../engine/events.js';
import { isServerLocation, repositoryRootOf } from '../journal/journal-path.js';
import type { RunRecord } from '../journal/types.js';

/**
 * Where this machine keeps a journal's step logs: beside a journal file; for
 * a server journal, in the `.golive/` of the project the working directory
 * belongs to (each machine prunes the logs it wrote).
 */
export function logsRootOf(location: string, cwd = process.cwd()): string {
  if (isServerLocation(location)) return join(repositoryRootOf(cwd) ?? cwd, '.golive', 'logs');
  return join(dirname(location), 'logs');
}

/** What a prune leaves in place of a run's log folder. */
export interface PruneMark {
  /** When the folder was deleted (ISO time). */
  prunedAt: string;
  /** The age limit it was deleted under, as given (`90d`). */
  olderThan: string;
  files: number;
  bytes: number;
}

/** A run whose log folder a prune deletes. */
export interface PruneCandidate {
  runId: string;
  endedAt: string;
  folder: string;
  files: number;
  bytes: number;
}

/**
 * The runs among `runs` that ended before `cutoff` and still have a log
 * folder under `logsRoot`. A run with no recorded end (live, or interrupted
 * and perhaps resumed later) keeps its logs whatever its age.
 */
export function pruneCandidates(runs: RunRecord[], logsRoot: string, cutoff: Date): PruneCandidate[] {
  const candidates: PruneCandidate[] = [];
  for (const run of runs) {
    if (run.endedAt === null || !(Date.parse(run.endedAt) < cutoff.getTime())) continue;
    const folder = join(logsRoot, run.id);
    // A symbolic link in its place is not a folder golive made: left alone.
    if (!isDirectory(folder)) continue;
    candidates.push({ runId: run.id, endedAt: run.endedAt, folder, ...sizeOf(folder) });
  }
  return candidates;
}

/** Delete a candidate's folder and leave its mark. */
export function pruneRunLogs(candidate: PruneCandidate, olderThan: string, now: Date): void {
  const mark: PruneMark = { prunedAt: now.toISOString(), olderThan, files: candidate.files, bytes: candidate.bytes };
  // The mark first: a prune interrupted halfway still says what happened to the folder.
  writeFileSync(markPath(dirname(candidate.folder), candidate.runId), `${JSON.stringify(mark)}\n`, { mode: 0o600 });
  rmSync(candidate.folder, { recursive: true, force: true });
}

/** The prune mark of a run's logs, if they were pruned (a mark that cannot be read counts as none). */
export function pruneMarkOf(logsRoot: string, runId: string): PruneMark | undefined {
  try {
    const mark = JSON.parse(readFileSync(markPath(logsRoot, runId), 'utf8')) as PruneMark;
    return typeof mark.prunedAt === 'string' ? mark : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Events as `show` and `report` print them: the log path of a run whose logs
 * were pruned reads so ("… (pruned on 2026-12-01 by golive logs prune
 * --older-than 90d)"). Looks once per log folder, not per path.
 */
export function notePrunedLogs(events: EngineEvent[]): EngineEvent[] {
  const folders = new Map<string, PruneMark | undefined>();
  const markFor = (logPath: string): PruneMark | undefined => {
    const folder = dirname(logPath);
    // The mark sits beside the run's folder, wherever the run kept its logs.
    if (!folders.has(folder)) folders.set(folder, isDirectory(folder) ? undefined : pruneMarkOf(dirname(folder), basename(folder)));
    return folders.get(folder);
  };
  return events.map((e) => {
    if (e.kind !== 'step.finished' || !e.logPath) return e;
    const mark = markFor(e.logPath);
    return mark ? { ...e, logPath: `${e.logPath} (pruned on ${mark.prunedAt.slice(0, 10)} by golive logs prune --older-than ${mark.olderThan})` } : e;
  });
}

function markPath(logsRoot: string, runId: string): string {
  return join(logsRoot, `${runId}.pruned`);
}

function isDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

function sizeOf(folder: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    files++;
    try {
      bytes += lstatSync(join(entry.parentPath ?? entry.path, entry.name)).size;
    } catch {
      /* gone meanwhile */
    }
  }
  return { files, bytes };
}
