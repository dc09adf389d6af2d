/**
 * The full, masked output of one command, appended to a file as it arrives.
 */

import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

/** What the log asks of the output source it is fed from. */
export interface LogFileHooks {
  /** Stop reading the command's pipes: the disk is behind. */
  pause(): void;
  /** Start reading again. */
  resume(): void;
  /** Logging failed and has stopped; the command itself goes on. */
  failed(message: string): void;
}

/**
 * Appends text to a log file through a write stream. When the stream's buffer
 * is full it pauses the source, so a command writing faster than the disk
 * blocks on its pipe instead of growing golive's memory.
 */
export class LogFile {
  private stream: WriteStream | undefined;
  private waitingForDrain = false;
  private closed = false;
  private readonly closeWaiters: Array<() => void> = [];

  /**
   * Opens `path` for appending, creating its parent directory. Failures are
   * reported through `hooks.failed`, never thrown.
   */
  constructor(
    private readonly path: string,
    private readonly hooks: LogFileHooks,
  ) {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (error) {
      this.fail(error);
      return;
    }
    const stream = createWriteStream(path, { flags: 'a' });
    stream.on('error', (error) => this.fail(error));
    stream.on('close', () => this.markClosed());
    this.stream = stream;
  }

  /** Appends text. */
  write(text: string): void {
    const stream = this.stream;
    if (stream === undefined) return;
    if (stream.write(text) || this.waitingForDrain) return;
    this.waitingForDrain = true;
    this.hooks.pause();
    stream.once('drain', () => {
      this.waitingForDrain = false;
      this.hooks.resume();
    });
  }

  /** True while the source is paused waiting for the disk. */
  get applyingBackpressure(): boolean {
    return this.waitingForDrain;
  }

  /** Flushes and closes the file; resolves once it is complete on disk (or failed). */
  close(): Promise<void> {
    if (this.stream === undefined || this.closed) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.closeWaiters.push(resolve));
    this.stream.end();
    return done;
  }

  private fail(error: unknown): void {
    const stream = this.stream;
    this.stream = undefined;
    stream?.destroy();
    if (this.waitingForDrain) {
      this.waitingForDrain = false;
      this.hooks.resume();
    }
    this.hooks.failed(`cannot write the log file ${this.path}: ${(error as Error).message}`);
    this.markClosed();
  }

  private markClosed(): void {
    this.closed = true;
    for (const resolve of this.closeWaiters.splice(0)) resolve();
  }
}
