/**
 * Colour, honouring NO_COLOR / FORCE_COLOR (via chalk's detection) and
 * whether the stream is a terminal. A `Paint` is passed to formatters so they
 * never decide about terminals themselves.
 */
import { Chalk } from 'chalk';

/** The few styles golive uses. */
export interface Paint {
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

/** Colours for a stream: on for a TTY (unless NO_COLOR), or when FORCE_COLOR is set. */
export function paintFor(stream: NodeJS.WriteStream): Paint {
  const env = process.env;
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  const enabled = forced || (stream.isTTY === true && env.NO_COLOR === undefined && env.TERM !== 'dumb');
  const chalk = new Chalk({ level: enabled ? 1 : 0 });
  return { red: chalk.red, green: chalk.green, yellow: chalk.yellow, cyan: chalk.cyan, dim: chalk.dim, bold: chalk.bold };
}

/** No colours (for files and JSON). */
export const plainPaint: Paint = { red: String, green: String, yellow: String, cyan: String, dim: String, bold: String };
