/**
 * REST adapter (PROTOCOL.md floor plus task detail, cancel and Server-Sent Events). Routes map onto
 * the same method table as the JSONL server, so validation and semantics are identical.
 */
import http from 'node:http';
import type net from 'node:net';
import { HubError, errorMessage, type HubErrorCode } from '../errors.js';
import type { EventBus } from '../queue/events.js';
import type { HubEvent } from '../queue/types.js';
import { tokenMatches } from './auth.js';
import { guardRequest } from './http-guard.js';
import { callMethod, type MethodContext } from './methods.js';
import { parseParams, type HubMethod } from './contract.js';
import { readBody } from './http-body.js';
import { cutWhenStalled, type Subscriber, type SubscriberBudget } from './subscriber-budget.js';
import { parseJsonInput } from '../json-input.js';
import { isStorageFailure, storageError } from '../store/storage-error.js';

export interface RestServerOptions {
  context: MethodContext;
  events: EventBus;
  maxBodyBytes: number;
  /** Shared with the JSONL server's subscribers: one memory bound for all event streams. */
  subscribers: SubscriberBudget;
  token?: string;
  log?: (line: string) => void;
}

const STATUS_BY_CODE: Partial<Record<HubErrorCode, number>> = {
  bad_request: 400,
  unauthorized: 401,
  not_found: 404,
  unknown_method: 404,
  conflict: 409,
  stale_lease: 409,
  line_too_long: 413,
  shutting_down: 503,
  overloaded: 503,
  database: 503,
};

const SSE_HEARTBEAT_MS = 15_000;
/** A shed stream that takes nothing of its events (and the reason at their end) for this long is cut. */
const SHED_GRACE_MS = 2000;

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function jsonBody(req: http.IncomingMessage, maxBytes: number): Promise<unknown> {
  const text = await readBody(req, maxBytes);
  if (text.trim() === '') return {};
  try {
    return parseJsonInput(text, 'the request body');
  } catch (err) {
    if (err instanceof HubError) throw err;
    throw new HubError('bad_request', 'invalid json');
  }
}

/** Query strings are text; the method schemas expect numbers where the wire sends numbers. */
function listParams(query: URLSearchParams): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const key of ['status', 'backend', 'run_id'] as const) {
    const value = query.get(key);
    if (value !== null && value !== '') params[key] = value;
  }
  for (const key of ['limit', 'before_id'] as const) {
    const value = query.get(key);
    if (value === null || value === '') continue;
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new HubError('bad_request', `bad ${key}: expected an integer, got ${JSON.stringify(value)}`);
    params[key] = n;
  }
  return params;
}

export class RestServer {
  private readonly server: http.Server;
  private readonly streams = new Set<http.ServerResponse>();
  /** Where the server listens: the Host header a request must carry (http-guard). */
  private bound = { host: '127.0.0.1', port: 0 };
  closing = false;

