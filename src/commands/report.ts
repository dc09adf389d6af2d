/**
 * `golive report <run-id>`: the deployment summary report of a past run, as
 * Markdown, a self-contained HTML page, JSON or JUnit XML, on stdout or in a
 * file. Reads the journal only (opened read-only), so it can be made while
 * other runs write, and as often as wanted.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { MIN_RUN_ID_PREFIX, type AuditStore } from '../journal/sqlite/store.js';
import type { RunRecord } from '../journal/types.js';
import { foldEvents } from '../engine/state.js';
import { ExitCode, UsageError } from '../errors.js';
import { buildRunView, type ChainLink } from '../views/run-view.js';
import { buildSummary, summaryAsJson, summaryPlanOf, type SummaryPlan, type SummaryReport } from '../views/summary.js';
import { summaryAsHtml } from '../output/summary-html.js';
import { summaryAsJunit } from '../output/summary-junit.js';
import { summaryAsMarkdown } from '../output/summary-md.js';
import { loadRunbookText } from '../runbook/load.js';
import { resolvePlan } from '../runbook/plan.js';
import { openJournalToRead } from '../journal/open.js';
import { logsRootOf, notePrunedLogs } from '../session/log-retention.js';
import type { EngineEvent } from '../engine/events.js';

/** The formats `--format` accepts; the first is the default. */
export const REPORT_FORMATS = ['md', 'html', 'json', 'junit'] as const;

/** One of `REPORT_FORMATS`. */
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Flags of `golive report`. */
export interface ReportFlags {
  format?: ReportFormat;
  output?: string;
  db?: string;
}

const FORMATTERS: Record<ReportFormat, (report: SummaryReport) => string> = {
  md: summaryAsMarkdown,
  html: summaryAsHtml,
  json: summaryAsJson,
  junit: summaryAsJunit,
};

/** Write the report of one run; exit 0 whatever the run's outcome (the report says it), 2 when there is no such run. */
export async function reportCommand(runId: string, flags: ReportFlags): Promise<number> {
  const format = flags.format ?? 'md';
  const store = openJournalToRead(flags.db);
  let report: SummaryReport;
  try {
    report = reportOf(store, findRun(store, runId), format !== 'json');
  } finally {
    store.close();
  }
  const text = FORMATTERS[format](report);
  if (flags.output) {
    const file = resolve(flags.output);
    writeReport(file, text);
    process.stderr.write(`golive: wrote the ${format} report of run ${report.run.id} to ${file}\n`);
  } else {
    process.stdout.write(text);
  }
  return ExitCode.Ok;
}

/** Write the report file, turning the ways that fails into a usage error naming the file and the fix. */
function writeReport(file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem = code === 'ENOENT' ? `the directory ${dirname(file)} does not exist`
      : code === 'EISDIR' ? 'it is a directory'
      : code === 'ENOTDIR' ? 'a part of its path is a file, not a directory'
      : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
      : code === 'ENOSPC' ? 'the disk is full'
      : code === 'EROFS' ? 'the file system is read-only'
      : (error as Error).message;
    const hint = code === 'EISDIR' ? `name a file, e.g. -o ${join(file, 'report.md')}` : code === 'ENOENT' ? `create it first (mkdir -p ${dirname(file)}), or pick another path with -o` : 'pick another path with -o, or leave -o out to print the report';
    throw new UsageError(`cannot write the report to ${file}: ${problem}`, hint);
  }
}

function findRun(store: AuditStore, runId: string): RunRecord {
  const run = store.getRun(runId);
  if (run) return run;
  const short = runId.length < MIN_RUN_ID_PREFIX ? ` (a prefix needs at least ${MIN_RUN_ID_PREFIX} characters)` : '';
  throw new UsageError(`no run ${runId} in ${store.path}`, `list runs with \`golive history\`${short}`);
}

/**
 * Everything the report model needs, read from the journal. `noteLogs`: a
 * log path whose run's logs were pruned says so (the JSON model keeps the path as recorded).
 */
function reportOf(store: AuditStore, run: RunRecord, noteLogs: boolean): SummaryReport {
  const chain = store.chainOf(run.rootRunId);
  const before = chain.slice(0, Math.max(0, chain.findIndex((r) => r.id === run.id)));
  const logs = (events: EngineEvent[]) => (noteLogs ? notePrunedLogs(events, logsRootOf(store.path)) : events);
  const events = logs(store.eventsOf([run.id]).map((e) => e.event));
  const priorEvents = before.length ? logs(store.eventsOf(before.map((r) => r.id)).map((e) => e.event)) : [];
  const view = buildRunView({
    run, status: store.runStatus(run), events, priorEvents,
    chain: chain.map((r): ChainLink => ({ id: r.id, mode: r.mode, status: store.runStatus(r), parentRunId: r.parentRunId, startedAt: r.startedAt })),
  });
  const plan = snapshotPlan(run, [...priorEvents, ...events]);
  return buildSummary({ view, events, plan, audit: store.verifyRuns(chain.map((r) => r.id)), generatedAt: new Date().toISOString() });
}

/**
 * Owners, expected durations and the window from the run's stored runbook
 * snapshot (what it ran with, not today's file), resolved with the vars the
 * chain's first run recorded. Quietly null when the snapshot no longer
 * loads (a newer golive, say): the report then stands on the events alone.
 */
function snapshotPlan(run: RunRecord, chainEvents: Parameters<typeof foldEvents>[0]): SummaryPlan | null {
  try {
    const vars = foldEvents(chainEvents).vars;
    const environment = run.environment ?? undefined;
    const loaded = loadRunbookText(run.runbookPath, run.runbookText, { environment, extraVars: Object.keys(vars) });
    if (loaded.failed || !loaded.runbook || !loaded.source) return null;
    return summaryPlanOf(resolvePlan(loaded.source, loaded.runbook, { environment, vars }));
  } catch {
    return null;
  }
}
