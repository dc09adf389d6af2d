/**
 * Fake ports for the engine tests: a process runner scripted per command
 * text, a clock that never waits, a prompter with scripted answers, and an
 * event sink that collects (and can refuse) events. Each records what the
 * engine asked of it, so a test asserts on commands, delays, questions and
 * events rather than on timing.
 */
import type { EngineEvent, EventKind, EventOf } from '../../src/engine/events.js';
import type { Choice, Clock, EventSink, Prompter } from '../../src/engine/ports.js';
import { createMasker } from '../../src/process/mask.js';
import { splitSecretOutputs } from '../../src/process/outputs-file.js';
import type { CommandResult, CommandSpec, OutputStream, ProcessRunner, RunningCommand } from '../../src/process/types.js';

/**
 * A shared, ordered record of what happened across the fakes
 * (`spawn …`, `exit …`, `terminate …`, `kill …`, `event …`, `recorded …`),
 * for assertions about interleaving.
 */
export type Timeline = string[];

/** How one invocation of a command behaves. */
export interface CommandBehaviour {
  /** Exit status (default 0). */
  exitCode?: number;
  /** `name=value` pairs the command "writes" to `$GOLIVE_OUTPUT`. */
  outputs?: Record<string, string>;
  /** Text written to stdout (delivered through `onOutput`). */
  output?: string;
  /** Text written to stderr. */
  stderr?: string;
  /** Real milliseconds before the command ends (default: the next macrotask). */
  delayMs?: number;
  /** Run until `terminate()` or `kill()`. */
  hang?: boolean;
  /** SIGTERM has no effect: only `kill()` ends it (a process that traps TERM). */
  ignoreTerminate?: boolean;
  /** The timeout fired. */
  timedOut?: boolean;
  /** The command could not be started. */
  spawnError?: string;
  /** The ssh connection failed (a remote command's transport, not the command). */
  transportError?: string;
}

/** One command the runner was asked to start. */
export interface SpawnRecord {
  /** The command text exactly as the engine rendered it (secrets included). */
  command: string;
  spec: CommandSpec;
  /** Position among all spawns (0-based). */
  index: number;
  terminated: boolean;
  killed: boolean;
  finished: boolean;
}

type Matcher = string | RegExp;

interface Script {
  match: Matcher;
  behaviours: CommandBehaviour[];
  calls: number;
}

function matches(matcher: Matcher, command: string): boolean {
  return typeof matcher === 'string' ? matcher === command : matcher.test(command);
}

/**
 * A `ProcessRunner` whose commands do what the test scripted for their text.
 * An unscripted command exits 0 at once. Like the real runner, it masks the
 * secrets of the spec in every text and output it hands back.
 */
export class FakeRunner implements ProcessRunner {
  readonly spawned: SpawnRecord[] = [];
  private readonly scripts: Script[] = [];
  private readonly waiters: Array<{ match: Matcher; resolve: (record: SpawnRecord) => void }> = [];

  constructor(readonly timeline: Timeline = []) {}

  /**
   * Script a command (exact text, or a pattern). An array scripts successive
   * invocations; the last entry repeats. A later script for the same command wins.
   */
  on(match: Matcher, behaviour: CommandBehaviour | CommandBehaviour[]): this {
    this.scripts.unshift({ match, behaviours: Array.isArray(behaviour) ? behaviour : [behaviour], calls: 0 });
    return this;
  }

  /** Shorthand: the command exits with this status every time. */
  fails(match: Matcher, exitCode = 1): this {
    return this.on(match, { exitCode });
  }

  /** Every spawned command text, in spawn order. */
  get commands(): string[] {
    return this.spawned.map((record) => record.command);
  }

  /** How often a command was spawned. */
  count(match: Matcher): number {
    return this.spawned.filter((record) => matches(match, record.command)).length;
  }

