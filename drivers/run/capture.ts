/**
 * Capped capture of one output stream. Bytes beyond the cap are still read (a child blocked on a
 * full pipe would never exit) but dropped, so a flooding child costs CPU, not memory.
 */
import { StringDecoder } from 'node:string_decoder';
import { LiveRedactor } from './live-redact.js';
import type { Redactor } from './redact.js';

export function truncationMarker(limitBytes: number): string {
  return `\n[mittelo: output truncated after ${limitBytes} bytes]`;
}

/** Length of the longest prefix of `bytes` that does not end inside a multi-byte UTF-8 character. */
export function completeUtf8Length(bytes: Uint8Array): number {
  const end = bytes.length;
  for (let i = end - 1; i >= 0 && i >= end - 4; i--) {
    const byte = bytes[i] ?? 0;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead byte
    const size = byte < 0x80 ? 1 : byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
    return i + size > end ? i : end;
  }
  return end;
}

export class OutputCapture {
  private readonly chunks: Buffer[] = [];
  private stored = 0;
  private cutOff = false;
  /** Keeps a multi-byte character split across chunks whole in the live stream. */
  private readonly decoder = new StringDecoder('utf8');
  private readonly live: LiveRedactor | null;

  constructor(
    private readonly limitBytes: number,
    private readonly redactor: Redactor,
    private readonly onText?: (text: string) => void,
  ) {
    this.live = onText ? new LiveRedactor(redactor, onText) : null;
  }

  get truncated(): boolean {
    return this.cutOff;
  }

  push(chunk: Buffer): void {
    if (this.cutOff) return;
    const room = this.limitBytes - this.stored;
    const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
    if (part.length > 0) {
      this.chunks.push(part);
      this.stored += part.length;
      const text = this.decoder.write(part);
      if (text.length > 0) this.live?.push(text);
    }
    if (part.length < chunk.length) {
      this.cutOff = true;
      this.live?.truncate();
      this.onText?.(truncationMarker(this.limitBytes));
    }
  }

  /** The stream ended: release what the live redactor still holds. */
  end(): void {
    if (this.cutOff || !this.live) return;
    const rest = this.decoder.end();
    if (rest.length > 0) this.live.push(rest);
    this.live.flush();
  }

  /** The captured text, redacted, with the truncation marker when the cap was reached. */
  result(): { text: string; truncated: boolean } {
    const bytes = Buffer.concat(this.chunks, this.stored);
    if (!this.cutOff) return { text: this.redactor.redact(bytes.toString('utf8')), truncated: false };
    const text = bytes.subarray(0, completeUtf8Length(bytes)).toString('utf8');
    // Drop a trailing run the cap may have cut through: it could be the first half of a secret.
    const kept = text.slice(0, this.redactor.safeCut(text, false));
    return { text: this.redactor.redact(kept) + truncationMarker(this.limitBytes), truncated: true };
  }
}
