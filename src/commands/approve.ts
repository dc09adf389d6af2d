/** `golive approve <run-id> <id>`: approve the point a run waits at, from any terminal that reaches its journal. */
import { answerSummary, recordAnswer } from '../session/approval-answer.js';

/** Flags of `golive approve`. */
export interface ApproveFlags {
  db?: string;
  operator?: string;
  comment?: string;
}

/** Exit 0 when recorded; 2 when refused (and recorded as refused) or there is no such run; 6 when the journal cannot be used. */
export async function approveCommand(runId: string, pointId: string, flags: ApproveFlags): Promise<number> {
  const recorded = await recordAnswer(runId, pointId, 'approve', { db: flags.db, operator: flags.operator, comment: flags.comment });
  process.stdout.write(`${answerSummary(recorded)}\n`);
  return 0;
}
