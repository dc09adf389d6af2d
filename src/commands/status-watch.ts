/**
 * The loop of `golive status --watch`: re-read the run until it ends,
 * redrawn in place on a terminal, one block per change elsewhere, and
 * riding out a journal server that goes away (a restart, a dropped network)
 * instead of going dark when the war-room needs the screen most.
 */

import { systemClock } from '../engine/ports.js';
import { withoutColour } from '../output/frame-writer.js';
import { formatUnreachable } from '../output/status-text.js';
import { readThroughOutage } from '../session/watch-retry.js';
import type { StatusUpdate } from '../views/status.js';

/** How the watch reads and prints, and where it says the journal is away. */
export interface WatchOptions {
  read: () => Promise<{ update: StatusUpdate; eventCount: number }>;
  print: (update: StatusUpdate) => string;
  intervalMs: number;
  /** Redraw the block in place (a terminal), else print a block per change (a pipe, `TERM=dumb`). */
  redraw: boolean;
  /** The journal as printed (a URL with its password masked). */
  location: string;
  /** Under `--json` the outage line goes to stderr, so stdout stays one status object per line. */
  json: boolean;
  signal: AbortSignal;
}

/**
 * Re-print until the run ends. On a terminal the block is redrawn in place
 * each time (elapsed times move; what scrolled above stays); elsewhere
 * a block is printed only when something happened (a new event, or the
 * verdict changed), so a log of `--watch` reads like a list of status
 * updates. While the journal is unreachable, a line says so below the last
 * block (once per outage in a pipe) and the reads go on with a back-off;
 * the first answer after it is printed whatever it says.
 */
export async function watchStatus(options: WatchOptions): Promise<void> {
  const { print, redraw, signal } = options;
  let lastKey = '';
  let lastText = '';
  let lastUpdate = systemClock.now();
  let drawnRows = 0;
  const draw = (text: string) => {
    // Back to the top of the previous block, clear it and what is below, draw the new one.
    process.stdout.write(`${drawnRows > 0 ? `\x1b[${drawnRows}F\x1b[J` : ''}${text}`);
    drawnRows = rowsOf(text, process.stdout.columns ?? 80);
  };
  const unreachable = (since: Date) => {
    const line = `${formatUnreachable(options.location, since, lastUpdate)}\n`;
    if (redraw) draw(`${lastText}${line}`);
    else (options.json ? process.stderr : process.stdout).write(line);
    lastKey = '';
  };
  while (!signal.aborted) {
    const read = await readThroughOutage(options.read, systemClock, signal, { unreachable });
    if (read === undefined) return;
    lastUpdate = systemClock.now();
    const { update, eventCount } = read;
    const key = `${eventCount}|${update.runStatus}|${update.status}`;
    const text = print(update);
    if (redraw) draw(text);
    else if (key !== lastKey) process.stdout.write(text);
    lastKey = key;
    lastText = text;
    if (update.finished) return;
    await systemClock.sleep(options.intervalMs, signal);
  }
}

/** How many terminal rows `text` (ending in a newline) takes at `columns` wide, counting wrapped lines. */
function rowsOf(text: string, columns: number): number {
  const lines = withoutColour(text).split('\n').slice(0, -1);
  return lines.reduce((rows, line) => rows + Math.max(1, Math.ceil([...line].length / Math.max(1, columns))), 0);
}
