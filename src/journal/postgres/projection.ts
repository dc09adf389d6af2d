/**
 * How each event kind shows up in the PostgreSQL journal's derived tables
 * (attempts, outputs, decisions, the run row's outcome): the same rows the
 * SQLite journal derives (sqlite/projection.ts), for SQL users and the
 * attempt and decision views. The events table stays the truth. An
 * `EventHandlers` object, so a new event kind does not compile until someone
 * decides what it derives here too.
 */
import type pg from 'pg';
import { dispatch, type EngineEvent, type EventHandlers } from '../../engine/events.js';
import { instanceKey } from '../../runbook/instances.js';

/** Where the event being projected was stored. */
export interface ProjectionContext {
  runId: string;
  seq: number;
}

// Upserts, not plain inserts: a derived row must never make the event itself
// fail to record (the engine would stop on a journal error).
const START_ATTEMPT = `
  INSERT INTO attempts (run_id, phase, step_id, attempt, started_at, expected_ms, command, seq)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
  ON CONFLICT (run_id, phase, step_id, attempt) DO UPDATE SET
    started_at = excluded.started_at, expected_ms = excluded.expected_ms, command = excluded.command,
    status = NULL, exit_code = NULL, signal = NULL, ended_at = NULL, duration_ms = NULL,
    head = NULL, tail = NULL, log_path = NULL`;

// A finish without a start still gets its row, with the finish time as start and no command.
// The step's outputs go in the same statement, so a finished step costs one round trip.
const FINISH_ATTEMPT = `
  WITH finished AS (
    INSERT INTO attempts (run_id, phase, step_id, attempt, status, exit_code, signal, started_at, ended_at,
                          duration_ms, expected_ms, command, head, tail, log_path, seq)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10, '', $11, $12, $13, $14)
    ON CONFLICT (run_id, phase, step_id, attempt) DO UPDATE SET
      status = excluded.status, exit_code = excluded.exit_code, signal = excluded.signal,
      ended_at = excluded.ended_at, duration_ms = excluded.duration_ms,
      expected_ms = coalesce(excluded.expected_ms, attempts.expected_ms),
      head = excluded.head, tail = excluded.tail, log_path = excluded.log_path
  )
  INSERT INTO outputs (run_id, step_id, name, value, seq)
  SELECT $1, $3, name, value, $14 FROM unnest($15::text[], $16::text[]) AS o (name, value)
  ON CONFLICT (run_id, step_id, name) DO UPDATE SET value = excluded.value, seq = excluded.seq`;

const INSERT_DECISION = `
  INSERT INTO decisions (seq, run_id, subject, subject_id, choice, reason, "by", via, at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`;

const FINISH_RUN = 'UPDATE runs SET outcome = $1, exit_code = $2, ended_at = $3 WHERE id = $4';

/** The statement that writes an event's derived rows, or null when it derives none. */
export function projectionOf(context: ProjectionContext, event: EngineEvent): pg.QueryConfig | null {
  return dispatch(handlersFor(context), event);
}

type Handlers = EventHandlers<pg.QueryConfig | null>;

function handlersFor({ runId, seq }: ProjectionContext): Handlers {
  const nothing = (): null => null;
  return {
    'run.started': nothing,
    'check.finished': nothing,
    decision: (e) => ({
      name: 'golive_insert_decision',
      text: INSERT_DECISION,
      values: [seq, runId, e.subject, e.subjectId ?? null, e.choice, e.reason ?? null, e.by, e.via, e.at],
    }),
    'step.started': (e) => ({
      name: 'golive_start_attempt',
      text: START_ATTEMPT,
      values: [runId, e.phase, instanceKey(e.stepId, e.target), e.attempt, e.at, e.expectedMs ?? null, e.command, seq],
    }),
    'step.spawned': nothing,
    'question.asked': nothing, // the answer is the decision row
    'approval.requested': nothing, // kept in the event only: the run and `golive approve` read it from there
    approval: nothing, // counted from the events; the outcome is the decision row
    'approval.carried': nothing, // kept in the event only: a later resume reads it from there
    // Never reaches the journal (see PostgresJournal.appendEvent); handled for completeness.
    'step.output': nothing,
    'step.finished': (e) => {
      // Only a step's own outputs feed templates; validate/verify/rollback commands' do not.
      const outputs = e.phase === 'step' ? Object.entries(e.outputs) : [];
      return {
        name: 'golive_finish_attempt',
        text: FINISH_ATTEMPT,
        values: [
          runId,
          e.phase,
          instanceKey(e.stepId, e.target),
          e.attempt,
          e.status,
          e.exitCode,
          e.signal,
          e.at,
          e.durationMs,
          e.expectedMs ?? null,
          e.head,
          e.tail,
          e.logPath ?? null,
          seq,
          outputs.map(([name]) => name),
          outputs.map(([, value]) => value),
        ],
      };
    },
    'step.retrying': nothing,
    'step.state': nothing,
    'wave.started': nothing,
    'target.finished': nothing,
    'verify.finished': nothing,
    'rollback.started': nothing,
    'rollback.finished': nothing,
    'run.interrupted': nothing,
    'run.finished': (e) => ({ name: 'golive_finish_run', text: FINISH_RUN, values: [e.outcome, e.exitCode, e.at, runId] }),
    warning: nothing,
  };
}
