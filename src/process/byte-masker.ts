/**
 * Secret masking on raw bytes, for output golive no longer shows as text
 * (past the streamed part of a step's output, see `CommandSpec.streamBytes`).
 * Searching bytes with `Buffer.indexOf` and writing them unchanged costs a
 * fraction of decoding gigabytes to text and encoding them back.
 */
import { MASK } from './mask.js';

const MASK_BYTES = Buffer.from(MASK, 'utf8');
const EMPTY = Buffer.alloc(0);

/**
 * Masks a stream of chunks. Each `write` returns the bytes that are final;
 * the last (longest secret − 1) bytes are held back, so a secret split
 * across two reads of the pipe is still seen whole. `end` returns the rest.
 */
export class ByteMasker {
  private held: Buffer;
  private readonly secrets: Buffer[];
  private readonly hold: number;

  /** @param patterns the masker's patterns (`Masker.patterns`); @param initial bytes to prepend (text not yet masked). */
  constructor(patterns: readonly string[], initial: Buffer = EMPTY) {
    this.secrets = patterns.map((p) => Buffer.from(p, 'utf8')).filter((b) => b.length > 0);
    this.hold = Math.max(0, ...this.secrets.map((b) => b.length - 1));
    this.held = initial;
  }

  /** Feed a chunk; returns masked bytes that can be written. */
  write(chunk: Buffer): Buffer {
    const data = this.held.length > 0 ? Buffer.concat([this.held, chunk]) : chunk;
    if (this.secrets.length === 0) {
      this.held = EMPTY;
      return data;
    }
    let cut = Math.max(0, data.length - this.hold);
    const found = occurrences(data, this.secrets);
    // Never cut through a secret: hold it back whole with what follows.
    for (const [start, end] of found) if (start < cut && end > cut) cut = start;
    this.held = Buffer.from(data.subarray(cut));
    return replace(
      data.subarray(0, cut),
      found.filter(([, end]) => end <= cut),
    );
  }

  /** Everything still held back, masked. */
  end(): Buffer {
    const data = this.held;
    this.held = EMPTY;
    return replace(data, occurrences(data, this.secrets));
  }
}

/** Non-overlapping occurrences, earliest first, the longest secret winning at the same start (as the text masker does). */
function occurrences(data: Buffer, secrets: Buffer[]): Array<[number, number]> {
  const all: Array<[number, number]> = [];
  for (const secret of secrets) {
    for (let at = data.indexOf(secret); at >= 0; at = data.indexOf(secret, at + 1)) all.push([at, at + secret.length]);
  }
  if (all.length < 2) return all;
  all.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const chosen: Array<[number, number]> = [];
  for (const occurrence of all) if (chosen.length === 0 || occurrence[0] >= chosen[chosen.length - 1][1]) chosen.push(occurrence);
  return chosen;
}

function replace(data: Buffer, found: Array<[number, number]>): Buffer {
  if (found.length === 0) return data;
  const parts: Buffer[] = [];
  let last = 0;
  for (const [start, end] of found) {
    parts.push(data.subarray(last, start), MASK_BYTES);
    last = end;
  }
  parts.push(data.subarray(last));
  return Buffer.concat(parts);
}
