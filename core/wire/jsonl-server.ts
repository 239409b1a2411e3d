/**
 * The JSONL TCP server (PROTOCOL.md transport): one JSON request per line, one response line per
 * request in order, errors as objects with the connection kept, a bounded line length, optional
 * token auth, and `subscribe` for a live event stream on the same connection.
 */
import net from 'node:net';
import { HubError, errorMessage } from '../errors.js';
import type { HubEvent } from '../queue/types.js';
import type { EventBus } from '../queue/events.js';
import { tokenMatches } from './auth.js';
import { HTTP_REFUSAL, looksLikeHttp } from './http-sniff.js';
import { cutWhenStalled, type Subscriber, type SubscriberBudget } from './subscriber-budget.js';
import { LineSplitter, LineTooLongError } from '../../drivers/run/line-splitter.js';
import { callMethod, type MethodContext } from './methods.js';
import { parseParams } from './contract.js';
import { JsonTooDeepError, parseJsonInput } from '../json-input.js';
import { isStorageFailure, storageError } from '../store/storage-error.js';

export interface JsonlServerOptions {
  context: MethodContext;
  events: EventBus;
  maxLineBytes: number;
  /** Shared with the REST server's event streams: one memory bound for all of them. */
  subscribers: SubscriberBudget;
  token?: string;
  log?: (line: string) => void;
}

const MAX_FAILED_AUTH = 10;
/** Requests a client may queue behind a waiting one before the hub stops reading from it. */
const MAX_BACKLOG_LINES = 10_000;
/** After a line-too-long farewell, a peer that keeps sending instead of closing is cut off this much later. */
const FAREWELL_GRACE_MS = 1000;
const FAILURE_LOG_INTERVAL_MS = 10_000;
/** A shed subscriber that takes nothing of its stream (and the reason at its end) for this long is cut. */
const SHED_GRACE_MS = 2000;

type RequestId = unknown;

/** A parsed request line, or the answer it already has (malformed, not an object, no method). */
type Request = { id: RequestId; method: string; params: unknown } | { answer: string };

function response(id: RequestId, result: unknown): string {
  return JSON.stringify({ id: id === undefined ? null : id, result, error: null });
}

function errorResponse(id: RequestId, err: unknown): string {
  const code = err instanceof HubError ? err.code : 'internal';
  return JSON.stringify({ id: id === undefined ? null : id, result: null, error: { message: errorMessage(err), code } });
}

class Connection implements Subscriber {
  private readonly splitter: LineSplitter;
  private authenticated: boolean;
  private failedAuth = 0;
  private backlog: string[] = [];
  private next = 0;
  private waiting: Promise<void> | undefined;
  /** Where the current batch started in the backlog: a batch that did not commit is answered again from here. */
  private batchStart = 0;
  /** True when the wait (long-poll lease) in progress began in the current batch. */
  private waitBeganInBatch = false;
  /** Bumped when a batch is undone: the answer of a wait it began is then dropped, not sent. */
  private generation = 0;
  /** Aborted when the connection closes, ending any long-poll lease it was waiting on. */
  readonly closed = new AbortController();
  /** Ends the wait in progress: on close, or when the batch that began it did not commit. */
  private waitAbort = new AbortController();
  /** Event types this connection asked for (`subscribe` with `types`), all, or none. */
  subscribed: Set<string> | 'all' | null = null;

  wants(type: string): boolean {
    return this.subscribed === 'all' || (this.subscribed !== null && this.subscribed.has(type));
  }
  private tooLong = false;
  /** Shed for not keeping up with events: what it still sends is dropped. */
  private shedding = false;
  private farewell: string | undefined;

