/**
 * A connection to the hub that comes back by itself: calls made while the hub is away wait and
 * retry with backoff (up to 5 s apart) until it answers, or until the link is closed.
 */
import type { ClientAddress } from '../config.js';
import { HubError } from '../errors.js';
import { HubClient } from '../wire/client.js';

const FIRST_BACKOFF_MS = 200;
const MAX_BACKOFF_MS = 5000;

export class LinkClosedError extends Error {
  constructor() {
    super('the hub link was closed');
    this.name = 'LinkClosedError';
  }
}

/** Errors that say "the hub is not there right now", as opposed to "the hub said no". */
export function isConnectionError(err: unknown): err is HubError {
  return err instanceof HubError && (err.code === 'unreachable' || err.code === 'shutting_down');
}

export interface HubLinkOptions {
  log?: (line: string) => void;
  /** Runs on every new connection before it is used (e.g. to subscribe again). */
  onConnect?: (client: HubClient) => Promise<void>;
}

export class HubLink {
  private client: HubClient | undefined;
  private connecting: Promise<HubClient> | undefined;
  private closed = false;
  private readonly sleepers = new Set<() => void>();
  private wasDown = false;

  constructor(
    readonly address: ClientAddress,
    private readonly options: HubLinkOptions = {},
  ) {}

  /** The live client, connecting (and waiting for the hub) when needed. */
  get(): Promise<HubClient> {
    if (this.closed) return Promise.reject(new LinkClosedError());
    if (this.client && !this.client.closed) return Promise.resolve(this.client);
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async connect(): Promise<HubClient> {
    let backoff = FIRST_BACKOFF_MS;
    for (;;) {
      if (this.closed) throw new LinkClosedError();
      try {
        const client = await HubClient.connect(this.address);
        await this.options.onConnect?.(client);
        if (this.closed) {
          client.close();
          throw new LinkClosedError();
        }
        if (this.wasDown) this.options.log?.(`reconnected to the hub at ${this.address.host}:${this.address.port}`);
        this.wasDown = false;
        this.client = client;
        return client;
      } catch (err) {
        if (err instanceof LinkClosedError || !isConnectionError(err)) throw err;
        if (!this.wasDown) this.options.log?.(`${err.message}; retrying with backoff`);
        this.wasDown = true;
        await this.sleep(backoff + Math.random() * backoff * 0.2);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  /** Runs `fn` on the live client; when the connection drops, reconnects and runs it again. */
  async call<T>(fn: (client: HubClient) => Promise<T>): Promise<T> {
    for (;;) {
      const client = await this.get();
      try {
        return await fn(client);
      } catch (err) {
        if (!isConnectionError(err) || this.closed) throw err;
        if (this.client === client) this.client = undefined;
        await this.sleep(FIRST_BACKOFF_MS);
      }
    }
  }

  /** Connected right now (nothing is started to find out). */
  get live(): boolean {
    return !this.closed && this.client !== undefined && !this.client.closed;
  }

  /**
   * Runs `fn` once on the live connection, or fails at once when there is none: for what is only
   * worth sending now (live output), never queued up while the hub is away.
   */
  callNow<T>(fn: (client: HubClient) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new LinkClosedError());
    if (!this.client || this.client.closed) {
      // Start coming back now rather than at the next heartbeat or ack.
      this.get().catch(() => undefined);
      return Promise.reject(new HubError('unreachable', 'not connected to the hub'));
    }
    return fn(this.client);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  /** Ends the connection; pending and later calls fail with LinkClosedError. */
  close(): void {
    this.closed = true;
    this.client?.close();
    this.client = undefined;
    for (const wake of [...this.sleepers]) wake();
  }
}
