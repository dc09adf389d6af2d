/**
 * How each event kind shows up in the derived tables (attempts, outputs,
 * decisions, the run row's outcome). The events table stays the truth and
 * golive's own commands read only it (and the run rows): every read command
 * folds the events of the run's chain. The attempts, outputs and decisions
 * tables are there for people who query the journal with SQL (one row per
 * command execution, output and decision, indexed by run), and are written
 * in the same transaction as their event, so they never disagree with it.
 * An `EventHandlers` object, so a new event kind does not compile until
 * someone decides what it derives.
 */
import { dispatch, type EngineEvent, type EventHandlers } from '../../engine/events.js';
import { instanceKey } from '../../runbook/instances.js';
import type { Database } from './database.js';

/** Where the event being projected was stored. */
export interface ProjectionContext {
  runId: string;
  seq: number;
}

/** Writes an event's derived rows; runs inside the transaction that stores the event. */
export type Projector = (context: ProjectionContext, event: EngineEvent) => void;

/** Prepare the statements once and return the projector. */
export function createProjector(db: Database): Projector {
  // Upserts, not plain inserts: a derived row must never make the event
  // itself fail to record (the engine would stop on a journal error).
  const startAttempt = db.prepare(`
    INSERT INTO attempts (run_id, phase, step_id, attempt, started_at, expected_ms, command, seq)
    VALUES (@runId, @phase, @stepId, @attempt, @at, @expectedMs, @command, @seq)
    ON CONFLICT (run_id, phase, step_id, attempt) DO UPDATE SET
      started_at = excluded.started_at, expected_ms = excluded.expected_ms, command = excluded.command,
      status = NULL, exit_code = NULL, signal = NULL, ended_at = NULL, duration_ms = NULL,
      head = NULL, tail = NULL, log_path = NULL`);
  // A finish without a start ('not-started', or a start lost to an engine
  // bug) still gets its row, with the finish time as start and no command.
  // The output's head and tail stay in the step.finished event only (up to
  // 128 KiB a step: stored once); the row's columns are left NULL and
  // `attemptsOf` reads them from the event.
  const finishAttempt = db.prepare(`
    INSERT INTO attempts (run_id, phase, step_id, attempt, status, exit_code, signal, started_at, ended_at,
                          duration_ms, expected_ms, command, log_path, seq)
    VALUES (@runId, @phase, @stepId, @attempt, @status, @exitCode, @signal, @at, @at,
            @durationMs, @expectedMs, '', @logPath, @seq)
    ON CONFLICT (run_id, phase, step_id, attempt) DO UPDATE SET
      status = excluded.status, exit_code = excluded.exit_code, signal = excluded.signal,
      ended_at = excluded.ended_at, duration_ms = excluded.duration_ms,
      expected_ms = coalesce(excluded.expected_ms, attempts.expected_ms),
      head = NULL, tail = NULL, log_path = excluded.log_path`);
  const putOutput = db.prepare(`
    INSERT INTO outputs (run_id, step_id, name, value, seq) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (run_id, step_id, name) DO UPDATE SET value = excluded.value, seq = excluded.seq`);
  const insertDecision = db.prepare(`
    INSERT INTO decisions (seq, run_id, subject, subject_id, choice, reason, "by", via, at)
    VALUES (@seq, @runId, @subject, @subjectId, @choice, @reason, @by, @via, @at)`);
  const finishRun = db.prepare('UPDATE runs SET outcome = ?, exit_code = ?, ended_at = ? WHERE id = ?');

  // Set per call; the handlers are built once so projecting allocates nothing.
  let context: ProjectionContext = { runId: '', seq: 0 };
  const nothing = (): void => {};

  const handlers: EventHandlers = {
    'run.started': nothing,
    'check.finished': nothing,
    decision: (e) => {
      insertDecision.run({
        seq: context.seq,
        runId: context.runId,
        subject: e.subject,
        subjectId: e.subjectId ?? null,
        choice: e.choice,
        reason: e.reason ?? null,
        by: e.by,
        via: e.via,
        at: e.at,
      });
    },
    'step.started': (e) => {
      startAttempt.run({
        ...context,
        phase: e.phase,
        // One row per host's execution: a hosted step's rows are keyed `<step>@<host>`.
        stepId: instanceKey(e.stepId, e.target),
        attempt: e.attempt,
        at: e.at,
        expectedMs: e.expectedMs ?? null,
        command: e.command,
      });
    },
    // Never reaches the journal (see SqliteJournal.appendEvent); handled for completeness.
    'step.spawned': nothing,
    'question.asked': nothing, // the answer is the decision row // kept in the event only: resume reads it from there
    'approval.requested': nothing, // kept in the event only: the run and `golive approve` read it from there
    approval: nothing, // counted from the events; the outcome is the decision row
    'approval.carried': nothing, // kept in the event only: a later resume reads it from there
    'step.output': nothing,
    'step.finished': (e) => {
      finishAttempt.run({
        ...context,
        phase: e.phase,
        stepId: instanceKey(e.stepId, e.target),
        attempt: e.attempt,
        status: e.status,
        exitCode: e.exitCode,
        signal: e.signal,
        at: e.at,
        durationMs: e.durationMs,
        expectedMs: e.expectedMs ?? null,
        logPath: e.logPath ?? null,
      });
      // Only a step's own outputs feed templates; validate/verify/rollback commands' do not.
      if (e.phase !== 'step') return;
      for (const [name, value] of Object.entries(e.outputs)) {
        putOutput.run(context.runId, instanceKey(e.stepId, e.target), name, value, context.seq);
      }
    },
    'step.retrying': nothing,
    'step.state': nothing,
    'wave.started': nothing,
    'target.finished': nothing,
    'verify.finished': nothing,
    'rollback.started': nothing,
    'rollback.finished': nothing,
    'run.interrupted': nothing,
    'run.finished': (e) => {
      finishRun.run(e.outcome, e.exitCode, e.at, context.runId);
    },
    warning: nothing,
  };

  return (ctx, event) => {
    context = ctx;
    dispatch(handlers, event);
  };
}
