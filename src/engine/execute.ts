/**
 * Executing one command as part of the run: render its templates, record
 * that it starts (durably, before the process exists), stream its output,
 * record how it ended.
 */
import { resolve } from 'node:path';
import type { CommandResult } from '../process/types.js';
import type { PlannedCommand } from '../runbook/plan.js';
import type { RunContext } from './context.js';
import type { AttemptStatus, Phase } from './events.js';
import { recordStepOutputs, refusedOutputWarning, refusedReferenceFailure, refusedReferences } from './outputs.js';

/** What to execute and how to label it. */
export interface ExecutionRequest {
  phase: Phase;
  stepId: string;
  title: string;
  owner?: string;
  group?: string;
  attempt: number;
  attempts: number;
  expectedMs?: number;
  command: PlannedCommand;
  /** Extra environment for the command (templates allowed). */
  env?: Record<string, string>;
  /** Parse `$GOLIVE_OUTPUT` into the step's outputs. */
  captureOutputs?: boolean;
}

/** How an execution ended. */
export interface Execution {
  status: AttemptStatus;
  result?: CommandResult;
  /** Why it failed, in words (masked). */
  message?: string;
}

/**
 * How much of one command's output is shown live (terminal, CI log, --json).
 * The log file always has all of it; a step dumping gigabytes on the console
 * helps nobody and would cost more than the step itself.
 */
export const STREAMED_OUTPUT_BYTES = 1024 * 1024;

/** Exit status recorded for a command killed by its timeout (as `timeout(1)` does). */
export const TIMEOUT_EXIT_CODE = 124;

/** Run one command with its events. Never throws for command failures. */
export async function execute(ctx: RunContext, request: ExecutionRequest): Promise<Execution> {
  const { phase, stepId } = request;
  if (ctx.interruption.requested) return { status: 'not-started', message: 'not started: the run was interrupted' };
  const refused = refusedReferences([request.command.run, request.command.cwd, ...Object.values(request.env ?? {})], ctx.refusedOutputs);
  if (refused.length > 0) return refuseToStart(ctx, request, refusedReferenceFailure(refused));
  const warnings: string[] = [];
  const warn = (message: string) => warnings.push(message);
  const commandText = ctx.render(request.command.run, warn, stepId);
  const cwd = resolve(ctx.plan.source.dir, ctx.render(request.command.cwd, warn, stepId));
  const env: Record<string, string> = Object.create(null); // `__proto__` is a valid variable name
  for (const [name, value] of Object.entries(request.env ?? {})) env[name] = ctx.render(value, warn, stepId);
  for (const message of warnings) await ctx.emit({ kind: 'warning', stepId, message: ctx.mask(message) });
  // One host's execution of a hosted step: its events name the step and the host (the key is `<step>@<host>`).
  const instance = ctx.instances.get(stepId)?.instance;
  const named = ctx.eventName(stepId);

  await ctx.emit({
    kind: 'step.started',
    phase,
    ...named,
    ...(instance?.rollout ? { rollout: instance.rollout.id, wave: instance.rollout.wave } : {}),
    title: request.title,
    owner: request.owner,
    group: request.group,
    attempt: request.attempt,
    attempts: request.attempts,
    expectedMs: request.expectedMs,
    timeoutMs: request.command.timeoutMs,
    command: ctx.display(request.command.run, stepId),
  });
  // Members of a parallel group (and hosts run together) start one per turn of the event loop, so each one's end is seen when it happens.
  if (request.group !== undefined || instance !== undefined) await ctx.takeStartTurn();
  const logPath = ctx.logPath(stepId, phase, request.attempt);
  let outputFailure: unknown;
  const running = ctx.ports.runner.start(
    {
      command: commandText,
      shell: request.command.shell,
      cwd,
      env: ctx.commandEnv(stepId, env),
      timeoutMs: request.command.timeoutMs,
      killGraceMs: ctx.options.killGraceMs,
      logPath,
      secrets: Object.values(ctx.options.secrets),
      captureOutputs: request.captureOutputs,
      streamBytes: STREAMED_OUTPUT_BYTES,
      outputsPath: request.captureOutputs ? logPath.replace(/\.log$/, '.outputs') : undefined,
      ...(instance ? { target: instance.target } : {}),
    },
    (stream, text) => {
      ctx.emit({ kind: 'step.output', phase, ...named, stream, text }).catch((error: unknown) => {
        // The sink could not take the output: stop the command and fail the run once it has ended.
        if (outputFailure === undefined) {
          outputFailure = error;
          running.terminate();
        }
      });
    },
  );
  ctx.active.add(running);
  // A stop requested between the start event and the spawn must still reach this command.
  if (ctx.interruption.requested) ctx.interruption.forced ? running.kill() : running.terminate();
  // Recorded so that, if golive itself dies, resume can tell whether the step's processes still run.
  if (running.pid !== undefined) await ctx.emit({ kind: 'step.spawned', phase, ...named, attempt: request.attempt, pid: running.pid });
  const result = await running.result;
  ctx.active.delete(running);

  const status: AttemptStatus = result.spawnError ? 'failed' : result.timedOut ? 'timed-out' : result.stopped ? 'stopped' : result.ok ? 'passed' : 'failed';
  // A spawn error can quote a cwd or command built from secrets: mask before it is stored or shown.
  // Stopped because its output could not be taken (a full log disk): say that, not "by the operator".
  // Stopped by the session for a cause of its own (the journal stayed away): that cause, not the signal.
  const halted = result.stopped && ctx.haltCause !== undefined ? ctx.haltCause : undefined;
  const failure = outputFailure instanceof Error ? `stopped: ${outputFailure.message}` : (halted ?? describeFailure(result, request.command.timeoutMs));
  const message = failure === undefined ? undefined : ctx.mask(failure);
  // The runner keeps no output holding a secret (see outputs.ts): values pass on unchanged.
  const { outputs, refusedOutputs = [] } = result;
  for (const name of refusedOutputs) await ctx.emit({ kind: 'warning', stepId, message: refusedOutputWarning(stepId, name) });
  await ctx.emit({
    kind: 'step.finished',
    phase,
    ...named,
    attempt: request.attempt,
    status,
    exitCode: result.timedOut ? TIMEOUT_EXIT_CODE : result.exitCode,
    signal: result.signal,
    durationMs: Math.round(result.durationMs),
    expectedMs: request.expectedMs,
    head: result.head,
    tail: result.tail,
    // A command that printed nothing has no log file.
    outputBytes: result.outputBytes,
    outputs,
    ...(refusedOutputs.length > 0 ? { refusedOutputs } : {}),
    logPath: result.outputBytes > 0 ? logPath : undefined,
    message,
    ...(result.transportError !== undefined ? { transportError: ctx.mask(result.transportError) } : {}),
  });
  // Outputs count even from a failed attempt: the rollback of a half-applied step may need them.
  if (outputFailure !== undefined) throw outputFailure;
  if (request.captureOutputs) recordStepOutputs(ctx.outputs, ctx.refusedOutputs, stepId, outputs, refusedOutputs);
  return { status, result, message };
}

