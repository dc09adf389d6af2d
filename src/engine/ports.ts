/**
 * What the engine needs from the outside world. The CLI passes the real
 * things (process runner, SQLite-backed sink, system clock, terminal
 * prompter); engine tests pass fakes.
 */
import type { ProcessRunner } from '../process/types.js';
import type { EngineEventBody } from './events.js';

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
  confirm(message: string): Promise<boolean>;
  select<T extends string>(message: string, choices: Array<Choice<T>>): Promise<T>;
  input(message: string): Promise<string>;
}

/**
 * Receives every event. The engine awaits it before its next action, so a
 * sink that records to the journal synchronously makes every event durable
 * before the next process starts. A sink that throws stops the run.
 */
export type EventSink = (event: EngineEventBody & { at: string }) => void | Promise<void>;

/** The engine's ports. */
export interface EnginePorts {
  runner: ProcessRunner;
  clock: Clock;
  prompter: Prompter;
  sink: EventSink;
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
