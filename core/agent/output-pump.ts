/**
 * Live output of a running task, sent to the hub in coalesced chunks (every 200 ms or 64 KiB) and in
 * order, so a chatty CLI costs a few messages a second rather than one per write. Live output is a
 * view: what cannot be sent is dropped (the artifact keeps the whole output).
 */
import type { OutputStream } from '../../drivers/run/types.js';

const FLUSH_MS = 200;
const MAX_BUFFER = 64 * 1024;

export class OutputPump {
  private buffered: { stream: OutputStream; text: string }[] = [];
  private size = 0;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly send: (stream: OutputStream, text: string) => Promise<unknown>) {}

  push(stream: OutputStream, text: string): void {
    if (this.closed || text === '') return;
    const last = this.buffered[this.buffered.length - 1];
    if (last && last.stream === stream) last.text += text;
    else this.buffered.push({ stream, text });
    this.size += text.length;
    if (this.size >= MAX_BUFFER) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Sends what is buffered; resolves once everything pushed so far was sent (or dropped). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const chunks = this.buffered;
    this.buffered = [];
    this.size = 0;
    for (const chunk of chunks) {
      this.sending = this.sending.then(() => this.send(chunk.stream, chunk.text).then(() => undefined, () => undefined));
    }
    return this.sending;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.buffered = [];
  }
}
