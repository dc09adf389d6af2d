/**
 * Run ids: 26-character ULID-style strings (48-bit millisecond timestamp, then
 * 80 random bits, Crockford base32). They sort by creation time as plain
 * strings, so `history` and "the latest run" need no extra column, and they
 * are short enough to type. Twenty lines do not justify a dependency.
 */
import { randomBytes } from 'node:crypto';

/** Crockford's base32: no I, L, O or U, so ids survive being read aloud. */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RANDOM_BYTES = 10;

let lastMs = -1;
let lastRandom = Buffer.alloc(RANDOM_BYTES);

/** Encode `value` as exactly `length` base32 characters, most significant first. */
function encodeBase32(value: bigint, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out = CROCKFORD[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}

/** Add one to the 80-bit random part; false when it overflowed (all ones). */
function incrementRandom(bytes: Buffer): boolean {
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i] < 0xff) {
      bytes[i]++;
      return true;
    }
    bytes[i] = 0;
  }
  return false;
}

/**
 * A new run id. Monotonic within this process: two ids made in the same
 * millisecond (or after the wall clock stepped back) still sort in creation
 * order, because the random part is incremented instead of redrawn.
 */
export function newRunId(nowMs: number = Date.now()): string {
  if (nowMs <= lastMs) {
    if (!incrementRandom(lastRandom)) {
      // 2^80 ids in one millisecond cannot happen; borrow the next millisecond anyway.
      lastMs++;
      lastRandom = randomBytes(RANDOM_BYTES);
    }
  } else {
    lastMs = nowMs;
    lastRandom = randomBytes(RANDOM_BYTES);
  }
  return encodeBase32(BigInt(lastMs), 10) + encodeBase32(BigInt(`0x${lastRandom.toString('hex')}`), 16);
}

/** The millisecond timestamp encoded in a run id made by `newRunId`. */
export function runIdTime(id: string): number {
  let ms = 0;
  for (const char of id.slice(0, 10).toUpperCase()) {
    const digit = CROCKFORD.indexOf(char);
    if (digit < 0) throw new Error(`not a run id: ${id}`);
    ms = ms * 32 + digit;
  }
  return ms;
}