  constructor(
    readonly socket: net.Socket,
    private readonly server: JsonlServer,
    private readonly options: JsonlServerOptions,
  ) {
    this.splitter = new LineSplitter(options.maxLineBytes);
    this.authenticated = options.token === undefined;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => {
      if (this.waiting === undefined && !this.tooLong) socket.resume();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.closed.abort();
      this.waitAbort.abort();
    });
  }

  private onData(chunk: Buffer): void {
    if (this.tooLong || this.shedding) return;
    let lines: string[];
    let tooLong: LineTooLongError | undefined;
    try {
      lines = this.splitter.push(chunk);
    } catch (err) {
      if (!(err instanceof LineTooLongError)) throw err;
      tooLong = err;
      lines = err.completed;
    }
    if (lines.some(looksLikeHttp)) return this.refuseHttp();
    if (lines.length > 0) {
      this.backlog = this.next < this.backlog.length ? this.backlog.slice(this.next).concat(lines) : lines;
      this.next = 0;
      this.server.schedule(this);
    }
    if (tooLong) {
      // Answers to the complete lines before it go first (also those behind a waiting lease); `send`
      // says goodbye once they are out.
      this.farewell = errorResponse(null, new HubError('line_too_long', tooLong.message)) + '\n';
      this.tooLong = true;
      this.server.schedule(this);
    }
  }

  /** An HTTP peer (a web page's POST): nothing it sent runs, not even lines queued before; it is told so and cut off. */
  private refuseHttp(): void {
    this.tooLong = true; // read and drop whatever else arrives, as after a line-too-long farewell
    this.backlog = [];
    this.next = 0;
    this.options.log?.('closed a connection that spoke HTTP to the JSONL port');
    this.socket.end(HTTP_REFUSAL);
    setTimeout(() => this.socket.destroy(), FAREWELL_GRACE_MS).unref();
  }

  /**
   * Answers queued lines in order, inside the server's batch transaction; the text is sent by
   * `send` once that has committed. A waiting answer (long-poll lease) holds the lines behind it
   * until it resolves, keeping request order.
   */
  answerQueued(): string {
    this.batchStart = this.next;
    this.waitBeganInBatch = false;
    let out = '';
    while (this.next < this.backlog.length && this.waiting === undefined) {
      const line = this.backlog[this.next++] ?? '';
      if (line.trim() === '') continue;
      const request = this.parse(line);
      const answer = 'answer' in request ? request.answer : this.run(request);
      if (typeof answer === 'string') out += answer + '\n';
      else this.await(answer);
      if (this.server.closing) break;
    }
    return out;
  }

  /** True when lines wait to be answered now (not held behind a long-poll lease). */
  hasQueued(): boolean {
    return this.waiting === undefined && this.next < this.backlog.length;
  }

  /** A long-poll answer: the lines behind it wait until it is sent, keeping request order. */
  private await(answer: Promise<string>): void {
    const generation = this.generation;
    this.waitBeganInBatch = true;
    this.waiting = answer.then((text) => {
      if (generation !== this.generation) return;
      this.waiting = undefined;
      this.write(text + '\n');
      this.server.schedule(this);
    });
  }

  /**
   * The batch did not commit: none of its answers was sent, so its lines are answered again (by
   * `answerEachAlone`). A wait it began is ended and its answer dropped: its lease never happened.
   */
  undoBatch(): void {
    this.next = this.batchStart;
    if (!this.waitBeganInBatch) return;
    this.generation++;
    this.waitAbort.abort();
    this.waitAbort = new AbortController();
    this.waiting = undefined;
    this.waitBeganInBatch = false;
  }

  /**
   * After a failed group commit: each queued line in a transaction of its own, its answer sent
   * once that commits, so one bad request (or a full disk) fails alone with its own error and
   * reads keep being answered.
   */
  answerEachAlone(): void {
    while (this.next < this.backlog.length && this.waiting === undefined && !this.server.closing) {
      const line = this.backlog[this.next++] ?? '';
      if (line.trim() === '') continue;
      const request = this.parse(line);
      if ('answer' in request) {
        this.write(request.answer + '\n');
        continue;
      }
      this.batchStart = this.next - 1;
      this.waitBeganInBatch = false;
      try {
        this.server.queue.batch(
          () => {
            const answer = this.run(request);
            if (typeof answer === 'string') return answer;
            // A transaction cannot return a promise: the wait is recorded here, its answer sent later.
            this.await(answer);
            return null;
          },
          (answer) => answer !== null && this.write(answer + '\n'),
        );
      } catch (err) {
        this.undoBatch();
        this.next++;
        this.write(errorResponse(request.id, storageError(err)) + '\n');
      }
    }
    this.send('');
  }

  send(out: string): void {
    if (out !== '') this.write(out);
    if (this.farewell !== undefined && this.waiting === undefined && this.next >= this.backlog.length) {
      // Until the peer closes, what it still sends is read and dropped (onData returns early): a paused
      // socket would never see the peer's end and stay open, with the peer's writes stuck.
      this.socket.end(this.farewell);
      this.farewell = undefined;
      setTimeout(() => this.socket.destroy(), FAREWELL_GRACE_MS).unref();
      return;
    }
    // A client that queues requests behind a waiting one, or does not read its answers, stops being read.
    if (this.waiting !== undefined && this.backlog.length - this.next > MAX_BACKLOG_LINES) this.socket.pause();
    else if (this.waiting === undefined && !this.socket.writableNeedDrain && !this.tooLong) this.socket.resume();
  }

  private write(text: string): void {
    if (this.socket.destroyed || this.socket.writableEnded) return;
    if (!this.socket.write(text)) this.socket.pause();
  }

  private parse(line: string): Request {
    let request: unknown;
    try {
      request = parseJsonInput(line, 'the request');
    } catch (err) {
      // Too deep to write back (JSON.stringify recurses): refused before anything runs.
      if (err instanceof JsonTooDeepError) return { answer: errorResponse(err.id, err) };
      return { answer: errorResponse(null, new HubError('bad_request', `malformed JSON: ${errorMessage(err)}`)) };
    }
    if (typeof request !== 'object' || request === null || Array.isArray(request)) {
      return { answer: errorResponse(null, new HubError('bad_request', 'a request must be a JSON object {"id", "method", "params"}')) };
    }
    const { id, method, params } = request as { id?: unknown; method?: unknown; params?: unknown };
    if (typeof method !== 'string') {
      return { answer: errorResponse(id, new HubError('bad_request', 'the request has no "method" string')) };
    }
    return { id, method, params };
  }

  private run({ id, method, params }: { id: RequestId; method: string; params: unknown }): string | Promise<string> {
    if (this.server.closing) return errorResponse(id, new HubError('shutting_down', 'the hub is shutting down'));
    try {
      const result = this.dispatch(method, params);
      if (result instanceof Promise) {
        return result.then(
          (value: unknown) => response(id, value),
          (err: unknown) => this.failure(id, method, err),
        );
      }
      return response(id, result);
    } catch (err) {
      return this.failure(id, method, err);
    }
  }

  private failure(id: RequestId, method: string, err: unknown): string {
    // Storage failures are logged once per failed batch by the server, not once per request.
    if (!(err instanceof HubError) && !isStorageFailure(err)) this.options.log?.(`internal error in ${method}: ${errorMessage(err)}`);
    return errorResponse(id, storageError(err));
  }

  private dispatch(method: string, params: unknown): unknown {
    const token = typeof params === 'object' && params !== null ? (params as { token?: unknown }).token : undefined;
    if (method === 'auth') return this.authenticate(token);
    if (!this.authenticated && !(this.options.token !== undefined && tokenMatches(this.options.token, token))) {
      // Wrong tokens sent as a param count like failed `auth` calls: guessing costs the connection.
      if (token !== undefined && ++this.failedAuth >= MAX_FAILED_AUTH) setImmediate(() => this.socket.destroy());
      throw new HubError('unauthorized', 'unauthorized: this hub requires a token (send {"method":"auth","params":{"token":"..."}} first, or a "token" param)');
    }
    if (method === 'subscribe') {
      const { types } = parseParams('subscribe', params);
      this.options.subscribers.admit(this);
      this.subscribed = types ? new Set(types) : 'all';
      this.server.updateSubscription();
      return { ok: true };
    }
    if (method === 'unsubscribe') {
      this.options.subscribers.leave(this);
      this.subscribed = null;
      this.server.updateSubscription();
      return { ok: true };
    }
    return callMethod(this.options.context, method, params, this.waitAbort.signal);
  }

  private authenticate(token: unknown): { ok: true } {
    if (this.options.token === undefined) return { ok: true };
    if (tokenMatches(this.options.token, token)) {
      this.authenticated = true;
      return { ok: true };
    }
    if (++this.failedAuth >= MAX_FAILED_AUTH) setImmediate(() => this.socket.destroy());
    throw new HubError('unauthorized', 'invalid token');
  }

  sendEvent(line: string): void {
    if (!this.socket.destroyed && !this.socket.writableEnded) this.socket.write(line);
  }

  unread(): number {
    return this.socket.writableLength;
  }

  /** Subscriber: the reason goes out as an error line (the id is null: it answers no request), then the connection ends. */
  shed(reason: string): void {
    this.options.log?.(`dropping a JSONL subscriber: ${reason}`);
    this.subscribed = null;
    this.server.updateSubscription();
    this.shedding = true;
    this.socket.end(errorResponse(null, new HubError('overloaded', reason)) + '\n');
    cutWhenStalled(() => this.socket.writableLength, () => this.socket.destroy(), SHED_GRACE_MS, () => this.socket.destroyed);
  }
}

