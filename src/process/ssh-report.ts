/**
 * Separates the remote wrapper's report from the command's own stderr. The
 * wrapper (ssh-wrapper.ts) writes its lines to the same stream as the
 * command, each starting with a random token the command cannot know:
 * `started`, `setup <message>`, and last `exit <status>`, after which the
 * rest of the stream is the command's `$GOLIVE_OUTPUT` file. Everything else
 * passes through unchanged, in order, as the command's output.
 */

/** What the wrapper reported, once the stream has ended. */
export interface WrapperReport {
  /** The command was started on the remote side. */
  started: boolean;
  /** Why the command could not be started there (no setsid, no such shell, …). */
  setupFailure?: string;
  /** The command's exit status, as the wrapper's `wait` saw it. */
  exitStatus?: number;
  /** The command's `$GOLIVE_OUTPUT` file, when it wrote one. */
  outputsText?: string;
}

/** Reading the command's output, one of the wrapper's lines, or the outputs file after `exit`. */
type State = 'output' | 'report-line' | 'outputs';

/** A filter over the stderr bytes of one remote command. */
export class WrapperReportFilter {
  private readonly marker: Buffer;
  private state: State = 'output';
  /** Bytes that may be the start of the marker, held until the next chunk tells. */
  private held: Buffer = Buffer.alloc(0);
  private line: Buffer[] = [];
  private readonly outputs: Buffer[] = [];
  private readonly report: WrapperReport = { started: false };

  /**
   * @param token the token the wrapper starts its lines with.
   * @param passThrough receives the command's own output bytes, in order.
   */
  constructor(
    token: string,
    private readonly passThrough: (chunk: Buffer) => void,
  ) {
    this.marker = Buffer.from(`${token} `, 'ascii');
  }

  /** The wrapper has said so far that the command runs on the remote side. */
  get started(): boolean {
    return this.report.started;
  }

  write(chunk: Buffer): void {
    let rest = chunk;
    while (rest.length > 0) {
      if (this.state === 'outputs') {
        this.outputs.push(rest);
        return;
      }
      rest = this.state === 'output' ? this.readOutput(rest) : this.readReportLine(rest);
    }
  }

  /** The stream has ended: bytes held back were output after all. Returns what the wrapper reported. */
  end(): WrapperReport {
    if (this.held.length > 0) this.passThrough(this.held);
    this.held = Buffer.alloc(0);
    if (this.state === 'outputs') this.report.outputsText = Buffer.concat(this.outputs).toString('utf8');
    return this.report;
  }

  /** Passes output up to the next marker on; returns what follows the marker (empty when there is none). */
  private readOutput(chunk: Buffer): Buffer {
    const bytes = this.held.length > 0 ? Buffer.concat([this.held, chunk]) : chunk;
    this.held = Buffer.alloc(0);
    const at = bytes.indexOf(this.marker);
    if (at >= 0) {
      if (at > 0) this.passThrough(bytes.subarray(0, at));
      this.state = 'report-line';
      this.line = [];
      return bytes.subarray(at + this.marker.length);
    }
    const keep = this.partialMarkerAtEnd(bytes);
    if (bytes.length > keep) this.passThrough(bytes.subarray(0, bytes.length - keep));
    if (keep > 0) this.held = Buffer.from(bytes.subarray(bytes.length - keep));
    return Buffer.alloc(0);
  }

  /** The length of the longest end of `bytes` that is a start of the marker. */
  private partialMarkerAtEnd(bytes: Buffer): number {
    for (let length = Math.min(this.marker.length - 1, bytes.length); length > 0; length -= 1) {
      if (bytes.subarray(bytes.length - length).equals(this.marker.subarray(0, length))) return length;
    }
    return 0;
  }

  private readReportLine(chunk: Buffer): Buffer {
    const newline = chunk.indexOf(0x0a);
    if (newline < 0) {
      this.line.push(chunk);
      return Buffer.alloc(0);
    }
    this.line.push(chunk.subarray(0, newline));
    this.handleReportLine(Buffer.concat(this.line).toString('utf8'));
    return chunk.subarray(newline + 1);
  }

  private handleReportLine(line: string): void {
    this.state = 'output';
    const space = line.indexOf(' ');
    const [word, detail] = space < 0 ? [line, ''] : [line.slice(0, space), line.slice(space + 1)];
    if (word === 'started') this.report.started = true;
    else if (word === 'setup') this.report.setupFailure = detail;
    else if (word === 'exit' && /^\d+$/.test(detail)) {
      this.report.exitStatus = Number(detail);
      this.state = 'outputs';
    }
  }
}
