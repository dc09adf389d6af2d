/**
 * The application's entry point (started by cli/launch.ts): commander wiring
 * only. Each command lazily imports its implementation, so a command runs
 * only the module code it needs. This is the only place that sets the
 * process exit code.
 */
import { ExitCode, GoliveError, UsageError } from '../errors.js';
import { EVENT_STREAM_FORMAT } from '../output/json-lines.js';
import { goliveVersion } from './version.js';

/** Run the CLI with `argv` (as `process.argv`). Sets `process.exitCode`; never throws. */
export async function main(argv: string[]): Promise<void> {
  const args = argv.slice(2);
  watchOutputErrors(EXECUTING_COMMANDS.has(args[0] ?? ''));
  try {
    assertWorkingDirectoryExists();
    const [{ Command, CommanderError }, { registerCommands }] = await Promise.all([import('commander'), import('./program.js')]);
    const program = new Command('golive')
      .description('Runbook executor for deployment day: validate, rehearse, run, roll back, audit.')
      .version(goliveVersion(), '-V, --version')
      .exitOverride()
      .showSuggestionAfterError(true)
      .showHelpAfterError('(add --help for usage)')
      .configureHelp({ sortSubcommands: false });
    let exitCode: number = ExitCode.Ok;
    registerCommands(program, (code) => {
      exitCode = code;
    });
    program.addHelpText('after', EXIT_CODES_HELP);
    if (args.length === 0) {
      program.outputHelp({ error: true });
      process.exitCode = ExitCode.Usage;
      return;
    }
    try {
      await program.parseAsync(argv);
    } catch (error) {
      if (error instanceof CommanderError) {
        // --help and --version exit 0; help shown because something was missing (`golive audit`) is a usage error.
        process.exitCode = error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
        return;
      }
      throw error;
    }
    process.exitCode = exitCode;
    if (exitCode === ExitCode.Sighup) exitLikeHangup();
  } catch (error) {
    process.exitCode = reportError(error, wantsJson(args));
  } finally {
    commandDone = true;
    if (outputFailed) process.exitCode = ExitCode.Usage;
  }
}

/** Commands that execute steps: once they start, nothing about the terminal may stop them. */
const EXECUTING_COMMANDS = new Set(['run', 'rehearse', 'rollback', 'resume', 'check']);

let outputFailed = false;
let commandDone = false;

/**
 * What a write error on stdout or stderr (a full disk, a closed pipe or
 * descriptor, a vanished terminal: ENOSPC, EPIPE, EBADF, EIO, …) does.
 * An executing command ignores it and carries on: every event is in the
 * journal before it is shown, so the deployment goes on and the journal tells
 * the story. Any other command has nothing but its output to give: it says
 * so in one line (on stderr, if that still works) and exits 2.
 */
function watchOutputErrors(executing: boolean): void {
  for (const [name, stream] of [
    ['stdout', process.stdout],
    ['stderr', process.stderr],
  ] as const) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (executing || outputFailed) return;
      outputFailed = true;
      if (commandDone) process.exitCode = ExitCode.Usage;
      if (name === 'stdout') process.stderr.write(`golive: cannot write the output to stdout: ${describeWriteError(error)}\n`);
    });
  }
}

function describeWriteError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOSPC':
      return 'no space left on the device it goes to (ENOSPC)';
    case 'EPIPE':
      return 'the reading end of the pipe was closed (EPIPE)';
    case 'EBADF':
      return 'it is not open (EBADF)';
    case 'EIO':
      return 'the terminal is gone (EIO)';
    default:
      return error.code ? `${error.message} (${error.code})` : error.message;
  }
}

/** A deleted working directory breaks every relative path (`uv_cwd`): say so before anything resolves one. */
function assertWorkingDirectoryExists(): void {
  try {
    process.cwd();
  } catch {
    throw deletedWorkingDirectory();
  }
}

function deletedWorkingDirectory(): UsageError {
  return new UsageError('the current working directory no longer exists (it was deleted or moved)', 'cd to an existing directory and run golive again');
}

/**
 * After a hangup (exit 129, everything recorded), leave the way the signal
 * would: Node 20 aborts at a normal exit when it tries to restore a terminal
 * that is gone (nodejs/node#51519), which would turn a clean stop into a crash.
 */
function exitLikeHangup(): void {
  process.removeAllListeners('SIGHUP');
  process.kill(process.pid, 'SIGHUP');
}

/** `--json` among the flags (not after a `--`). */
function wantsJson(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).includes('--json');
}

/** Print an error the way a user should see it, and pick the exit code. */
function reportError(error: unknown, json = false): number {
  if ((error as NodeJS.ErrnoException | undefined)?.syscall === 'uv_cwd') return reportError(deletedWorkingDirectory(), json);
  if (error instanceof GoliveError) {
    process.stderr.write(`golive: ${error.message}\n`);
    if (error.hint) process.stderr.write(`  hint: ${error.hint}\n`);
    // With --json, stdout answers in JSON even when there is nothing else to say: one error object (a line of the event stream, versioned like every line).
    if (json)
      process.stdout.write(
        `${JSON.stringify({ golive: EVENT_STREAM_FORMAT, kind: 'error', exitCode: error.exitCode, message: error.message, hint: error.hint, problems: error.problems })}\n`,
      );
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(
    `golive: internal error: ${message}\n  This is a bug in golive: please report it to the golive maintainers with the command you ran and the output of the same command with GOLIVE_DEBUG=1.\n`,
  );
  if (process.env.GOLIVE_DEBUG) process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
  return ExitCode.Internal;
}

const EXIT_CODES_HELP = `
Exit codes:
  0    succeeded (including CONDITIONAL GO and recorded minor issues)
  1    the deployment failed and was rolled back cleanly
  2    invalid runbook, bad flag or usage error: nothing was executed
  3    failed and NOT fully rolled back: someone must act
  4    NO-GO: a blocking pre-deployment check failed
  5    another run holds the lock for this runbook and environment
  6    the audit journal cannot be used (missing, not a journal, damaged, locked,
       newer, unreachable): nothing was executed
  70   internal error in golive (a bug: please report it)
  130  interrupted by SIGINT (143: SIGTERM, 129: SIGHUP); resumable or roll-backable
`;
