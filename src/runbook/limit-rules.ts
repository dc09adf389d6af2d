/**
 * Rules about what the machine can hold rather than what the format allows:
 * durations a timer can wait, ids that fit in a file name, and values a
 * process can receive. Each would otherwise surface mid-deployment (a retry
 * that does not wait, a log file that cannot be created, a spawn that fails
 * after earlier steps already changed production).
 */
import { Buffer } from 'node:buffer';
import { resolve } from 'node:path';
import { Codes } from './diagnostics.js';
import { MAX_DURATION_MS, MAX_DURATION_TEXT, MAX_DURATION_WORDS, parseDuration } from './duration.js';
import { envValueProblem, MAX_ID_BYTES, NAME_MAX, nulProblem } from './limits.js';
import type { DataPath } from './positions.js';
import type { RuleContext } from './rules.js';
import { pathLabel } from './schema-errors.js';
import { secretFileKindProblem } from './secret-file.js';
import { type Duration, isParallelGroup, isRolloutStep, type Runbook, type Step } from './types.js';

/** Every duration a timer will wait for must fit in one (2^31-1 ms). */
export function durationsFitTimers(ctx: RuleContext): void {
  forEachDuration(ctx.runbook, (value, path) => {
    const ms = parseDuration(value);
    if (ms === undefined || ms <= MAX_DURATION_MS) return;
    ctx.report({
      path,
      code: Codes.DurationTooLong,
      message: `${pathLabel(path)}: \`${String(value)}\` is longer than the longest duration, ${MAX_DURATION_WORDS}`,
      hint: `write at most ${MAX_DURATION_TEXT}`,
    });
  });
}

/** Ids name log files (`<id>.rollback-validate.attempt-N.log`): they must fit in NAME_MAX with what is appended. */
export function idsFitFileNames(ctx: RuleContext): void {
  forEachId(ctx.runbook, (id, path) => {
    const bytes = Buffer.byteLength(id);
    if (bytes <= MAX_ID_BYTES) return;
    ctx.report({
      path,
      code: Codes.IdTooLong,
      message: `${pathLabel(path)}: the id is ${bytes} characters long; at most ${MAX_ID_BYTES} (it names log files, and a file name holds ${NAME_MAX} bytes with golive's suffixes)`,
      hint: 'shorten the id; a `title:` can say the rest',
    });
  });
}

/**
 * Commands, working directories, variables and step `env:` values must be
 * something a process can receive: no NUL byte anywhere, and every variable
 * (exported as `NAME=value`) within the kernel's per-string limit. A
 * command's own length is not limited here: it does not reach the shell as
 * an argument.
 */
export function valuesCanBeSpawned(ctx: RuleContext): void {
  const { runbook } = ctx;
  const text = (value: unknown, path: DataPath, what: string) => {
    const problem = typeof value === 'string' ? nulProblem(value) : undefined;
    if (problem) ctx.report({ path, code: Codes.Unspawnable, message: `${pathLabel(path)}: ${what} ${problem}`, hint: NUL_HINT });
  };
  const variable = (name: string, value: unknown, path: DataPath) => {
    const problem = envValueProblem(name, String(value));
    if (!problem) return;
    const hint = String(value).includes('\0') ? NUL_HINT : 'pass large data in a file the command reads, not in a variable';
    ctx.report({ path, code: Codes.Unspawnable, message: `${pathLabel(path)}: the value ${problem}`, hint });
  };
  for (const [name, value] of Object.entries(runbook.vars ?? {})) variable(name, value, ['vars', name]);
  for (const [env, environment] of Object.entries(runbook.environments ?? {})) {
    for (const [name, value] of Object.entries(environment.vars ?? {})) variable(name, value, ['environments', env, 'vars', name]);
  }
  text(runbook.defaults?.cwd, ['defaults', 'cwd'], 'the working directory');
  const command = (spec: { run?: unknown; cwd?: unknown } | string | undefined, path: DataPath) => {
    if (typeof spec === 'string') return text(spec, path, 'the command');
    if (!spec) return;
    text(spec.run, [...path, 'run'], 'the command');
    text(spec.cwd, [...path, 'cwd'], 'the working directory');
  };
  runbook.checks?.forEach((check, i) => {
    command(check, ['checks', i]);
  });
  forEachStepIn(runbook, (step, path) => {
    command(step, path);
    for (const [name, value] of Object.entries(step.env ?? {})) variable(name, value, [...path, 'env', name]);
    command(step.validate, [...path, 'validate']);
    command(step.rollback, [...path, 'rollback']);
    if (typeof step.rollback === 'object') command(step.rollback.validate, [...path, 'rollback', 'validate']);
  });
  runbook.verify?.forEach((test, i) => {
    command(test, ['verify', i]);
  });
  runbook.rollback?.verify?.forEach((test, i) => {
    command(test, ['rollback', 'verify', i]);
  });
}

const NUL_HINT = 'remove the NUL (a `\\0` or `\\x00` escape in a double-quoted value)';

