/**
 * Colour, honouring NO_COLOR / FORCE_COLOR and whether the stream is a
 * terminal. A `Paint` is passed to formatters so they never decide about
 * terminals themselves. Node's own `util.styleText` does the styling: chalk
 * did the same job but cost about 19 ms of start-up (bench/startup.mjs).
 */
import { styleText } from 'node:util';

/** The few styles golive uses. */
export interface Paint {
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

/** True when output to `stream` should be coloured: FORCE_COLOR wins, then NO_COLOR, then "is it a terminal". */
function colourEnabled(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/** True when `stream` is a terminal that can be redrawn in place (not `TERM=dumb`, and it reports a width). */
export function canRedraw(stream: NodeJS.WriteStream): boolean {
  return stream.isTTY === true && process.env.TERM !== 'dumb' && (stream.columns ?? 0) > 0;
}

/** Colours for a stream (or none). */
export function paintFor(stream: NodeJS.WriteStream): Paint {
  if (!colourEnabled(stream)) return plainPaint;
  // colourEnabled has decided for this stream; Node's own check looks at process.stdout and at CI, which must not veto it.
  const style = (format: Parameters<typeof styleText>[0]) => (text: string) => styleText(format, text, { validateStream: false });
  return { red: style('red'), green: style('green'), yellow: style('yellow'), cyan: style('cyan'), dim: style('dim'), bold: style('bold') };
}

/** No colours (for files, pipes and JSON). */
export const plainPaint: Paint = { red: String, green: String, yellow: String, cyan: String, dim: String, bold: String };
