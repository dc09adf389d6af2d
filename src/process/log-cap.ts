/**
 * The size cap of a command's log file: its head and its tail are kept, the
 * middle is left out with a marker line saying how many bytes are missing. A
 * step running `yes` once wrote 6.6 GB in 20 s; with the cap its log stays at
 * 128 MiB by default (64 MiB head + 64 MiB tail), `GOLIVE_LOG_MAX` to change.
 *
 * The head goes straight to the log. Past it, output goes to two tail
 * segment files beside the log (`<log>.tail-0`, `<log>.tail-1`), written in
 * turn: when one holds a whole tail's worth, the other is emptied and
 * reused, so the last tail bytes are always in the two of them and golive's
 * memory does not grow with the output. At the end the marker and the tail
 * are appended to the log and the segments deleted. While a command runs, its
 * log and segments hold at most the head plus two tails on disk.
 */

import { closeSync, ftruncateSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { UsageError } from '../errors.js';
import type { LogFile } from './log-file.js';

/** The default bound of one command's log: 64 MiB head + 64 MiB tail. */
export const DEFAULT_LOG_MAX_BYTES = 128 * 1024 * 1024;

/** The environment variable overriding the bound. */
const LOG_MAX_VARIABLE = 'GOLIVE_LOG_MAX';

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/**
 * The log bound from `GOLIVE_LOG_MAX` (bytes, or with a K/M/G suffix for
 * KiB/MiB/GiB), or the default when unset. Throws a UsageError (exit 2) for a
 * value that is not a size of at least 2 bytes.
 */
export function logMaxFromEnvironment(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[LOG_MAX_VARIABLE];
  if (text === undefined || text === '') return DEFAULT_LOG_MAX_BYTES;
  const match = /^(\d+)\s*([kmg]?)(?:i?b)?$/i.exec(text.trim());
  const bytes = match ? Number(match[1]) * UNITS[match[2].toLowerCase()] : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 2) {
    throw new UsageError(
      `${LOG_MAX_VARIABLE}=${text} is not a log size`,
      `set ${LOG_MAX_VARIABLE} to a size such as 128M (bytes, or K/M/G), or unset it for the default 128M`,
    );
  }
  return bytes;
}

/** The one line a command's output gets when its log left bytes out. */
export function leftOutNotice(logPath: string, leftOut: number, maxBytes: number): string {
  return `… [golive left ${leftOut} bytes out of the middle of ${logPath}: a log keeps the head and the tail of a command's output, ${formatBytes(maxBytes)} in all (${LOG_MAX_VARIABLE})]\n`;
}

/** Writes a command's output to its log, keeping the head and the tail only. */
export class CappedLog {
  private readonly headBytes: number;
  private readonly tailBytes: number;
  private headWritten = 0;
  private headEndsLine = true;
  private tail: TailSegments | undefined;
  private tailFailed = false;

  /**
   * @param log the log file the head, marker and tail go to.
   * @param maxBytes the bound (half head, half tail).
   * @param failed told once when the tail cannot be kept (the head still is).
   */
  constructor(
    private readonly log: LogFile,
    private readonly path: string,
    maxBytes: number,
    private readonly failed: (message: string, error: unknown) => void,
  ) {
    this.headBytes = Math.floor(maxBytes / 2);
    this.tailBytes = maxBytes - this.headBytes;
  }

  /** Appends output: to the log while the head has room, to the tail after. */
  write(data: string | Buffer): void {
    if (data.length === 0) return;
    if (this.tail === undefined) {
      const size = typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.length;
      if (this.headWritten + size <= this.headBytes) {
        this.log.write(data);
        this.headWritten += size;
        this.headEndsLine = endsWithNewline(data);
        return;
      }
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      const cut = characterBoundary(bytes, this.headBytes - this.headWritten);
      if (cut > 0) {
        this.log.write(bytes.subarray(0, cut));
        this.headWritten += cut;
        this.headEndsLine = bytes[cut - 1] === 0x0a;
      }
      this.tail = new TailSegments(this.path, this.tailBytes);
      this.writeTail(bytes.subarray(cut));
      return;
    }
    this.writeTail(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  }

  /**
   * Appends the marker and the tail, then closes the log. Resolves to the
   * number of bytes left out of it (0 when everything fitted).
   */
  async close(): Promise<number> {
    let dropped = 0;
    if (this.tail !== undefined) {
      try {
        if (!this.tailFailed) dropped = this.tail.copyInto(this.log, (leftOut) => this.marker(leftOut));
      } catch (error) {
        this.fail(error);
      } finally {
        this.tail.remove();
      }
    }
    await this.log.close();
    return dropped;
  }

  private writeTail(bytes: Buffer): void {
    if (this.tailFailed || bytes.length === 0) return;
    try {
      this.tail!.write(bytes);
    } catch (error) {
      this.fail(error);
    }
  }

  private marker(leftOut: number): string {
    return `${this.headEndsLine ? '' : '\n'}… [golive left out ${leftOut} bytes here: a log keeps the first ${formatBytes(this.headBytes)} and the last ${formatBytes(this.tailBytes)} of a command's output (${LOG_MAX_VARIABLE})]\n`;
  }

  private fail(error: unknown): void {
    if (this.tailFailed) return;
    this.tailFailed = true;
    this.failed(`cannot keep the tail of the log ${this.path}: ${(error as Error).message}`, error);
  }
}

/** Two segment files used in turn, so the last `tailBytes` bytes are always in them. */
class TailSegments {
  private readonly paths: [string, string];
  private readonly fds: [number | undefined, number | undefined] = [undefined, undefined];
  private readonly sizes: [number, number] = [0, 0];
  private current: 0 | 1 = 0;
  /** Every byte that reached the tail. */
  private seen = 0;