  constructor(private readonly options: RestServerOptions) {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((failure: unknown) => {
        if (!(failure instanceof HubError) && !isStorageFailure(failure)) options.log?.(`REST internal error: ${errorMessage(failure)}`);
        if (res.headersSent) return res.destroy();
        const err = storageError(failure);
        send(res, STATUS_BY_CODE[err.code] ?? 500, { error: err.message, code: err.code });
      });
    });
  }

  private authorized(req: http.IncomingMessage): boolean {
    if (this.options.token === undefined) return true;
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    return match !== null && tokenMatches(this.options.token, match[1]);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://hub.invalid');
    const route = `${req.method ?? 'GET'} ${url.pathname.replace(/\/+$/, '') || '/'}`;
    const call = (method: HubMethod, params: unknown) => callMethod(this.options.context, method, params);
    // Before anything else, /health too: a web page must learn nothing and change nothing here.
    const refusal = guardRequest(req, { boundHost: this.bound.host, boundPort: this.bound.port, token: this.options.token }, req.method === 'POST');
    if (refusal) return send(res, refusal.status, { error: refusal.message, code: refusal.code });
    if (route === 'GET /health') return send(res, 200, { ok: true });
    if (this.closing) throw new HubError('shutting_down', 'the hub is shutting down');
    if (!this.authorized(req)) throw new HubError('unauthorized', 'unauthorized: send Authorization: Bearer <token>');

    const taskRoute = /^(GET|POST) \/tasks\/(\d+)(\/cancel|\/artifact)?$/.exec(route);
    if (taskRoute) {
      const taskId = Number(taskRoute[2]);
      if (taskRoute[1] === 'GET' && !taskRoute[3]) return send(res, 200, call('get', { task_id: taskId }));
      if (taskRoute[1] === 'GET' && taskRoute[3] === '/artifact') return send(res, 200, call('artifact', { task_id: taskId }));
      if (taskRoute[1] === 'POST' && taskRoute[3] === '/cancel') return send(res, 200, call('cancel', { task_id: taskId }));
    }
    switch (route) {
      case 'GET /stats':
        return send(res, 200, call('stats', {}));
      case 'GET /tasks':
        return send(res, 200, call('list', listParams(url.searchParams)));
      case 'POST /tasks': {
        const body = await jsonBody(req, this.options.maxBodyBytes);
        if (typeof body !== 'object' || body === null || typeof (body as { prompt?: unknown }).prompt !== 'string' || !(body as { prompt: string }).prompt.trim()) {
          throw new HubError('bad_request', 'missing or blank prompt');
        }
        return send(res, 200, call('enqueue', body));
      }
      case 'POST /tasks/retry_failed':
        return send(res, 200, call('retry_failed', await jsonBody(req, this.options.maxBodyBytes)));
      case 'POST /shutdown':
        return send(res, 200, call('shutdown', {}));
      case 'GET /events': {
        const types = url.searchParams.get('types');
        const { types: wanted } = parseParams('subscribe', types ? { types: types.split(',') } : {});
        return this.openEventStream(req, res, wanted ? new Set(wanted) : undefined);
      }
      default:
        // The floor fixes this exact body; `code` is our addition.
        return send(res, 404, { error: 'not found', code: 'not_found' });
    }
  }

  /** The last event's SSE text, made once for all streams (an output event may be 1 MiB). */
  private lastEvent: { event: HubEvent; text: string } | undefined;

  private eventText(event: HubEvent): string {
    if (this.lastEvent?.event !== event) {
      this.lastEvent = { event, text: `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n` };
    }
    return this.lastEvent.text;
  }

  private openEventStream(req: http.IncomingMessage, res: http.ServerResponse, types?: Set<string>): void {
    const budget = this.options.subscribers;
    let shed = false;
    const subscriber: Subscriber = {
      unread: () => res.writableLength,
      shed: (reason) => {
        shed = true;
        this.options.log?.(`dropping an event stream: ${reason}`);
        res.end(`event: error\ndata: ${JSON.stringify({ error: reason, code: 'overloaded' })}\n\n`);
        cutWhenStalled(() => res.writableLength, () => res.destroy(), SHED_GRACE_MS, () => res.destroyed);
      },
    };
    budget.admit(subscriber);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(': connected\n\n');
    this.streams.add(res);
    const unsubscribe = this.options.events.subscribe((event) => {
      if (shed || (types && !types.has(event.type))) return;
      const text = this.eventText(event);
      budget.makeRoom(text.length);
      if (!shed) res.write(text);
    });
    const heartbeat = setInterval(() => shed || res.write(': heartbeat\n\n'), SSE_HEARTBEAT_MS);
    const close = () => {
      clearInterval(heartbeat);
      unsubscribe();
      budget.leave(subscriber);
      this.streams.delete(res);
    };
    req.on('close', close);
    res.on('close', close);
  }

  listen(host: string, port: number): Promise<net.AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) =>
        reject(new HubError('internal', `cannot listen on ${host}:${port} (REST): ${err.code === 'EADDRINUSE' ? 'the port is already in use' : err.message}`));
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        const address = this.server.address() as net.AddressInfo;
        this.bound = { host, port: address.port };
        resolve(address);
      });
    });
  }

  close(): Promise<void> {
    this.closing = true;
    for (const stream of this.streams) stream.end();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
      setTimeout(() => this.server.closeAllConnections(), 2000).unref();
    });
  }
}
