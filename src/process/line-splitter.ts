/**
 * Turns a stream of byte chunks into masked text made of complete lines, so a
 * secret split across two reads of the pipe is still seen whole.
 */

import { StringDecoder } from 'node:string_decoder';
import type { Masker } from './mask.js';

/**
 * A line longer than this (in UTF-16 code units) is emitted in pieces instead
 * of being held until its newline: a step printing megabytes without a
 * newline must not make golive buffer all of it.
 */
export const MAX_PENDING_LINE = 1 << 20;

/**
 * Splits one output stream into batches of complete, masked lines. Each
 * `write` produces at most one `emit` call holding every line the chunk
 * completed: batching per chunk instead of per line keeps the CPU cost of a
 * 1 GB output close to that of the raw chunks.
 */
export class MaskedLineSplitter {
  private pending = '';
  // Decodes UTF-8 across chunk boundaries: a multi-byte character split by
  // the pipe is carried over instead of becoming two replacement characters.
  private readonly decoder = new StringDecoder('utf8');

  /**
   * @param masker masks each batch before it leaves the splitter.
   * @param emit receives masked text; never called with an empty string.
   */
  constructor(
    private readonly masker: Masker,
    private readonly emit: (text: string) => void,
  ) {}

  /**
   * Hands over the partial line not yet emitted (unmasked: it may hold the
   * start of a secret) and stops: the caller goes on with raw bytes. Only
   * valid when the last chunk ended on a whole character.
   */
  takePending(): string {
    const pending = this.pending;
    this.pending = '';
    return pending;
  }

  /** Feeds one chunk read from the pipe. */
  write(chunk: Buffer): void {
    const text = this.decoder.write(chunk);
    if (text.length === 0) return;
    const newlineInText = text.lastIndexOf('\n');
    let pending = this.pending + text;
    let out = '';
    if (newlineInText >= 0) {
      const cut = pending.length - text.length + newlineInText + 1;
      out = this.masker.mask(pending.slice(0, cut));
      pending = pending.slice(cut);
    }
    if (pending.length > MAX_PENDING_LINE) {
      // Keep back just enough for a secret that starts near the end and
      // continues in the next chunk; everything before it is final.
      const holdBack = Math.max(0, this.masker.longest - 1);
      const { masked, end } = this.masker.maskPrefix(pending, pending.length - holdBack);
      out += masked;
      pending = pending.slice(end);
    }
    this.pending = pending;
    if (out.length > 0) this.emit(out);
  }

  /** Emits whatever is left (a last line without a newline) at end of stream. */
  end(): void {
    const rest = this.pending + this.decoder.end();
    this.pending = '';
    if (rest.length > 0) this.emit(this.masker.mask(rest));
  }
}
