/**
 * Asking the operator in a terminal, with @inquirer/prompts: inside the
 * running task of the live list (through listr2's prompt adapter, so the
 * question is drawn under the task it is about), or directly when there is no
 * list (questions before a run starts, `golive resume`).
 *
 * Ctrl-C at a prompt: the terminal is in raw mode, so no SIGINT reaches the
 * process; inquirer rejects with an ExitPromptError instead. A rejected
 * question would end the run unrecorded, so the prompter turns Ctrl-C into
 * what Ctrl-C means everywhere else in golive: it raises the interrupt (by
 * default a real SIGINT to this process, which the session's handler
 * records), then returns the question's safe answer (no; "abort" from a
 * choice; an empty text). The engine checks the interruption right after
 * every answer and stops the run as interrupted (exit 130), recording nothing
 * as answered. A question open when the run is stopped by a signal is
 * withdrawn the same way (`signal`).
 */
import { ListrInquirerPromptAdapter } from '@listr2/prompt-adapter-inquirer';
import type { Choice, Prompter } from '../engine/ports.js';
import { ExitCode, GoliveError } from '../errors.js';
import type { TaskHandle } from './task-list-model.js';

/** Options of a terminal prompter. */
export interface TerminalPrompterOptions {
  /** The running task a question should be drawn in; undefined (or resolving to undefined) asks directly on the terminal. */
  host?: () => Promise<TaskHandle | undefined>;
  /** Called on Ctrl-C at a prompt, before the safe answer is returned. Default: raise SIGINT at this process. */
  onInterrupt?: () => void | Promise<void>;
  /** The input checked for a terminal before asking (default process.stdin). */
  input?: { isTTY?: boolean };
  /**
   * The run's stop signal (the session's interruption): a question open when
   * the run is stopped (SIGTERM, SIGHUP) is withdrawn and gets its safe answer,
   * instead of holding the stopping run until someone types.
   */
  signal?: AbortSignal;
}

/** A question could not be answered: no terminal, or Ctrl-C at a question that has no safe answer. */
export class PromptError extends GoliveError {}

/** A prompter for the terminal (interactive: true). It refuses to ask when standard input is not a terminal. */
export function createTerminalPrompter(options: TerminalPrompterOptions = {}): Prompter {
  const input = options.input ?? process.stdin;
  const onInterrupt = options.onInterrupt ?? raiseSigint;
  // One question at a time: parallel confirmations would otherwise draw two prompts at once (listr2 refuses that).
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(ask: () => Promise<T>): Promise<T> => {
    const next = queue.then(ask, ask);
    queue = next.catch(() => undefined);
    return next;
  };

  async function ask<T>(
    message: string,
    run: (prompts: Prompts, host: TaskHandle | undefined, context: PromptContext) => Promise<T>,
    safe: () => T,
    withdrawn?: AbortSignal,
  ): Promise<T> {
    // A prompt whose stdin is not a terminal makes the process exit 0 silently: never start one.
    if (input.isTTY !== true) {
      throw new PromptError(`cannot ask "${message}": standard input is not a terminal`, {
        hint: 'run golive in a terminal, or answer on the command line (--yes, --approve <id>)',
      });
    }
    return serial(async () => {
      if (options.signal?.aborted || withdrawn?.aborted) return safe();
      const prompts = await import('@inquirer/prompts');
      const host = await options.host?.();
      try {
        return await run(prompts, host, { signal: options.signal });
      } catch (error) {
        if (!isPromptEnd(error)) throw error;
        if (isCtrlC(error)) await onInterrupt();
        return safe();
      }
    });
  }

  return {
    interactive: true,
    confirm: (message, signal) =>
      ask(
        message,
        (p, host, context) => show(host, p.confirm, { message, default: false }, signal ? { signal: anySignal(context.signal, signal) } : context),
        () => false,
        signal,
      ),
    select: <T extends string>(message: string, choices: Array<Choice<T>>) =>
      ask<T>(
        message,
        (p, host, context) => show(host, p.select<T>, { message, choices }, context),
        () => {
          const abort = choices.find((c) => c.value === 'abort');
          if (abort) return abort.value;
          throw new PromptError(`interrupted at "${message}"`, { exitCode: ExitCode.Sigint });
        },
      ),
    input: (message) =>
      ask(
        message,
        (p, host, context) => show(host, p.input, { message }, context),
        () => '',
      ),
  };
}

/** Aborted when either is: the run's stop signal, or the asker withdrawing its question. */
function anySignal(run: AbortSignal | undefined, question: AbortSignal): AbortSignal {
  return run ? AbortSignal.any([run, question]) : question;
}

/** Show an inquirer prompt inside a task (through the adapter) or directly. */
async function show<C, V>(
  host: TaskHandle | undefined,
  prompt: (config: C, context?: PromptContext) => Promise<V>,
  config: C,
  context: PromptContext,
): Promise<V> {
  if (!host) return prompt(config, context);
  const adapter = host.prompt(ListrInquirerPromptAdapter);
  try {
    // The adapter's declared return type wraps the prompt's promise once more; at run time it resolves to the answer.
    return await (adapter as unknown as { run(prompt: (config: C, context?: PromptContext) => Promise<V>, config: C, context: PromptContext): Promise<V> }).run(
      prompt,
      config,
      context,
    );
  } finally {
    // The adapter keeps its finished prompt and "cancels" it whenever the task is later skipped, which puts the
    // task back in its pre-prompt state: a skipped step would then be drawn as passed. Forget the finished prompt.
    (adapter as unknown as { prompt?: unknown }).prompt = undefined;
  }
}

type Prompts = typeof import('@inquirer/prompts');
/** What an inquirer prompt is given besides its config. */
type PromptContext = { signal?: AbortSignal };

/** The prompt ended without an answer: Ctrl-C, a signal, or it was cancelled. */
function isPromptEnd(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name;
  return name === 'ExitPromptError' || name === 'AbortPromptError' || name === 'CancelPromptError';
}

/**
 * Ctrl-C typed at the prompt. inquirer words it "… with SIGINT"; a real
 * signal delivered to the process reads "… with <code> <signal>" and has
 * already reached the session's handler, so raising another would count as
 * a second Ctrl-C (a forced stop).
 */
function isCtrlC(error: unknown): boolean {
  const e = error as { name?: string; message?: string };
  return e.name === 'ExitPromptError' && /with SIGINT$/.test(e.message ?? '');
}

/**
 * Raise SIGINT at this process, so Ctrl-C at a prompt takes the same path as
 * Ctrl-C anywhere else. Resolves once the signal was delivered (the session's
 * handler, registered earlier, has run by then). When nothing handles SIGINT,
 * its default action ends the process, as Ctrl-C would.
 */
async function raiseSigint(): Promise<void> {
  if (process.listenerCount('SIGINT') === 0) {
    process.kill(process.pid, 'SIGINT');
    // Ignored SIGINT (nohup): do not hang, answer safely.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return;
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.kill(process.pid, 'SIGINT');
  });
}
