/**
 * The spool: events a run could not record because its journal's server
 * stayed away, kept on the local disk until `golive audit replay` appends
 * them to the run's chain. One JSON-lines file per run, readable only by
 * its owner (events are masked, but they describe a deployment): a header
 * line naming the run and the journal (its printable location: never a
 * password), then one event per line, in the order the run produced them.
 */
import { appendFileSync, chmodSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineEvent } from '../engine/events.js';
import { UsageError } from '../errors.js';
import { canonicalJson } from './hash-chain.js';
import type { Journal } from './port.js';

/** The first line of a spool file. */
export interface SpoolHeader {
  spool: typeof SPOOL_KIND;
  version: 1;
  runId: string;
  /** The journal the events belong to, as printed (password masked). */
  journal: string;
  /** When the journal was last seen unreachable before the run stopped. */
  unreachableSince: string;
}

/** A spool file as read back. */
export interface Spool {
  header: SpoolHeader;
  events: EngineEvent[];
}

const SPOOL_KIND = 'golive-journal-spool';

/** Where a run's spool goes: `spool/<run-id>.jsonl` in the directory that holds its logs (the project's `.golive/`). */
export function spoolPathFor(logRoot: string, runId: string): string {
  return join(logRoot, 'spool', `${runId}.jsonl`);
}

/**
 * Append `event` to the spool at `path`, creating it (0600, in a 0700
 * directory) with `header` first. Synchronous: the run is stopping, and the
 * event must be on disk before the stop is reported.
 */
export function spoolEvent(path: string, header: SpoolHeader, event: EngineEvent): void {
  const dir = join(path, '..');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const fresh = !exists(path);
  appendFileSync(path, `${fresh ? `${JSON.stringify(header)}\n` : ''}${JSON.stringify(event)}\n`, { mode: 0o600 });
  // A file left by an older umask or a copy is made private too.
  if (fresh) chmodSync(path, 0o600);
}

/**
 * Read the spool at `path`.
 * @throws UsageError (exit 2) when it is missing or not a golive spool file.
 */
export function readSpool(path: string): Spool {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `cannot read the spool file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      'name the file the stopped run printed',
    );
  }
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const parsed = lines.map((line, index) => {
    try {
      return JSON.parse(line) as unknown;
    } catch {
      throw new UsageError(`${path}:${index + 1}: not a JSON line`, 'a spool file is written by golive and replayed as it is; restore it from a copy');
    }
  });
  const [header, ...events] = parsed as [SpoolHeader | undefined, ...EngineEvent[]];
  if (header?.spool !== SPOOL_KIND || header.version !== 1 || typeof header.runId !== 'string') {
    throw new UsageError(`${path} is not a golive journal spool file`, 'name the file the stopped run printed (in .golive/spool/)');
  }
  for (const [index, event] of events.entries()) {
    if (typeof event !== 'object' || event === null || typeof event.kind !== 'string' || typeof event.at !== 'string') {
      throw new UsageError(`${path}:${index + 2}: not an event`, 'a spool file is written by golive and replayed as it is; restore it from a copy');
    }
  }
  return { header, events };
}

/**
 * The spooled `events` of run `runId` the journal does not hold yet, in
 * spool order. Counted, not just seen: two identical events in the spool
 * are two events, and one the journal holds once stands for one of them.
 */
export async function unrecordedEvents(store: Journal, runId: string, events: EngineEvent[]): Promise<Exclude<EngineEvent, { kind: 'step.output' }>[]> {
  const present = new Map<string, number>();
  for (const stored of await store.eventsOf([runId])) {
    const data = canonicalJson(stored.event);
    present.set(data, (present.get(data) ?? 0) + 1);
  }
  const missing: Exclude<EngineEvent, { kind: 'step.output' }>[] = [];
  for (const event of events) {
    if (event.kind === 'step.output') continue;
    const data = canonicalJson(event);
    const recorded = present.get(data) ?? 0;
    if (recorded > 0) present.set(data, recorded - 1);
    else missing.push(event);
  }
  return missing;
}

function exists(path: string): boolean {
  try {
    return statSync(path).size > 0;
  } catch {
    return false;
  }
}
