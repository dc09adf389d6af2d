/** The live list's frame writer: lines it may leave unmeasured, wrapping the rest, erasing the last frame. */
import { describe, expect, it } from 'vitest';
import { createFrameWriter, knownWidth, type Wrap } from '../../src/output/frame-writer.js';

/** A wrap that marks what it was given, so a test sees which lines were measured. */
const markingWrap: Wrap = (text, columns) => `[wrapped to ${columns}: ${text}]`;

function terminal(columns: number, rows: number) {
  const written: string[] = [];
  return { written, stream: { columns, rows, write: (text: string) => written.push(text) } };
}

describe('frame writer', () => {
  it('knows the width of ASCII and of the narrow marks the list draws, colours aside, and of nothing else', () => {
    expect(knownWidth('✔ s1 — Migrate [dba] 3ms')).toBe(24);
    expect(knownWidth('\u001b[32m✔\u001b[39m s1 … ⠼ │ ❯ ◼ ✖')).toBe(16);
    expect(knownWidth('部署 step')).toBeUndefined();
    expect(knownWidth('🚀 launch')).toBeUndefined();
    expect(knownWidth('e\u0301')).toBeUndefined(); // a combining accent
    expect(knownWidth('\u001b]8;;http://x\u0007link')).toBeUndefined(); // an escape that is not a colour
  });

  it('wraps only lines wider than the terminal or of unknown width, and erases the last frame before the next', () => {
    const { written, stream } = terminal(10, 50);
    const write = createFrameWriter(stream, markingWrap);
    write('short\nthis line is too wide\n部署');
    expect(written[0]).toBe('short\n[wrapped to 10: this line is too wide]\n[wrapped to 10: 部署]\n');
    write('next');
    // Four lines were on screen (three and the empty one after the last newline): erased, then the new frame.
    expect(written[1]).toBe(`${'\u001b[2K\u001b[1A'.repeat(3)}\u001b[2K\u001b[Gnext\n`);
    write('next');
    expect(written).toHaveLength(2); // the same frame is not written again
  });

  it('keeps the bottom of a frame taller than the terminal', () => {
    const { written, stream } = terminal(80, 3);
    createFrameWriter(stream, markingWrap)('a\nb\nc\nd');
    expect(written[0]).toBe('c\nd\n');
  });
});
