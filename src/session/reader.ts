/**
 * The read side every command that looks at past runs goes through
 * (history, show, status, report, estimate, audit, rollback, resume,
 * completion): opening a journal that must be there, or saying it is not,
 * in one way; finding a run by id or prefix by one rule with one message;
 * reading a run's chain (the first run, its resumes and rollbacks) and its
 * events in one query. The run's stored runbook snapshot resolved back into
 * the plan it ran with is `snapshot-plan.ts`: it loads the YAML parser and
 * the validator, which a command reading only the journal does without.
 */
import type { EngineEvent } from '../engine/events.js';
import { UsageError } from '../errors.js';
import { dbPathFor, findJournal, type JournalSearch, journalForRunbook, printableLocation } from '../journal/journal-path.js';
import { journalExists, missingJournalError, openJournal } from '../journal/open.js';
import { type Journal, MIN_RUN_ID_PREFIX, type RunQuery } from '../journal/port.js';
import type { ChainReport, PlanFacts, RunRecord, StoredEvent } from '../journal/types.js';
import { planFactsOf } from '../views/plan-facts.js';
import type { ChainLink } from '../views/run-view.js';

/**
 * Open the journal of `--db` / GOLIVE_DB / discovery, which must already
 * exist: read-only for the commands that only look (nothing is created, a
 * damaged or foreign file is refused with exit 6), read-write for rollback
 * and resume, which record a new run in it.
 * @throws JournalError (exit 6) when it is not there or cannot be used.
 */
export async function openExistingJournal(dbFlag: string | undefined, { readonly = true } = {}): Promise<Journal> {
  const location = dbPathFor(dbFlag);
  if (!journalExists(location)) throw missingJournalError(location);
  return openJournal(location, { readonly });
}

/**
 * Open the journal for reading only, when there is one (history: no journal
 * means no runs, not an error); `search` says where it was looked for.
 * Never creates or migrates it, so a mistyped `--db` leaves no stray file.
 */
export async function openJournalIfThere(dbFlag?: string): Promise<{ store: Journal | null; path: string; search: JournalSearch }> {
  const search = findJournal({ flag: dbFlag, cwd: process.cwd(), env: process.env });
  // A named path that runs through a file is not "no journal yet": the open names that problem (exit 6).
  const present = search.found || (search.explicit && journalExists(search.path));
  return { store: present ? await openJournal(search.path, { readonly: true }) : null, path: printableLocation(search.path), search };
}

/**
 * The journal `golive run` of this runbook writes to (`--db`, `GOLIVE_DB`,
 * else the runbook's project's), wherever the command is run from, opened
 * read-only when it is there (estimate: no journal means no history yet).
 */
export async function openRunbookJournalIfThere(runbookPath: string, dbFlag?: string): Promise<{ store: Journal | null; path: string }> {
  const location = journalForRunbook(runbookPath, { flag: dbFlag, cwd: process.cwd(), env: process.env });
  return { store: journalExists(location) ? await openJournal(location, { readonly: true }) : null, path: printableLocation(location) };
}

/**
 * The run `idOrPrefix` names: an id, or a unique prefix of at least
 * `MIN_RUN_ID_PREFIX` characters. `otherWay` is a further suggestion for the
 * hint (status: the live run).
 * @throws UsageError (exit 2) when there is no such run, or the prefix is ambiguous.
 */
export async function findRun(journal: Journal, idOrPrefix: string, otherWay?: string): Promise<RunRecord> {
  const run = await journal.getRun(idOrPrefix);
  if (run) return run;
  const short = idOrPrefix.length < MIN_RUN_ID_PREFIX ? ` (a prefix needs at least ${MIN_RUN_ID_PREFIX} characters)` : '';
  throw new UsageError(`no run ${idOrPrefix} in ${journal.location}`, `list runs with \`golive history\`${otherWay ? `, or ${otherWay}` : ''}${short}`);
}

/** The most recently started run matching the query, or null. */
export async function latestRun(journal: Journal, query: Omit<RunQuery, 'limit'> = {}): Promise<RunRecord | null> {
  return (await journal.listRuns({ ...query, limit: 1 }))[0] ?? null;
}

