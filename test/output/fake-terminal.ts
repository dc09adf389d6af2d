/**
 * What the live task list's tests draw into: a terminal that keeps
 * everything written to it, and ways to read back what is left on screen.
 */
import { Writable } from 'node:stream';
import { loadRunbookText } from '../../src/runbook/load.js';
import { type Plan, resolvePlan } from '../../src/runbook/plan.js';

/** A terminal that keeps everything written to it. */
export class FakeTerminal extends Writable {
  isTTY = true;
  raw = '';
  constructor(
    public columns = 120,
    public rows = 60,
  ) {
    super();
  }
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.raw += chunk.toString();
    done();
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the test strips escape sequences (ESC)
export const strip = (text: string) => text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');

/** What is left on screen: the renderer's last frame (drawn after its last cursor reset) and the lines after it. */
export function screen(raw: string): { list: string; after: string } {
  const start = raw.lastIndexOf('\u001b[G');
  const end = raw.indexOf('\u001b[?25h', start);
  return { list: strip(raw.slice(start + 3, end)), after: strip(raw.slice(end)) };
}

/** The plan of a runbook text (throws on a runbook that does not load: the tests' runbooks are valid). */
export function planOf(text: string): Plan {
  const loaded = loadRunbookText('/tmp/shop.yaml', text);
  if (!loaded.runbook || !loaded.source) throw new Error(JSON.stringify(loaded.diagnostics));
  return resolvePlan(loaded.source, loaded.runbook);
}
