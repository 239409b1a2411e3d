/**
 * JSONL framing: bytes in, complete lines out. Handles several lines per chunk and lines split across
 * chunks, and refuses to buffer a partial line beyond `maxLineBytes` so memory stays bounded.
 * It lives in the lower layer because both sides read JSONL: the hub's wire (core/wire) and the ACP
 * driver's agent process (drivers/acp), and drivers never import core.
 */
const NEWLINE = 0x0a;

export class LineTooLongError extends Error {
  /** Lines completed in the same chunk before the over-long one: still to be answered. */
  completed: string[] = [];

  constructor(readonly maxLineBytes: number) {
    super(`request line exceeds ${maxLineBytes} bytes; closing the connection`);
    this.name = 'LineTooLongError';
  }
}

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxLineBytes: number) {}

  /** Returns the lines completed by this chunk (without the newline, a trailing \r removed). */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    let newline = chunk.indexOf(NEWLINE, start);
    while (newline !== -1) {
      const piece = chunk.subarray(start, newline);
      if (this.pendingBytes + piece.length > this.maxLineBytes) throw this.overflow(lines);
      const line = this.pendingBytes === 0 ? piece : Buffer.concat([...this.pending, piece]);
      this.pending = [];
      this.pendingBytes = 0;
      lines.push(decodeLine(line));
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      if (this.pendingBytes + rest.length > this.maxLineBytes) throw this.overflow(lines);
      // Copy: the socket may reuse the chunk's memory, and a small slice must not pin a large chunk.
      this.pending.push(Buffer.from(rest));
      this.pendingBytes += rest.length;
    }
    return lines;
  }

  private overflow(completed: string[]): LineTooLongError {
    this.pending = [];
    this.pendingBytes = 0;
    const error = new LineTooLongError(this.maxLineBytes);
    error.completed = completed;
    return error;
  }
}

function decodeLine(bytes: Buffer): string {
  const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
  return bytes.toString('utf8', 0, end);
}
