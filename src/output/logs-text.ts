/** What `golive logs prune` prints: the runs whose logs it deleted (or would delete), in words or as JSON. */
import type { PruneCandidate } from '../session/log-retention.js';

/** The outcome of one prune. */
export interface PruneResult {
  dryRun: boolean;
  olderThan: string;
  cutoff: Date;
  logsRoot: string;
  runs: PruneCandidate[];
}

/** The prune as one JSON object. */
export function pruneAsJson(result: PruneResult): string {
  const { files, bytes } = totals(result);
  return JSON.stringify({
    dryRun: result.dryRun,
    olderThan: result.olderThan,
    cutoff: result.cutoff.toISOString(),
    logs: result.logsRoot,
    runs: result.runs.map((r) => ({ id: r.runId, endedAt: r.endedAt, files: r.files, bytes: r.bytes })),
    files,
    bytes,
  });
}

/** The prune in words: what went (or would go), and that the journal is untouched. */
export function pruneAsText(result: PruneResult): string {
  const { runs, cutoff, logsRoot } = result;
  const before = cutoff.toISOString();
  if (runs.length === 0) return `No logs to prune in ${logsRoot}: no run that ended before ${before} has a log folder.`;
  const { files, bytes } = totals(result);
  const what = `the logs of ${count(runs.length, 'run')} (${count(files, 'file')}, ${formatBytes(bytes)}) that ended before ${before}`;
  if (result.dryRun) {
    const lines = runs.map((r) => `  ${r.runId}  ended ${r.endedAt}  ${formatBytes(r.bytes)}`);
    return [`Would prune ${what} from ${logsRoot}:`, ...lines, 'Nothing was deleted (--dry-run).'].join('\n');
  }
  return `Pruned ${what} from ${logsRoot}.\nThe journal is unchanged; show and report say these logs were pruned.`;
}

function totals(result: PruneResult): { files: number; bytes: number } {
  return { files: result.runs.reduce((sum, r) => sum + r.files, 0), bytes: result.runs.reduce((sum, r) => sum + r.bytes, 0) };
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
