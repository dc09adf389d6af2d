/**
 * `golive report <run-id>`: the deployment summary report of a past run, as
 * Markdown, a self-contained HTML page, JSON or JUnit XML, on stdout or in a
 * file. Reads the journal only (opened read-only), so it can be made while
 * other runs write, and as often as wanted.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ExitCode, UsageError } from '../errors.js';
import type { Journal } from '../journal/port.js';
import type { RunRecord } from '../journal/types.js';
import { summaryAsHtml } from '../output/summary-html.js';
import { summaryAsJunit } from '../output/summary-junit.js';
import { summaryAsMarkdown } from '../output/summary-md.js';
import { notePrunedLogs } from '../session/log-retention.js';
import { chainLinks, findRun, openExistingJournal, planFactsOfRun, previousRelease, readVerifiedRunChain } from '../session/reader.js';
import { buildRunView } from '../views/run-view.js';
import { buildSummary, type SummaryReport, summaryAsJson } from '../views/summary.js';

/** The formats `--format` accepts; the first is the default. */
const REPORT_FORMATS = ['md', 'html', 'json', 'junit'] as const;

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
  const store = await openExistingJournal(flags.db);
  let report: SummaryReport;
  try {
    report = await reportOf(store, await findRun(store, runId), format !== 'json');
  } finally {
    await store.close();
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
    const problem =
      code === 'ENOENT'
        ? `the directory ${dirname(file)} does not exist`
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'ENOTDIR'
            ? 'a part of its path is a file, not a directory'
            : code === 'EACCES' || code === 'EPERM'
              ? 'permission denied'
              : code === 'ENOSPC'
                ? 'the disk is full'
                : code === 'EROFS'
                  ? 'the file system is read-only'
                  : (error as Error).message;
    const hint =
      code === 'EISDIR'
        ? `name a file, e.g. -o ${join(file, 'report.md')}`
        : code === 'ENOENT'
          ? `create it first (mkdir -p ${dirname(file)}), or pick another path with -o`
          : 'pick another path with -o, or leave -o out to print the report';
    throw new UsageError(`cannot write the report to ${file}: ${problem}`, hint);
  }
}

/**
 * Everything the report model needs, read from the journal. Owners,
 * expected durations and the window come from the plan the run was made
 * with (not today's file): its plan facts, else its stored runbook
 * snapshot; should neither be there, the report stands on the events alone. `noteLogs`: a log
 * path whose run's logs were pruned says so (the JSON model keeps the path as recorded).
 */
async function reportOf(store: Journal, run: RunRecord, noteLogs: boolean): Promise<SummaryReport> {
  const chain = await readVerifiedRunChain(store, run);
  const logs = (events: typeof chain.runEvents) => (noteLogs ? notePrunedLogs(events) : events);
  const events = logs(chain.runEvents);
  const view = buildRunView({ run, status: store.runStatus(run), events, priorEvents: logs(chain.priorEvents), chain: chainLinks(store, chain.runs) });
  return buildSummary({
    view,
    events,
    plan: await planFactsOfRun(store, run, async () => [...chain.priorEvents, ...events]),
    audit: chain.audit,
    generatedAt: new Date().toISOString(),
    previousVersion: await previousRelease(store, chain),
  });
}