/**
 * A secret `file:` that exists must be a regular file of at most 64 KiB: a
 * FIFO would block the run, a device such as /dev/zero would fill memory.
 * A missing file is not reported here: secret files often exist only on the
 * machine that deploys (the run says so before anything executes).
 */
export function secretFilesAreFiles(ctx: RuleContext): void {
  const dir = ctx.secretFilesDir;
  if (dir === undefined) return;
  for (const [name, source] of Object.entries(ctx.runbook.secrets ?? {})) {
    for (const key of ['file', 'env_file'] as const) {
      const file = source[key];
      // A path chosen per environment is looked at when the run reads it, before anything executes.
      if (file === undefined || file.includes('{{')) continue;
      const problem = secretFileKindProblem(resolve(dir, file));
      if (problem)
        ctx.report({
          path: ['secrets', name, key],
          code: Codes.UnusableSecretFile,
          message: `secret ${name}: \`${file}\` ${problem}`,
          hint: `point \`${key}:\` at a regular file holding only the secret${key === 'env_file' ? 's' : ''}`,
        });
    }
  }
}

/** Visit every duration of the runbook with its data path. */
function forEachDuration(runbook: Runbook, visit: (value: Duration, path: DataPath) => void): void {
  const at = (value: Duration | undefined, path: DataPath) => value !== undefined && visit(value, path);
  const retry = (spec: { delay?: Duration; max_delay?: Duration } | undefined, path: DataPath) => {
    at(spec?.delay, [...path, 'delay']);
    at(spec?.max_delay, [...path, 'max_delay']);
  };
  const validation = (spec: unknown, path: DataPath) => {
    if (typeof spec !== 'object' || spec === null) return;
    const { interval, timeout } = spec as { interval?: Duration; timeout?: Duration };
    at(interval, [...path, 'interval']);
    at(timeout, [...path, 'timeout']);
  };
  at(runbook.defaults?.timeout, ['defaults', 'timeout']);
  retry(runbook.defaults?.retry, ['defaults', 'retry']);
  runbook.checks?.forEach((check, i) => {
    at(check.timeout, ['checks', i, 'timeout']);
    at(check.approval_timeout, ['checks', i, 'approval_timeout']);
  });
  for (const [name, env] of Object.entries(runbook.environments ?? {})) at(env.approval_timeout, ['environments', name, 'approval_timeout']);
  forEachStepIn(runbook, (step, path) => {
    at(step.duration, [...path, 'duration']);
    at(step.approval_timeout, [...path, 'approval_timeout']);
    at(step.timeout, [...path, 'timeout']);
    retry(step.retry, [...path, 'retry']);
    validation(step.validate, [...path, 'validate']);
    if (typeof step.rollback === 'object') {
      at(step.rollback.timeout, [...path, 'rollback', 'timeout']);
      validation(step.rollback.validate, [...path, 'rollback', 'validate']);
    }
  });
  runbook.verify?.forEach((test, i) => {
    at(test.timeout, ['verify', i, 'timeout']);
    retry(test.retry, ['verify', i, 'retry']);
  });
  runbook.rollback?.verify?.forEach((test, i) => {
    at(test.timeout, ['rollback', 'verify', i, 'timeout']);
  });
  runbook.notify?.forEach((notification, i) => {
    at(notification.every, ['notify', i, 'every']);
  });
  runbook.steps.forEach((entry, i) => {
    if (!isRolloutStep(entry)) return;
    at(entry.rollout.pause, ['steps', i, 'rollout', 'pause']);
    at(entry.rollout.sign_off?.approval_timeout, ['steps', i, 'rollout', 'sign_off', 'approval_timeout']);
  });
}

/** Visit every id that names files: checks, steps, groups, group members, smoke tests, rollback checks. */
function forEachId(runbook: Runbook, visit: (id: string, path: DataPath) => void): void {
  runbook.checks?.forEach((check, i) => {
    visit(check.id, ['checks', i, 'id']);
  });
  runbook.steps.forEach((entry, i) => {
    visit(entry.id, ['steps', i, 'id']);
  });
  forEachStepIn(runbook, (step, path) => path.length > 2 && visit(step.id, [...path, 'id']));
  runbook.verify?.forEach((test, i) => {
    visit(test.id, ['verify', i, 'id']);
  });
  runbook.rollback?.verify?.forEach((test, i) => {
    if (test.id !== undefined) visit(test.id, ['rollback', 'verify', i, 'id']);
  });
}

/** Every executable step (group members included) with its data path. */
function forEachStepIn(runbook: Runbook, visit: (step: Step, path: DataPath) => void): void {
  runbook.steps.forEach((entry, i) => {
    if (isParallelGroup(entry))
      entry.parallel.forEach((member, j) => {
        visit(member, ['steps', i, 'parallel', j]);
      });
    else if (isRolloutStep(entry))
      (entry.rollout.steps ?? []).forEach((step, j) => {
        visit(step, ['steps', i, 'rollout', 'steps', j]);
      });
    else visit(entry, ['steps', i]);
  });
}
