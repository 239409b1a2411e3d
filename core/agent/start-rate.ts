/** Per-backend limit on started tasks per minute (`rate_per_minute`), as a sliding one-minute window. */

const WINDOW_MS = 60_000;

/** Resolves after `ms`, or at once when `signal` aborts (a stopping agent waits for nothing). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

export class StartRate {
  private readonly starts: number[] = [];

  constructor(readonly perMinute: number) {}

  started(now = Date.now()): void {
    this.starts.push(now);
  }

  /** Waits until one more start keeps within the limit (or until `signal` aborts). */
  async wait(signal: AbortSignal): Promise<void> {
    for (;;) {
      const now = Date.now();
      while (this.starts.length > 0 && (this.starts[0] ?? 0) <= now - WINDOW_MS) this.starts.shift();
      if (this.starts.length < this.perMinute || signal.aborted) return;
      await pause((this.starts[0] ?? now) + WINDOW_MS - now, signal);
    }
  }
}
