/**
 * What becomes of one command's output, wherever the command runs: masked,
 * split into lines for the watcher, written to the step's log (capped),
 * kept as head and tail, and past `streamBytes` handled as raw bytes. Local
 * commands and remote ones (whose output arrives through ssh) share it, so a
 * secret is masked the same way whichever side printed it.
 */

import { ByteMasker } from './byte-masker.js';
import { HeadTailCapture } from './head-tail.js';
import { MaskedLineSplitter } from './line-splitter.js';
import { CappedLog, leftOutNotice } from './log-cap.js';
import { LogFile } from './log-file.js';
import { createMasker, type Masker } from './mask.js';
import type { CommandSpec, OutputStream } from './types.js';

/** Bytes kept from each end of the output when the spec does not say. */
const DEFAULT_KEEP_BYTES = 65_536;

/** Called when a log file cannot be written (a full disk, say). */
export type LogFailureHandler = (logPath: string, error: unknown) => void;

/** One stream's state: lines while the output is streamed, raw bytes past the limit. */
interface StreamState {
  splitter: MaskedLineSplitter;
  raw: ByteMasker | undefined;
}

/** The output of one command, from its first byte to its head and tail. */
export class CommandOutput {
  readonly masker: Masker;
  private readonly capture: HeadTailCapture;
  private readonly log: CappedLog | undefined;
  private readonly streams = new Map<OutputStream, StreamState>();
  private readonly streamLimit: number;
  private rawNoticeGiven = false;
  private bytesSeen = 0;

  constructor(
    private readonly spec: CommandSpec,
    private readonly logMaxBytes: number,
    private readonly onOutput?: (stream: OutputStream, text: string) => void,
    onLogFailure?: LogFailureHandler,
  ) {
    this.masker = createMasker(spec.secrets);
    this.capture = new HeadTailCapture(spec.keepBytes ?? DEFAULT_KEEP_BYTES);
    this.streamLimit = spec.streamBytes ?? Number.POSITIVE_INFINITY;
    if (spec.logPath !== undefined) {
      // The command is told in its output; the session decides whether the run can go on (a full disk cannot).
      const failed = (message: string, error: unknown) => {
        onLogFailure?.(spec.logPath!, error);
        this.emit('stderr', this.masker.mask(`golive: ${message}\n`));
      };
      const file = new LogFile(spec.logPath, { failed });
      this.log = new CappedLog(file, spec.logPath, logMaxBytes, failed);
    }
  }

  /** Total bytes of output seen so far. */
  get bytes(): number {
    return this.bytesSeen;
  }

  /** One chunk the command wrote to `stream`. */
  write(stream: OutputStream, chunk: Buffer): void {
    const state = this.stateOf(stream);
    this.bytesSeen += chunk.length;
    if (state.raw) return this.keepRaw(state.raw.write(chunk));
    state.splitter.write(chunk);
    // Switch to raw bytes past the streamed part, at a chunk that ends on a whole (ASCII) character.
    if (this.bytesSeen > this.streamLimit && chunk[chunk.length - 1] < 0x80) {
      state.raw = new ByteMasker(this.masker.patterns, Buffer.from(state.splitter.takePending(), 'utf8'));
      this.noticeRawOutput(stream);
    }
  }

  /** Masked text golive itself adds to the command's output (a log that cannot be written, say). */
  emit(stream: OutputStream, text: string): void {
    this.onOutput?.(stream, text);
    this.log?.write(text);
    this.capture.add(text);
  }

  /**
   * Flushes the last partial lines and closes the log; returns the head and
   * tail. Call once, after every stream has ended.
   */
  async close(): Promise<{ head: string; tail: string }> {
    for (const state of this.streams.values()) {
      state.splitter.end();
      if (state.raw) this.keepRaw(state.raw.end());
    }
    const leftOut = (await this.log?.close()) ?? 0;
    // One line for the watcher; the log itself has the marker where the bytes are missing.
    if (leftOut > 0) this.onOutput?.('stderr', leftOutNotice(this.spec.logPath!, leftOut, this.logMaxBytes));
    return this.capture.result();
  }

  private stateOf(stream: OutputStream): StreamState {
    let state = this.streams.get(stream);
    if (state === undefined) {
      state = { splitter: new MaskedLineSplitter(this.masker, (text) => this.emit(stream, text)), raw: undefined };
      this.streams.set(stream, state);
    }
    return state;
  }

  /** Tell the watcher (once) that it sees no more of the output, and where the rest is. */
  private noticeRawOutput(stream: OutputStream): void {
    if (this.rawNoticeGiven) return;
    this.rawNoticeGiven = true;
    const where = this.spec.logPath ? `: the full output is in ${this.spec.logPath}` : '';
    this.onOutput?.(stream, `… [golive shows the first ${Math.round(this.streamLimit / 1024)} KiB of a command's output${where}]\n`);
  }

  private keepRaw(bytes: Buffer): void {
    this.log?.write(bytes);
    this.capture.addBytes(bytes);
  }
}