  /** The first spawn of a matching command (already started, or when it starts). */
  whenStarted(match: Matcher): Promise<SpawnRecord> {
    const found = this.spawned.find((record) => matches(match, record.command));
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  start(spec: CommandSpec, onOutput?: (stream: OutputStream, text: string) => void): RunningCommand {
    const behaviour = this.behaviourFor(spec.command);
    const masker = createMasker(spec.secrets);
    const record: SpawnRecord = { command: spec.command, spec, index: this.spawned.length, terminated: false, killed: false, finished: false };
    this.spawned.push(record);
    this.timeline.push(`spawn ${spec.command}`);
    const startedAt = new Date();

    let settle!: (result: CommandResult) => void;
    const result = new Promise<CommandResult>((resolve) => (settle = resolve));
    let timer: NodeJS.Timeout | undefined;
    const stdout = masker.mask(behaviour.output ?? '');
    const stderr = masker.mask(behaviour.stderr ?? '');
    let outputDelivered = false;
    const deliverOutput = () => {
      if (outputDelivered) return;
      outputDelivered = true;
      if (stdout) onOutput?.('stdout', stdout);
      if (stderr) onOutput?.('stderr', stderr);
    };

    const end = (how: 'exit' | 'terminate' | 'kill') => {
      if (record.finished) return;
      record.finished = true;
      if (timer) clearTimeout(timer);
      deliverOutput();
      this.timeline.push(`exit ${spec.command}`);
      const endedAt = new Date();
      const spawnFailed = behaviour.spawnError !== undefined;
      const stopped = how !== 'exit';
      const exitCode = spawnFailed || stopped || behaviour.timedOut ? null : (behaviour.exitCode ?? 0);
      const signal = how === 'terminate' ? 'SIGTERM' : how === 'kill' ? 'SIGKILL' : behaviour.timedOut ? 'SIGKILL' : null;
      // As the real runner does: an output holding a secret is refused, never masked.
      const { outputs, refused } = splitSecretOutputs(behaviour.outputs ?? {}, masker);
      settle({
        exitCode,
        signal,
        timedOut: behaviour.timedOut === true && !stopped,
        stopped,
        spawnError: behaviour.spawnError ? masker.mask(behaviour.spawnError) : undefined,
        ...(behaviour.transportError !== undefined ? { transportError: behaviour.transportError } : {}),
        startedAt,
        endedAt,
        durationMs: endedAt.getTime() - startedAt.getTime(),
        head: stdout + stderr,
        tail: '',
        outputBytes: Buffer.byteLength(stdout + stderr),
        outputs: spawnFailed ? {} : outputs,
        ...(spawnFailed || refused.length === 0 ? {} : { refusedOutputs: refused }),
        ok: exitCode === 0 && !stopped && !spawnFailed && !behaviour.timedOut && behaviour.transportError === undefined,
      });
    };

    if (behaviour.spawnError !== undefined) setImmediate(() => end('exit'));
    else {
      // Output arrives while the command runs, as it would from a pipe.
      setImmediate(deliverOutput);
      if (behaviour.hang) {
        /* ends on terminate() or kill() */
      } else if (behaviour.delayMs) timer = setTimeout(() => end('exit'), behaviour.delayMs);
      else setImmediate(() => end('exit'));
    }

    for (const waiter of [...this.waiters]) {
      if (!matches(waiter.match, spec.command)) continue;
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve(record);
    }

    const timeline = this.timeline;
    return {
      pid: behaviour.spawnError === undefined ? 4000 + record.index : undefined,
      result,
      terminate() {
        record.terminated = true;
        timeline.push(`terminate ${spec.command}`);
        if (!behaviour.ignoreTerminate) end('terminate');
      },
      kill() {
        record.killed = true;
        timeline.push(`kill ${spec.command}`);
        end('kill');
      },
    };
  }

  private behaviourFor(command: string): CommandBehaviour {
    const script = this.scripts.find((s) => matches(s.match, command));
    if (!script) return {};
    const behaviour = script.behaviours[Math.min(script.calls, script.behaviours.length - 1)];
    script.calls++;
    return behaviour;
  }
}

/** A clock that never waits: `sleep` records the delay and moves time on; every `now()` moves it one second. */
export class FakeClock implements Clock {
  /** Every delay asked for, in order. */
  readonly sleeps: number[] = [];
  /** Called on every sleep (e.g. to deliver a signal during a retry wait). */
  onSleep?: (ms: number) => void;
  private time: number;

  constructor(
    start = Date.parse('2026-12-01T09:00:00Z'),
    private readonly tickMs = 1000,
  ) {
    this.time = start;
  }

  now(): Date {
    const now = new Date(this.time);
    this.time += this.tickMs;
    return now;
  }

  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.time += ms;
    this.onSleep?.(ms);
  }
}

/** A question the engine put to the operator. */
export interface Question {
  kind: 'confirm' | 'select' | 'input';
  message: string;
  /** The values offered by a `select`. */
  choices?: string[];
}

/** Scripted answers, consumed in order. */
export interface Answers {
  confirm?: boolean[];
  select?: string[];
  input?: string[];
}

/**
 * A prompter with scripted answers. Asking a question with no answer left,
 * offering no such choice, or asking at all without a terminal throws, so
 * an unexpected prompt fails the test loudly.
 */
export class FakePrompter implements Prompter {
  readonly questions: Question[] = [];
  private readonly answers: Required<Answers>;
  private readonly ctrlCs: Array<{ kind: Question['kind']; interrupt: () => void }> = [];

  constructor(
    readonly interactive: boolean,
    answers: Answers = {},
  ) {
    this.answers = { confirm: [...(answers.confirm ?? [])], select: [...(answers.select ?? [])], input: [...(answers.input ?? [])] };
  }

  /**
   * The next question of this kind meets Ctrl-C, handled as the terminal
   * prompter does (src/output/terminal-prompter.ts): `interrupt` raises the
   * interrupt, then the question gets its safe answer (no; "abort" when
   * offered; empty text).
   */
  ctrlC(kind: Question['kind'], interrupt: () => void): this {
    this.ctrlCs.push({ kind, interrupt });
    return this;
  }

