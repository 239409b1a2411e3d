/**
 * Redaction of live output, where a secret may arrive split across two chunks.
 *
 * Approach: each chunk is appended to a small held-back tail and only the part up to
 * `Redactor.safeCut` is released: the release never ends inside a match, a trailing token-like
 * run (a key being written), a trailing `Bearer`, or the beginning of a known secret value. Lines
 * ending in a newline therefore go out at once; a partial last word waits for the next chunk, or
 * for `quietMs` of silence (then it is released as is, so a prompt without a newline still shows).
 * The one case not covered is a secret whose two halves are written more than `quietMs` apart;
 * the captured output (redacted whole at the end) is never affected by chunking.
 */
import type { Redactor } from './redact.js';

export const DEFAULT_QUIET_MS = 150;

export class LiveRedactor {
  private held = '';
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly redactor: Redactor,
    private readonly emit: (text: string) => void,
    private readonly quietMs = DEFAULT_QUIET_MS,
  ) {}

  push(text: string): void {
    this.clearTimer();
    const buffer = this.held + text;
    const cut = this.redactor.safeCut(buffer, true);
    this.held = buffer.slice(cut);
    this.send(buffer.slice(0, cut));
    if (this.held.length > 0) {
      this.timer = setTimeout(() => this.flush(), this.quietMs);
      this.timer.unref();
    }
  }

  /** Release everything held (end of stream or a quiet period). */
  flush(): void {
    this.clearTimer();
    const rest = this.held;
    this.held = '';
    this.send(rest);
  }

  /** The stream is being cut off (capture cap): release only the safe part, drop a possible secret prefix. */
  truncate(): void {
    this.clearTimer();
    const rest = this.held;
    this.held = '';
    this.send(rest.slice(0, this.redactor.safeCut(rest, false)));
  }

  private send(text: string): void {
    if (text.length > 0) this.emit(this.redactor.redact(text));
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
