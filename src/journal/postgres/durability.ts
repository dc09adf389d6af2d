/**
 * Which events must be on the server's disk before their append returns.
 * Waiting for the server to flush its write-ahead log is most of what a
 * commit costs; golive needs it only before it acts on the event. An event
 * that announces an action (a step about to start, a rollback, a decision,
 * the end of the run) is flushed. An event that records what just happened
 * (a process group, a finished step) is committed without waiting: it is
 * visible to every reader at once, and on disk no later than the next
 * flushed commit, because the log is flushed in order, so it is durable
 * before anything new starts. Only a crash of the server itself in between
 * can lose it, and that leaves the step "in doubt", which `golive resume`
 * checks, exactly as after a golive killed between a step and its record.
 */
import type { EventKind } from '../../engine/events.js';

/** `flushed`: on disk when the append returns. `deferred`: committed, on disk with the next flushed commit. */
export type Durability = 'flushed' | 'deferred';

// A mapped type: a new event kind does not compile until it is decided here.
const DURABILITY: { [K in EventKind]: Durability } = {
  'run.started': 'flushed',
  'check.finished': 'deferred',
  'question.asked': 'flushed',
  decision: 'flushed',
  'approval.requested': 'flushed',
  approval: 'flushed',
  'approval.carried': 'flushed',
  'step.started': 'flushed',
  'step.spawned': 'deferred',
  'step.output': 'deferred',
  'step.finished': 'deferred',
  'step.retrying': 'deferred',
  'step.state': 'deferred',
  'wave.started': 'deferred',
  // A host's end decides what resume and rollback do with it: on disk before the next host starts.
  'target.finished': 'flushed',
  'verify.finished': 'deferred',
  'rollback.started': 'flushed',
  'rollback.finished': 'deferred',
  'run.interrupted': 'flushed',
  'run.finished': 'flushed',
  warning: 'deferred',
};

/** How an event of this kind is committed. */
export function durabilityOf(kind: EventKind): Durability {
  return DURABILITY[kind];
}
