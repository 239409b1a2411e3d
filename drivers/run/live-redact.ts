/**
 * Redaction of live output, where a secret may arrive split across chunks written any time apart.
 *
 * Approach: each chunk is appended to a small held-back tail and only the part up to
 * `Redactor.safeCut` is released: the release never ends inside a match, before what may be the
 * first part of one (`sk-ant-a`, `Bearer `, `://user:pa`, the start of a known secret value), or
 * inside a trailing token-like run (a word being written). Lines ending in a newline therefore go
 * out at once; a partial last word waits for the next chunk or for `quietMs` of silence. After the
 * quiet period only what cannot begin a secret is released (so a prompt without a newline still
 * shows); a possible secret start stays held until the text that decides it arrives or the stream
 * ends, so a secret is never emitted in pieces however slowly it is written. The captured output
 * is redacted whole at the end and is never affected by chunking.
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
      this.timer = setTimeout(() => this.releaseQuiet(), this.quietMs);
      this.timer.unref();
    }
  }

  /** Release everything held (end of stream). */
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

  /** Nothing came for a while: show the held word, unless it may be the first part of a secret. */
  private releaseQuiet(): void {
    this.timer = null;
    const cut = this.redactor.safeCut(this.held, false);
    this.send(this.held.slice(0, cut));
    this.held = this.held.slice(cut);
  }

  private send(text: string): void {
    if (text.length > 0) this.emit(this.redactor.redact(text));
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
