/**
 * A PostgreSQL database golive has never written to, opened for reading:
 * a journal with no runs yet, not an error. The read commands then say what
 * they say of an empty journal file ("no runs recorded yet"), and nothing is
 * created, so a mistyped URL leaves nothing behind.
 */
import type { EventKind } from '../../engine/events.js';
import type { BeforeTakeover, Journal, LockRequest, RecordedEvent, RunQuery } from '../port.js';
import type { ChainReport, LockHolder, NewRun, PlanFacts, RunIdentity, RunRecord, RunStatus, StoredEvent } from '../types.js';

/** Only ever opened read-only: every write is a bug in golive. */
function readOnly(what: string): never {
  throw new Error(`${what}: this journal was opened read-only (the database holds no golive journal yet)`);
}

/** The journal of a database without golive's tables: no runs, no events, no locks. */
export class NeverUsedJournal implements Journal {
  constructor(readonly location: string) {}

  createRun(_run: NewRun): Promise<RunRecord> {
    return readOnly('createRun');
  }
  appendEvent(_runId: string, _event: unknown): Promise<never> {
    return readOnly('appendEvent');
  }
  appendDecided(_runId: string, _kinds: EventKind[], _decide: (events: StoredEvent[]) => RecordedEvent): Promise<never> {
    return readOnly('appendDecided');
  }
  // Only answering an approval asks who we are, and that opens the journal for writing.
  whoAmI(): Promise<RunIdentity> {
    return readOnly('whoAmI');
  }
  heartbeat(_runId: string): Promise<boolean> {
    return readOnly('heartbeat');
  }
  acquireLock(_runbook: string, _environment: string | null, _holder: LockRequest, _beforeTakeover?: BeforeTakeover): Promise<never> {
    return readOnly('acquireLock');
  }
  releaseLock(_runbook: string, _environment: string | null, _runId: string): Promise<boolean> {
    return readOnly('releaseLock');
  }
  async lockHolder(_runbook: string, _environment: string | null): Promise<LockHolder | null> {
    return null;
  }
  async getRun(_idOrPrefix: string): Promise<RunRecord | null> {
    return null;
  }
  async listRuns(_query?: RunQuery): Promise<RunRecord[]> {
    return [];
  }
  async runningRuns(): Promise<RunRecord[]> {
    return [];
  }
  async chainOf(_rootRunId: string): Promise<RunRecord[]> {
    return [];
  }
  runStatus(run: RunRecord): RunStatus {
    return run.outcome;
  }
  async eventsOf(_runIds: string[]): Promise<StoredEvent[]> {
    return [];
  }
  async eventsSince(_runId: string, _afterSeq: number, _kinds: EventKind[]): Promise<StoredEvent[]> {
    return [];
  }
  async planFacts(_runId: string): Promise<PlanFacts | null> {
    return null;
  }
  async verifiedEventsOf(_runIds: string[]): Promise<{ events: StoredEvent[]; audit: ChainReport }> {
    return { events: [], audit: { ok: true, checked: 0, scope: 'runs' } };
  }
  async *iterateEvents(_runIds?: string[]): AsyncGenerator<StoredEvent> {
    // No events.
  }
  async verifyChain(): Promise<ChainReport> {
    return { ok: true, checked: 0 };
  }
  async verifyRuns(_runIds: string[]): Promise<ChainReport> {
    return { ok: true, checked: 0, scope: 'runs' };
  }
  async close(): Promise<void> {}
}
