/**
 * Redrawing the live list in place, as log-update does for listr2 (erase the
 * last frame's lines, write the new one, cut to the terminal's height, wrap
 * what is wider than it), without measuring every word of every line:
 * log-update wraps the whole frame with wrap-ansi, which measures each word
 * with a grapheme segmenter, and that cost more than the rest of a redraw.
 * A line of printable ASCII and the narrow symbols the list draws is as wide
 * as it is long; only other lines are measured and wrapped (and truncated:
 * see the renderer).
 */

/** How listr2's default renderer redraws (log-update's interface). */
export interface FrameWriter {
  (text: string): void;
  /** Erase the last frame. */
  clear(): void;
  /** Forget the last frame (it stays on screen) and show the cursor again. */
  done(): void;
}

/** wrap-ansi's signature, as listr2 loads it. */
export type Wrap = (text: string, columns: number, options: { trim: boolean; hard: boolean; wordWrap: boolean }) => string;

/** The stream the frame goes to: its size as the list saw it when it started. */
interface FrameStream {
  write(text: string): unknown;
  columns?: number;
  rows?: number;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts the colour sequences this skips when measuring
const SGR = /\u001B\[[0-9;]*m/g;
/**
 * One terminal column each: printable ASCII, general punctuation (dashes,
 * quotes, ellipsis), arrows, box drawing, braille (the spinner) and the
 * list's marks (✔ ✖ ◼ ❯ ⚠ ℹ ›). All of them are narrow on their own and none
 * combines with a neighbour into a wider cluster.
 */
const NARROW_LINE = /^[\u0020-\u007E\u2010-\u2027\u2039\u203A\u2190-\u2199\u2500-\u257F\u2800-\u28FF\u2714\u2716\u25FC\u276F\u26A0\u2139]*$/;
const TERMINAL_HEIGHT = 24;
const TERMINAL_WIDTH = 80;

/** `text` without its colour sequences (what takes columns on a terminal). */
export function withoutColour(text: string): string {
  return text.includes('\u001B') ? text.replace(SGR, '') : text;
}

/** Columns of `line` when it is known without measuring; undefined when it must be measured. */
export function knownWidth(line: string): number | undefined {
  const visible = withoutColour(line);
  if (visible.includes('\u001B') || !NARROW_LINE.test(visible)) return undefined;
  return visible.length;
}

/** ESC [2K erases a line, ESC [1A moves up, ESC [G returns to the first column (ansi-escapes' eraseLines). */
function eraseLines(count: number): string {
  let clear = '';
  for (let i = 0; i < count; i++) clear += `\u001B[2K${i < count - 1 ? '\u001B[1A' : ''}`;
  return count ? `${clear}\u001B[G` : clear;
}

/**
 * Hide the cursor while the list is drawn (on stderr, at every frame: a
 * prompt shows it meanwhile; as log-update does), and show it again on exit
 * in any case.
 */
const cursor = {
  hidden: false,
  hide(): void {
    if (!process.stderr.isTTY) return;
    if (!restoreRegistered) {
      restoreRegistered = true;
      process.once('exit', () => cursor.show());
    }
    cursor.hidden = true;
    process.stderr.write('\u001B[?25l');
  },
  show(): void {
    if (!process.stderr.isTTY) return;
    cursor.hidden = false;
    process.stderr.write('\u001B[?25h');
  },
};
let restoreRegistered = false;

/** A frame writer for `stream`; `wrap` wraps the lines that are wider than the terminal or cannot be measured cheaply. */
export function createFrameWriter(stream: FrameStream, wrap: Wrap): FrameWriter {
  const width = () => stream.columns ?? TERMINAL_WIDTH;
  let previousLineCount = 0;
  let previousWidth = width();
  let previousOutput = '';

  const render = (text: string) => {
    cursor.hide();
    const columns = width();
    const lines = `${text}\n`.split('\n');
    // Only the bottom of a frame taller than the terminal can be redrawn in place.
    const shown = lines.slice(Math.max(0, lines.length - (stream.rows ?? TERMINAL_HEIGHT)));
    const output = shown.join('\n');
    if (output === previousOutput && previousWidth === columns) return;
    previousOutput = output;
    previousWidth = columns;
    const fitted = shown
      .map((line) => {
        const known = knownWidth(line);
        return known !== undefined && known <= columns ? line : wrap(line, columns, { trim: false, hard: true, wordWrap: false });
      })
      .join('\n');
    stream.write(eraseLines(previousLineCount) + fitted);
    previousLineCount = fitted.split('\n').length;
  };
  const reset = () => {
    previousOutput = '';
    previousWidth = width();
    previousLineCount = 0;
  };
  render.clear = () => {
    stream.write(eraseLines(previousLineCount));
    reset();
  };
  render.done = () => {
    reset();
    cursor.show();
  };
  return render;
}
