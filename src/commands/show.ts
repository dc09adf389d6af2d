/** `golive show <run-id>`: one past run, step by step. */
import { ExitCode } from '../errors.js';
import { paintFor } from '../output/paint.js';
import { showAsJson, showAsText } from '../output/show-text.js';
import { notePrunedLogs } from '../session/log-retention.js';
import { chainLinks, findRun, openExistingJournal, planFactsOfRun, readRunChain } from '../session/reader.js';
import { dbFlagFor } from '../session/session.js';
import { personOf } from '../views/identity.js';
import { buildRunView, type RunView } from '../views/run-view.js';

/** Flags of `golive show`. */
export interface ShowFlags {
  db?: string;
  json?: boolean;
}

/** Print one run; exit 0, 2 when the run does not exist, 6 when the journal cannot be read. */
export async function showCommand(runId: string, flags: ShowFlags): Promise<number> {
  const store = await openExistingJournal(flags.db);
  let view: RunView;
  let person: string | null = null;
  try {
    const chain = await readRunChain(store, await findRun(store, runId));
    if (!flags.json && chain.run.identity !== null) {
      const facts = await planFactsOfRun(store, chain.run, async () => [...chain.priorEvents, ...chain.runEvents]);
      person = personOf(chain.run.identity, facts?.people ?? {});
    }
    view = buildRunView({
      run: chain.run,
      status: store.runStatus(chain.run),
      // In words, a log path whose run's logs were pruned says so; --json keeps the path as recorded.
      events: flags.json ? chain.runEvents : notePrunedLogs(chain.runEvents),
      priorEvents: flags.json ? chain.priorEvents : notePrunedLogs(chain.priorEvents),
      chain: chainLinks(store, chain.runs),
    });
  } finally {
    await store.close();
  }
  process.stdout.write(
    flags.json ? `${JSON.stringify(showAsJson(view), null, 2)}\n` : `${showAsText(view, paintFor(process.stdout), { dbFlag: dbFlagFor(flags.db), person })}\n`,
  );
  return ExitCode.Ok;
}
