/**
 * What the operating system can hold, checked when a runbook is loaded so a
 * value that cannot be spawned is a validation error, not a half-done
 * deployment: Linux's per-string limit for an argument or environment entry,
 * the longest file name, and the longest delay a Node timer can wait.
 */
import { Buffer } from 'node:buffer';

/** Linux `MAX_ARG_STRLEN`: the longest single argv or environment string, terminating NUL included. */
const MAX_ARG_STRLEN = 131_072;

/** `NAME_MAX` on Linux and macOS filesystems: the longest file name, in bytes. */
export const NAME_MAX = 255;

/**
 * The longest suffix golive appends to an id to name a file in the run's log
 * directory (`<id>.rollback-validate.attempt-N.outputs`, N up to 2^53).
 */
const LONGEST_FILE_SUFFIX = `.rollback-validate.attempt-${Number.MAX_SAFE_INTEGER}.outputs`;

/** The longest check, step or smoke-test id: its log and outputs file names must fit in `NAME_MAX`. */
export const MAX_ID_BYTES = NAME_MAX - LONGEST_FILE_SUFFIX.length;

/** Why `value` cannot be exported as the environment variable `name`, or undefined when it can. */
export function envValueProblem(name: string, value: string): string | undefined {
  if (value.includes('\0')) return 'contains a NUL byte, which no process can receive';
  const bytes = Buffer.byteLength(name) + 1 + Buffer.byteLength(value) + 1;
  if (bytes > MAX_ARG_STRLEN)
    return `is ${Buffer.byteLength(value)} bytes: \`${name}=value\` must fit in ${MAX_ARG_STRLEN} bytes (the kernel's MAX_ARG_STRLEN)`;
  return undefined;
}

/** Why text cannot reach a process (a command, a working directory), or undefined when it can. */
export function nulProblem(value: string): string | undefined {
  return value.includes('\0') ? 'contains a NUL byte, which no process can receive' : undefined;
}