  async confirm(message: string): Promise<boolean> {
    this.ask({ kind: 'confirm', message });
    if (this.pressedCtrlC('confirm')) return false;
    return this.next('confirm', message);
  }

  async select<T extends string>(message: string, choices: Array<Choice<T>>): Promise<T> {
    this.ask({ kind: 'select', message, choices: choices.map((c) => c.value) });
    if (this.pressedCtrlC('select')) {
      const abort = choices.find((c) => c.value === 'abort');
      if (!abort) throw new Error(`FakePrompter: interrupted at "${message}"`);
      return abort.value;
    }
    const answer = this.next('select', message);
    const choice = choices.find((c) => c.value === answer);
    if (!choice) throw new Error(`FakePrompter: "${answer}" is not one of ${choices.map((c) => c.value).join(', ')} for "${message}"`);
    return choice.value;
  }

  async input(message: string): Promise<string> {
    this.ask({ kind: 'input', message });
    if (this.pressedCtrlC('input')) return '';
    return this.next('input', message);
  }

  private pressedCtrlC(kind: Question['kind']): boolean {
    const index = this.ctrlCs.findIndex((c) => c.kind === kind);
    if (index < 0) return false;
    const [ctrlC] = this.ctrlCs.splice(index, 1);
    ctrlC.interrupt();
    return true;
  }

  private ask(question: Question): void {
    this.questions.push(question);
    if (!this.interactive) throw new Error(`FakePrompter: asked "${question.message}" without a terminal`);
  }

  private next<K extends keyof Answers>(kind: K, message: string): Required<Answers>[K][number] {
    const queue = this.answers[kind] as Array<Required<Answers>[K][number]>;
    if (queue.length === 0) throw new Error(`FakePrompter: no ${kind} answer left for "${message}"`);
    return queue.shift()!;
  }
}

/** The error a failing journal throws. */
export class FakeJournalError extends Error {
  constructor(event: EngineEvent) {
    super(`journal write failed at ${event.kind}`);
    this.name = 'FakeJournalError';
  }
}

/** Options of an `EventLog`. */
export interface EventLogOptions {
  /** Refuse (throw) on this kind, or on events matching this test: the journal cannot write. */
  failOn?: EventKind | ((event: EngineEvent) => boolean);
  /** Acknowledge each event only after a macrotask, as a real journal write would. */
  async?: boolean;
  /** Called as each event arrives, before it is acknowledged (e.g. to deliver a signal at that instant). */
  onEvent?: (event: EngineEvent) => void;
  timeline?: Timeline;
}

/** A sink that collects every event it acknowledges, in order. */
export class EventLog {
  readonly events: EngineEvent[] = [];
  readonly sink: EventSink;

  constructor(options: EventLogOptions = {}) {
    const timeline = options.timeline ?? [];
    const failing = typeof options.failOn === 'string' ? (e: EngineEvent) => e.kind === options.failOn : options.failOn;
    const label = (event: EngineEvent) => `${event.kind}${'stepId' in event ? ` ${event.stepId}` : ''}`;
    const record = (event: EngineEvent) => {
      if (failing?.(event)) throw new FakeJournalError(event);
      this.events.push(event);
      timeline.push(`recorded ${label(event)}`);
    };
    this.sink = (body) => {
      const event = body as EngineEvent;
      timeline.push(`event ${label(event)}`);
      options.onEvent?.(event);
      if (!options.async) return record(event);
      return new Promise<void>((resolve, reject) =>
        setImmediate(() => {
          try {
            record(event);
            resolve();
          } catch (error) {
            reject(error);
          }
        }),
      );
    };
  }

  /** The kinds, in order. */
  kinds(): EventKind[] {
    return this.events.map((e) => e.kind);
  }

  /** Every event of one kind, in order. */
  ofKind<K extends EventKind>(kind: K): Array<EventOf<K>> {
    return this.events.filter((e): e is EventOf<K> => e.kind === kind);
  }

  /** The single event of a kind (throws when there is not exactly one). */
  only<K extends EventKind>(kind: K): EventOf<K> {
    const found = this.ofKind(kind);
    if (found.length !== 1) throw new Error(`expected one ${kind} event, got ${found.length}`);
    return found[0];
  }

  /** The last event (usually `run.finished`). */
  last(): EngineEvent {
    return this.events[this.events.length - 1];
  }

  /** The `step.state` transitions of one step, in order. */
  statesOf(stepId: string): string[] {
    return this.ofKind('step.state')
      .filter((e) => e.stepId === stepId)
      .map((e) => e.state);
  }

  /** The `decision` events of one subject. */
  decisions(subject: EventOf<'decision'>['subject']): Array<EventOf<'decision'>> {
    return this.ofKind('decision').filter((e) => e.subject === subject);
  }
}
