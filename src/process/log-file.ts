/**
 * The full, masked output of one command, appended to a file as it arrives.
 */

import { closeSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensureDirectory } from './directories.js';

/** What the log tells the output source it is fed from. */
export interface LogFileHooks {
  /** Logging failed and has stopped; the command itself goes on (`error` says why: a full disk, say). */
  failed(message: string, error: unknown): void;
}

/** Text is gathered up to this size before one synchronous write. */
const BATCH_BYTES = 256 * 1024;

/**
 * Appends text to a log file in batches of synchronous writes. A write to
 * the page cache takes microseconds, and blocking the event loop for it is
 * the backpressure: a command writing faster than the disk blocks on its
 * pipe instead of growing golive's memory. (A write stream paid a thread-pool
 * round trip per chunk: 1 GB of output took over twice as long.)
 */
export class LogFile {
  private fd: number | undefined;
  private pending: Array<string | Buffer> = [];
  private pendingLength = 0;

  /** Failed or closed: nothing more is written (and the file is not reopened). */
  private done = false;

  /**
   * A log at `path`, opened for appending (mode 0600: output may be
   * sensitive) at the first write: a command that prints nothing gets no
   * file. Failures are reported through `hooks.failed`, never thrown.
   */
  constructor(
    private readonly path: string,
    private readonly hooks: LogFileHooks,
  ) {}

  /** Appends text, or raw bytes (output past the streamed part is never decoded). */
  write(data: string | Buffer): void {
    if (this.done || data.length === 0) return;
    if (this.fd === undefined) this.open();
    if (this.fd === undefined) return;
    this.pending.push(data);
    this.pendingLength += data.length;
    if (this.pendingLength >= BATCH_BYTES) this.flush();
  }

  /** Writes what is pending and closes the file. */
  close(): Promise<void> {
    this.done = true;
    if (this.fd !== undefined) {
      this.flush();
      const fd = this.fd;
      this.fd = undefined;
      try {
        if (fd !== undefined) closeSync(fd);
      } catch (error) {
        this.fail(error);
      }
    }
    return Promise.resolve();
  }

  private flush(): void {
    if (this.fd === undefined || this.pending.length === 0) return;
    const parts = this.pending;
    const data =
      parts.length === 1
        ? parts[0]
        : parts.every((p) => typeof p === 'string')
          ? parts.join('')
          : Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
    this.pending = [];
    this.pendingLength = 0;
    try {
      if (typeof data === 'string') writeSync(this.fd, data);
      else writeSync(this.fd, data);
    } catch (error) {
      this.fail(error);
    }
  }

  private open(): void {
    try {
      ensureDirectory(dirname(this.path));
      this.fd = openSync(this.path, 'a', 0o600);
    } catch (error) {
      this.fail(error);
    }
  }

  private fail(error: unknown): void {
    this.done = true;
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        /* already failing */
      }
    }
    this.fd = undefined;
    this.pending = [];
    this.hooks.failed(`cannot write the log file ${this.path}: ${(error as Error).message}`, error);
  }
}