export class JsonlServer {
  private readonly server: net.Server;
  private readonly connections = new Set<Connection>();
  private unsubscribeEvents: (() => void) | undefined;
  /** Connections with lines to answer in the next batch. */
  private readonly pending = new Set<Connection>();
  private flushScheduled = false;
  private lastFailureLog = -Infinity;
  private unloggedFailures = 0;
  closing = false;

  constructor(private readonly options: JsonlServerOptions) {
    this.server = net.createServer((socket) => {
      const connection = new Connection(socket, this, options);
      this.connections.add(connection);
      socket.on('close', () => {
        this.connections.delete(connection);
        options.subscribers.leave(connection);
        this.updateSubscription();
      });
    });
  }

  /**
   * Group commit: lines that arrive in the same event-loop turn, on any connection, are answered in
   * one transaction, and their answers are sent after it commits.
   */
  schedule(connection: Connection): void {
    this.pending.add(connection);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** A full disk fails every write batch: one log line per interval, with how many were not logged. */
  private logThrottled(line: string): void {
    const now = Date.now();
    if (now - this.lastFailureLog < FAILURE_LOG_INTERVAL_MS) {
      this.unloggedFailures++;
      return;
    }
    const skipped = this.unloggedFailures > 0 ? ` (${this.unloggedFailures} more since the last report)` : '';
    this.options.log?.(line + skipped);
    this.lastFailureLog = now;
    this.unloggedFailures = 0;
  }

  get queue(): MethodContext['queue'] {
    return this.options.context.queue;
  }

  private flush(): void {
    this.flushScheduled = false;
    const connections = [...this.pending];
    this.pending.clear();
    // A connection scheduled only to be read again (a long-poll answer just went out, nothing queued
    // behind it) needs no transaction: an empty BEGIN/COMMIT per woken lease is pure overhead.
    if (!connections.some((connection) => connection.hasQueued())) {
      for (const connection of connections) connection.send('');
      return;
    }
    let committed = false;
    try {
      // Answers go out before the batch's events, so a client sees its own answer first.
      this.queue.batch(
        () => connections.map((c) => c.answerQueued()),
        (answers) => {
          committed = true;
          connections.forEach((connection, i) => connection.send(answers[i] ?? ''));
        },
      );
    } catch (err) {
      if (committed) {
        this.options.log?.(`sending the answers of a committed batch failed: ${errorMessage(err)}`);
        return;
      }
      // Nothing in the batch happened (a request failed unexpectedly, or the commit did: a full
      // disk, a read-only or damaged file). No answer was sent: answer every line again, each in a
      // transaction of its own, so only the requests that cannot be applied get an error.
      this.logThrottled(`a batch of requests could not be committed (${errorMessage(err)}); answering its ${connections.length} connection(s) one request at a time`);
      for (const connection of connections) connection.undoBatch();
      for (const connection of connections) connection.answerEachAlone();
    }
  }

  listen(host: string, port: number): Promise<net.AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) =>
        reject(new HubError('internal', `cannot listen on ${host}:${port}: ${err.code === 'EADDRINUSE' ? 'the port is already in use' : err.message}`));
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve(this.server.address() as net.AddressInfo);
      });
    });
  }

  /** One bus subscription for all subscribed connections: each event is serialized once. */
  updateSubscription(): void {
    const wanted = [...this.connections].some((c) => c.subscribed !== null);
    if (wanted && !this.unsubscribeEvents) {
      this.unsubscribeEvents = this.options.events.subscribe((event: HubEvent) => {
        let line: string | undefined;
        for (const connection of this.connections) {
          if (!connection.wants(event.type)) continue;
          if (line === undefined) {
            line = JSON.stringify({ event: event.type, ...event }) + '\n';
            // Characters, not bytes: close enough for a bound, and free.
            this.options.subscribers.makeRoom(line.length);
          }
          if (connection.wants(event.type)) connection.sendEvent(line);
        }
      });
    } else if (!wanted && this.unsubscribeEvents) {
      this.unsubscribeEvents();
      this.unsubscribeEvents = undefined;
    }
  }

  /** Stop accepting; answers already computed are flushed, then every connection is closed. */
  close(): Promise<void> {
    this.closing = true;
    this.unsubscribeEvents?.();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const { socket } of this.connections) {
        socket.end();
        setTimeout(() => socket.destroy(), 2000).unref();
      }
    });
  }
}
