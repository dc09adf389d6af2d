/** `golive reject <run-id> <id> --reason "…"`: refuse the point a run waits at; the run takes its failure policy. */
import { UsageError } from '../errors.js';
import { answerSummary, recordAnswer } from '../session/approval-answer.js';

/** Flags of `golive reject`. */
export interface RejectFlags {
  db?: string;
  operator?: string;
  reason?: string;
}

/** Exit 0 when recorded; 2 without a reason, when refused (and recorded as refused) or there is no such run; 6 when the journal cannot be used. */
export async function rejectCommand(runId: string, pointId: string, flags: RejectFlags): Promise<number> {
  // The operator of the waiting run must see why: a rejection always says it.
  if (!flags.reason?.trim())
    throw new UsageError(`golive reject needs --reason "<why>": the run shows it to its operator`, `golive reject ${runId} ${pointId} --reason "…"`);
  const recorded = await recordAnswer(runId, pointId, 'reject', { db: flags.db, operator: flags.operator, comment: flags.reason });
  process.stdout.write(`${answerSummary(recorded)}\n`);
  return 0;
}