  constructor(
    logPath: string,
    private readonly tailBytes: number,
  ) {
    this.paths = [`${logPath}.tail-0`, `${logPath}.tail-1`];
  }

  write(bytes: Buffer): void {
    let at = 0;
    while (at < bytes.length) {
      if (this.sizes[this.current] >= this.tailBytes) this.switchSegment();
      const length = Math.min(bytes.length - at, this.tailBytes - this.sizes[this.current]);
      writeSync(this.fd(this.current), bytes, at, length, this.sizes[this.current]);
      this.sizes[this.current] += length;
      this.seen += length;
      at += length;
    }
  }

  /**
   * Appends the last `tailBytes` bytes to the log (after the marker when
   * bytes were left out, starting on a whole UTF-8 character). Returns the
   * number of bytes left out.
   */
  copyInto(log: LogFile, marker: (leftOut: number) => string): number {
    const current = this.current;
    const previous = current === 0 ? 1 : 0;
    const fromPrevious = Math.min(this.sizes[previous], this.tailBytes - this.sizes[current]);
    const ranges: Array<[0 | 1, number, number]> = [
      [previous, this.sizes[previous] - fromPrevious, this.sizes[previous]],
      [current, 0, this.sizes[current]],
    ];
    let leftOut = this.seen - fromPrevious - this.sizes[current];
    let first = true;
    for (const [segment, start, end] of ranges) {
      for (let position = start; position < end; ) {
        const chunk = Buffer.allocUnsafe(Math.min(1024 * 1024, end - position));
        const read = readSync(this.fd(segment), chunk, 0, chunk.length, position);
        if (read === 0) break;
        position += read;
        let piece = chunk.subarray(0, read);
        if (first) {
          first = false;
          if (leftOut > 0) {
            const skip = characterBoundary(piece, 0, +1);
            leftOut += skip;
            piece = piece.subarray(skip);
            log.write(marker(leftOut));
          }
        }
        log.write(piece);
      }
    }
    return leftOut;
  }

  /** Closes and deletes both segments. */
  remove(): void {
    for (const index of [0, 1] as const) {
      const fd = this.fds[index];
      if (fd !== undefined)
        try {
          closeSync(fd);
        } catch {
          /* already closed */
        }
      this.fds[index] = undefined;
      rmSync(this.paths[index], { force: true });
    }
  }

  private switchSegment(): void {
    this.current = this.current === 0 ? 1 : 0;
    if (this.fds[this.current] !== undefined) ftruncateSync(this.fds[this.current]!, 0);
    this.sizes[this.current] = 0;
  }

  private fd(index: 0 | 1): number {
    // `w+`: a leftover segment of a killed golive is emptied, not appended to.
    this.fds[index] ??= openSync(this.paths[index], 'w+', 0o600);
    return this.fds[index]!;
  }
}

function endsWithNewline(data: string | Buffer): boolean {
  return typeof data === 'string' ? data.endsWith('\n') : data[data.length - 1] === 0x0a;
}

/**
 * Moves `index` off UTF-8 continuation bytes (10xxxxxx), backwards by
 * default or forwards, so that a cut falls between characters.
 */
function characterBoundary(bytes: Buffer, index: number, direction: -1 | 1 = -1): number {
  let at = index;
  const continuation = (i: number) => i < bytes.length && (bytes[i] & 0xc0) === 0x80;
  if (direction < 0) while (at > 0 && continuation(at)) at -= 1;
  else while (continuation(at)) at += 1;
  return at;
}

function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} bytes`;
}
