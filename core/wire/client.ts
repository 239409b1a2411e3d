/**
 * TypeScript client of the JSONL wire protocol, used by the CLI, agents and tests. Pipelines
 * requests on one connection, matches answers by id, and delivers `subscribe` events to a listener.
 * `call` is typed by the contract (contract.ts): the method name picks the params and result types.
 */
import net from 'node:net';
import type { ClientAddress } from '../config.js';
import { HubError, errorMessage, type HubErrorCode } from '../errors.js';
import type { HubEvent, HubEventType } from '../queue/types.js';
import type { HubMethod, HubParams, HubParamsArg, HubResult } from './contract.js';
import { LineSplitter } from '../../drivers/run/line-splitter.js';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

interface WireResponse {
  id?: unknown;
  result?: unknown;
  error?: { message?: string; code?: string } | null;
  event?: string;
}

export interface ConnectOptions {
  timeoutMs?: number;
  /** Largest answer line accepted (a `list` of big results can be large). */
  maxLineBytes?: number;
}

const KNOWN_CODES = new Set<string>(['bad_request', 'unknown_method', 'unauthorized', 'not_found', 'conflict', 'stale_lease', 'line_too_long', 'shutting_down', 'overloaded', 'database', 'internal']);

export class HubClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly eventListeners = new Set<(event: HubEvent) => void>();
  private readonly closeListeners = new Set<(err: HubError) => void>();
  private closedError: HubError | undefined;
  private outbox = '';
  private flushQueued = false;

  private constructor(
    private readonly socket: net.Socket,
    readonly address: ClientAddress,
    maxLineBytes: number,
  ) {
    const splitter = new LineSplitter(maxLineBytes);
    socket.on('data', (chunk: Buffer) => {
      let lines: string[];
      try {
        lines = splitter.push(chunk);
      } catch (err) {
        this.fail(new HubError('line_too_long', `answer from hub too long: ${errorMessage(err)}`));
        socket.destroy();
        return;
      }
      for (const line of lines) this.onLine(line);
    });
    socket.on('error', (err) => this.fail(new HubError('unreachable', `connection to hub at ${where(address)} failed: ${errorMessage(err)}`)));
    socket.on('close', () => this.fail(new HubError('unreachable', `connection to hub at ${where(address)} closed`)));
  }

  static async connect(address: ClientAddress, options: ConnectOptions = {}): Promise<HubClient> {
    const socket = await openSocket(address, options.timeoutMs ?? 5000);
    const client = new HubClient(socket, address, options.maxLineBytes ?? 256 * 1024 * 1024);
    if (address.token) {
      try {
        await client.call('auth', { token: address.token });
      } catch (err) {
        client.close();
        if (err instanceof HubError && err.code === 'unknown_method') {
          throw new HubError('unauthorized', `the hub at ${where(address)} has no tokens (an original mittelo hub: ${err.message}); connect without --token / MITTELO_TOKEN`);
        }
        throw err;
      }
    }
    return client;
  }

  /** Called once when the connection is gone (hub stopped, network, `close()`); returns an unsubscribe. */
  onClose(listener: (err: HubError) => void): () => void {
    if (this.closedError) {
      listener(this.closedError);
      return () => undefined;
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** True once the connection is gone; every later call fails with the reason. */
  get closed(): boolean {
    return this.closedError !== undefined;
  }

  private onLine(line: string): void {
    let message: WireResponse;
    try {
      message = JSON.parse(line) as WireResponse;
    } catch {
      this.fail(new HubError('internal', `hub sent a line that is not JSON: ${line.slice(0, 200)}`));
      return;
    }
    if (typeof message.event === 'string') {
      for (const listener of this.eventListeners) listener(message as unknown as HubEvent);
      return;
    }
    const pending = typeof message.id === 'number' ? this.pending.get(message.id) : undefined;
    if (!pending) {
      // An error with id null is the hub talking about the connection itself (line too long...).
      if (message.error) this.fail(toHubError(message.error));
      return;
    }
    this.pending.delete(message.id as number);
    if (message.error) pending.reject(toHubError(message.error));
    else pending.resolve(message.result);
  }

  private fail(err: HubError): void {
    const first = this.closedError === undefined;
    this.closedError ??= err;
    if (first) for (const listener of this.closeListeners) listener(err);
    for (const pending of this.pending.values()) pending.reject(err);
    this.pending.clear();
  }

  /** One request; the answer is trusted to be the contract's (tests check the hub keeps to it). */
  call<M extends HubMethod>(method: M, ...params: HubParamsArg<M>): Promise<HubResult<M>>;
  // Plain parameters below the typed signature: no rest array per request on the hot path.
  call(method: HubMethod, params: object = {}): Promise<unknown> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.outbox += JSON.stringify({ id, method, params }) + '\n';
      if (!this.flushQueued) {
        this.flushQueued = true;
        queueMicrotask(() => this.flushOutbox());
      }
    });
  }

  /** Requests made in the same tick leave in one write (one packet, one syscall on each side). */
  private flushOutbox(): void {
    this.flushQueued = false;
    const text = this.outbox;
    this.outbox = '';
    if (text !== '' && !this.socket.destroyed) this.socket.write(text);
  }

  enqueue(params: HubParams<'enqueue'>): Promise<HubResult<'enqueue'>> {
    return this.call('enqueue', params);
  }
  async lease(params: HubParams<'lease'>): Promise<HubResult<'lease'>['tasks']> {
    return (await this.call('lease', params)).tasks;
  }
  ack(params: HubParams<'ack'>): Promise<HubResult<'ack'>> {
    return this.call('ack', params);
  }
  extend(params: HubParams<'extend'>): Promise<HubResult<'extend'>> {
    return this.call('extend', params);
  }
  list(filter: HubParams<'list'> = {}): Promise<HubResult<'list'>> {
    return this.call('list', filter);
  }
  async get(taskId: number): Promise<HubResult<'get'>['task']> {
    return (await this.call('get', { task_id: taskId })).task;
  }
  async stats(): Promise<HubResult<'stats'>['stats']> {
    return (await this.call('stats')).stats;
  }
  cancel(taskId: number): Promise<HubResult<'cancel'>> {
    return this.call('cancel', { task_id: taskId });
  }
  retryFailed(taskId?: number): Promise<HubResult<'retry_failed'>> {
    return this.call('retry_failed', taskId === undefined ? {} : { task_id: taskId });
  }
  shutdown(): Promise<HubResult<'shutdown'>> {
    return this.call('shutdown');
  }

  /** Events to `listener`; `types` narrows what the hub sends this connection (first subscriber's choice). */
  async subscribe(listener: (event: HubEvent) => void, types?: HubEventType[]): Promise<() => void> {
    this.eventListeners.add(listener);
    if (this.eventListeners.size === 1) await this.call('subscribe', types ? { types } : {});
    return () => this.eventListeners.delete(listener);
  }

  release(taskId: number, leaseToken: string): Promise<HubResult<'release'>> {
    return this.call('release', { task_id: taskId, lease_token: leaseToken });
  }

  /** Live output of a running task; the answer's status is `cancelled` once the task was cancelled. */
  output(params: HubParams<'output'>): Promise<HubResult<'output'>> {
    return this.call('output', params);
  }

  async artifact(taskId: number): Promise<HubResult<'artifact'>['artifact']> {
    return (await this.call('artifact', { task_id: taskId })).artifact;
  }

  close(): void {
    this.socket.end();
  }
}

function where(address: ClientAddress): string {
  return `${address.host}:${address.port}`;
}

function toHubError(error: { message?: string; code?: string }): HubError {
  const message = error.message ?? 'unknown error from hub';
  // The original mittelo hub sends no codes; its "Unknown method: NAME" is still recognisable.
  const fallback = /^unknown method\b/i.test(message) ? 'unknown_method' : 'internal';
  const code = (error.code && KNOWN_CODES.has(error.code) ? error.code : fallback) as HubErrorCode;
  return new HubError(code, message);
}

function openSocket(address: ClientAddress, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ host: address.host, port: address.port });
    socket.setNoDelay(true);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new HubError('unreachable', `hub unreachable at ${where(address)}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const reason = err.code === 'ECONNREFUSED' ? 'connection refused; is `mittelo hub` running?' : errorMessage(err);
      reject(new HubError('unreachable', `hub unreachable at ${where(address)}: ${reason}`));
    });
  });
}
