/**
 * Bounded capture of a command's combined output: its first and last bytes,
 * whatever the output's size, for the audit trail and failure reports.
 */

/** The captured head and tail, as UTF-8 text. */
export interface HeadTail {
  /** The first `keepBytes` bytes (fewer when the output is shorter). */
  head: string;
  /**
   * The last `keepBytes` bytes that are not already in `head`: empty when the
   * whole output fits in the head, and `head + tail` is the whole output when
   * it fits in twice `keepBytes`.
   */
  tail: string;
}

const EMPTY = Buffer.alloc(0);

/**
 * Keeps the first and last `keepBytes` bytes of the text fed to it. Memory
 * stays below about three times `keepBytes`: the head is filled once, the tail
 * is a queue of recent pieces trimmed as new ones arrive. Cuts never split a
 * UTF-8 character.
 */
export class HeadTailCapture {
  private readonly headParts: Buffer[] = [];
  private headBytes = 0;
  private headFull: boolean;
  private readonly tailParts: Buffer[] = [];
  private readonly tailSizes: number[] = [];
  private tailBytes = 0;
  /** Index of the oldest piece still kept; earlier ones are dropped. */
  private tailFirst = 0;

  /** @param keepBytes bytes kept at each end; 0 keeps nothing. */
  constructor(private readonly keepBytes: number) {
    this.headFull = keepBytes <= 0;
  }

  /** Appends text to the captured output. */
  add(text: string): void {
    if (this.headFull) {
      this.addToTail(Buffer.from(text, 'utf8'));
      return;
    }
    const bytes = Buffer.from(text, 'utf8');
    const room = this.keepBytes - this.headBytes;
    if (bytes.length < room) {
      this.headParts.push(bytes);
      this.headBytes += bytes.length;
      return;
    }
    const cut = characterStart(bytes, room, -1);
    this.headParts.push(bytes.subarray(0, cut));
    this.headBytes += cut;
    this.headFull = true;
    if (cut < bytes.length) this.addToTail(bytes.subarray(cut));
  }

  /**
   * Appends raw (already masked) bytes once the head is full: output past
   * the streamed part is never decoded, only its tail is, at the end. Bytes
   * arriving while the head still has room are taken as text.
   */
  addBytes(bytes: Buffer): void {
    if (this.headFull) this.addToTail(bytes);
    else this.add(bytes.toString('utf8'));
  }

  /** The head and tail captured so far. */
  result(): HeadTail {
    const head = Buffer.concat(this.headParts).toString('utf8');
    if (this.tailBytes === 0 || this.keepBytes <= 0) return { head, tail: '' };
    const bytes = Buffer.concat(this.tailParts.slice(this.tailFirst));
    const start = characterStart(bytes, Math.max(0, bytes.length - this.keepBytes), +1);
    return { head, tail: bytes.toString('utf8', start) };
  }

  private addToTail(bytes: Buffer): void {
    const size = bytes.length;
    this.tailParts.push(bytes);
    this.tailSizes.push(size);
    this.tailBytes += size;
    // Drop whole pieces only while what remains still covers keepBytes.
    while (this.tailFirst < this.tailSizes.length - 1 && this.tailBytes - this.tailSizes[this.tailFirst] >= this.keepBytes) {
      this.tailBytes -= this.tailSizes[this.tailFirst];
      this.tailParts[this.tailFirst] = EMPTY; // release the bytes now, not at compaction
      this.tailFirst += 1;
    }
    // Compact now and then rather than shifting the arrays on every piece,
    // which would be quadratic for output arriving in many tiny chunks.
    if (this.tailFirst >= 1024 && this.tailFirst * 2 >= this.tailSizes.length) {
      this.tailParts.splice(0, this.tailFirst);
      this.tailSizes.splice(0, this.tailFirst);
      this.tailFirst = 0;
    }
  }
}

/**
 * Moves `index` off UTF-8 continuation bytes (10xxxxxx), backwards
 * (`direction` -1) or forwards (+1), so a cut falls between characters.
 */
function characterStart(bytes: Buffer, index: number, direction: -1 | 1): number {
  let at = index;
  while (at > 0 && at < bytes.length && (bytes[at] & 0xc0) === 0x80) at += direction;
  return at;
}
