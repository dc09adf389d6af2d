/** `golive show <run-id>`: one past run, step by step. */
import { ExitCode, UsageError } from '../errors.js';
import { MIN_RUN_ID_PREFIX } from '../journal/sqlite/store.js';
import { paintFor } from '../output/paint.js';
import { buildRunView, type ChainLink } from '../views/run-view.js';
import { showAsJson, showAsText } from '../output/show-text.js';
import { openJournalToRead } from '../journal/open.js';
import { dbFlagFor } from '../session/session.js';
import { logsRootOf, notePrunedLogs } from '../session/log-retention.js';
import type { EngineEvent } from '../engine/events.js';

/** Flags of `golive show`. */
export interface ShowFlags {
  db?: string;
  json?: boolean;
}

/** Print one run; exit 0, 2 when the run does not exist, 6 when the journal cannot be read. */
export async function showCommand(runId: string, flags: ShowFlags): Promise<number> {
  const store = openJournalToRead(flags.db);
  let view;
  try {
    const run = store.getRun(runId);
    if (!run) {
      const short = runId.length < MIN_RUN_ID_PREFIX ? ` (a prefix needs at least ${MIN_RUN_ID_PREFIX} characters)` : '';
      throw new UsageError(`no run ${runId} in ${store.path}`, `list runs with \`golive history\`${short}`);
    }
    const chain = store.chainOf(run.rootRunId);
    const before = chain.slice(0, Math.max(0, chain.findIndex((r) => r.id === run.id)));
    // In words, a log path whose run's logs were pruned says so; --json keeps the path as recorded.
    const logs = (events: EngineEvent[]) => (flags.json ? events : notePrunedLogs(events, logsRootOf(store.path)));
    view = buildRunView({
      run,
      status: store.runStatus(run),
      events: logs(store.eventsOf([run.id]).map((e) => e.event)),
      priorEvents: before.length ? logs(store.eventsOf(before.map((r) => r.id)).map((e) => e.event)) : [],
      chain: chain.map((r): ChainLink => ({ id: r.id, mode: r.mode, status: store.runStatus(r), parentRunId: r.parentRunId, startedAt: r.startedAt })),
    });
  } finally {
    store.close();
  }
  process.stdout.write(flags.json ? `${JSON.stringify(showAsJson(view), null, 2)}\n` : `${showAsText(view, paintFor(process.stdout), { dbFlag: dbFlagFor(flags.db) })}\n`);
  return ExitCode.Ok;
}
