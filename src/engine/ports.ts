/**
 * What the engine needs from the outside world. The CLI passes the real
 * things (process runner, SQLite-backed sink, system clock, terminal
 * prompter); engine tests pass fakes.
 */
import type { ProcessRunner } from '../process/types.js';
import type { EngineEventBody, EventOf } from './events.js';

/** Time, injectable so tests need not wait. */
export interface Clock {
  now(): Date;
  /** Resolves after `ms`, or early when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** A choice offered to the operator. */
export interface Choice<T extends string> {
  value: T;
  name: string;
  description?: string;
}

/**
 * Asking the operator. `interactive` is false without a terminal: the engine
 * then never calls the other methods (a prompt without a TTY would exit the
 * process silently) and applies its non-interactive rules instead.
 */
export interface Prompter {
  readonly interactive: boolean;
  /** Ask yes/no; an aborted `signal` withdraws the question (its answer is then meaningless). */
  confirm(message: string, signal?: AbortSignal): Promise<boolean>;
  select<T extends string>(message: string, choices: Array<Choice<T>>): Promise<T>;
  input(message: string): Promise<string>;
}

/**
 * Receives every event. The engine awaits it before its next action, so a
 * sink that records to the journal synchronously makes every event durable
 * before the next process starts. A sink that throws stops the run.
 */
export type EventSink = (event: EngineEventBody & { at: string }) => void | Promise<void>;

/**
 * Where a run waiting for approvals finds the answers other processes
 * recorded (`golive approve` / `reject`). The session reads them from the
 * journal; without one, a point that needs approval cannot pass.
 */
export interface ApprovalInbox {
  /** The `approval` events recorded for this run's point since it was last requested, in journal order. */
  answersTo(pointId: string): Promise<Array<EventOf<'approval'>>>;
  /** How long to wait between looks (ms). */
  readonly pollMs: number;
}

/**
 * Where the session stops the run's commands for a cause of its own (the
 * journal stayed unreachable beyond its limit), so each command's end names
 * that cause instead of the signal that ended it.
 */
export interface Halts {
  /** Be told, once, of the cause when the session halts the run. */
  onHalt(listener: (cause: string) => void): void;
}

/** The engine's ports. */
export interface EnginePorts {
  runner: ProcessRunner;
  clock: Clock;
  prompter: Prompter;
  sink: EventSink;
  approvals?: ApprovalInbox;
  halts?: Halts;
}

/** The system clock. */
export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/** A prompter for runs without a terminal. */
export const noPrompter: Prompter = {
  interactive: false,
  confirm: () => Promise.reject(new Error('no terminal to ask on')),
  select: () => Promise.reject(new Error('no terminal to ask on')),
  input: () => Promise.reject(new Error('no terminal to ask on')),
};