/** A run with its chain: the first run, its resumes and rollbacks, and their events. */
export interface RunChain {
  run: RunRecord;
  /** The chain's first run (the run itself for a fresh one). */
  root: RunRecord;
  /** Every run of the chain, in start order. */
  runs: RunRecord[];
  /** Every event of the chain, in journal order. */
  events: EngineEvent[];
  /** The same, as stored: each with the run that recorded it. */
  stored: StoredEvent[];
  /** The events of the chain's runs before `run`: the state a resume or rollback started from. */
  priorEvents: EngineEvent[];
  /** The events of `run` itself. */
  runEvents: EngineEvent[];
}

/** Read a run's chain and every event of it (two queries, whatever else the journal holds). */
export async function readRunChain(journal: Journal, run: RunRecord): Promise<RunChain> {
  const runs = await journal.chainOf(run.rootRunId);
  return chainOfEvents(run, runs, await journal.eventsOf(runs.map((r) => r.id)));
}

/** `readRunChain`, with the check of the chain's events and run rows made in the same read (`Journal.verifiedEventsOf`): what `report` shows is what it checked. */
export async function readVerifiedRunChain(journal: Journal, run: RunRecord): Promise<RunChain & { audit: ChainReport }> {
  const runs = await journal.chainOf(run.rootRunId);
  const { events, audit } = await journal.verifiedEventsOf(runs.map((r) => r.id));
  return { ...chainOfEvents(run, runs, events), audit };
}

function chainOfEvents(run: RunRecord, runs: RunRecord[], stored: StoredEvent[]): RunChain {
  // The runs started before this one in the chain: their events are the state it started from.
  const position = Math.max(
    0,
    runs.findIndex((r) => r.id === run.id),
  );
  const before = new Set(runs.slice(0, position).map((r) => r.id));
  const priorEvents: EngineEvent[] = [];
  const runEvents: EngineEvent[] = [];
  for (const { runId, event } of stored) {
    if (before.has(runId)) priorEvents.push(event);
    else if (runId === run.id) runEvents.push(event);
  }
  return { run, root: runs.find((r) => r.id === run.rootRunId) ?? run, runs, events: stored.map((e) => e.event), stored, priorEvents, runEvents };
}

/** How many earlier runs of the runbook `previousRelease` looks through. */
const PREVIOUS_RELEASE_WINDOW = 50;

/**
 * The version that was live in the run's environment before its deployment
 * (for "production is on 2.3.0 again"): the newest earlier deployment of the
 * same runbook there that succeeded and was not rolled back since. Null when
 * the recent history (`PREVIOUS_RELEASE_WINDOW` runs) holds none, or it named no version.
 */
export async function previousRelease(journal: Journal, chain: RunChain): Promise<string | null> {
  const { root } = chain;
  const earlier = await journal.listRuns({
    runbook: root.runbookName,
    environment: root.environment ?? undefined,
    modes: ['run', 'resume'],
    limit: PREVIOUS_RELEASE_WINDOW,
  });
  for (const candidate of earlier) {
    if (candidate.rootRunId === root.id || candidate.startedAt >= root.startedAt) continue;
    if (!['succeeded', 'succeeded-with-issues'].includes(journal.runStatus(candidate))) continue;
    const undone = (await journal.chainOf(candidate.rootRunId)).some((r) => r.mode === 'rollback' && journal.runStatus(r) === 'rolled-back');
    if (!undone) return candidate.runbookVersion;
  }
  return null;
}

/** The chain's runs as `show` and `report` list them, each with its status. */
export function chainLinks(journal: Journal, runs: RunRecord[]): ChainLink[] {
  return runs.map((r) => ({ id: r.id, mode: r.mode, status: journal.runStatus(r), parentRunId: r.parentRunId, startedAt: r.startedAt }));
}

/**
 * What the read commands show of the plan a run was made with: the plan
 * facts recorded with it, else (a run recorded before golive kept them, or
 * facts that do not read back) the same facts from its stored snapshot,
 * resolved with its chain's events (`chainEvents`, read only then). Null when
 * neither is there: the command stands on the events alone. The YAML loader
 * is imported only for the snapshot: at 10,000 steps, parsing it would be a
 * third of a report.
 */
export async function planFactsOfRun(journal: Journal, run: RunRecord, chainEvents: () => Promise<EngineEvent[]>): Promise<PlanFacts | null> {
  const facts = await journal.planFacts(run.id).catch(() => null);
  if (facts) return facts;
  const { snapshotPlan } = await import('./snapshot-plan.js');
  const plan = snapshotPlan(run, await chainEvents(), 'look');
  return plan && planFactsOf(plan);
}