/**
 * A command that refers to a refused output is recorded as started and failed
 * without a process, like one whose shell is missing: it never runs with a
 * value other than the one the step wrote.
 */
async function refuseToStart(ctx: RunContext, request: ExecutionRequest, failure: string): Promise<Execution> {
  const { phase, stepId, attempt } = request;
  const named = ctx.eventName(stepId);
  const message = ctx.mask(`could not start: ${failure}`);
  await ctx.emit({
    kind: 'step.started',
    phase,
    ...named,
    title: request.title,
    owner: request.owner,
    group: request.group,
    attempt,
    attempts: request.attempts,
    expectedMs: request.expectedMs,
    timeoutMs: request.command.timeoutMs,
    command: ctx.display(request.command.run, stepId),
  });
  await ctx.emit({
    kind: 'step.finished',
    phase,
    ...named,
    attempt,
    status: 'failed',
    exitCode: null,
    signal: null,
    durationMs: 0,
    expectedMs: request.expectedMs,
    head: '',
    tail: '',
    outputBytes: 0,
    outputs: {},
    message,
  });
  return { status: 'failed', message };
}

function describeFailure(result: CommandResult, timeoutMs: number | undefined): string | undefined {
  if (result.spawnError) return `could not start: ${result.spawnError}`;
  // The connection failed, not the command: the cause names the host (and a timeout or stop still says so below).
  if (result.transportError !== undefined && !result.timedOut && !result.stopped) return result.transportError;
  if (result.timedOut) return `timed out after ${Math.round((timeoutMs ?? 0) / 1000)}s: the process group was killed`;
  if (result.stopped) return 'stopped by the operator (interrupt)';
  if (result.ok) return undefined;
  if (result.signal) return `killed by ${result.signal}`;
  return `exited with status ${result.exitCode}`;
}
