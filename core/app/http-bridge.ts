/**
 * Browser mode's server (`mittelo serve`): the built renderer at /, the UI contract at
 * `POST /api/call/<name>` (JSON body = the call's input; answer `{ok: true, result}` or
 * `{ok: false, error: {code, message, detail?}}` with a 4xx/5xx status), and `GET /api/events`, a
 * Server-Sent Events stream of UiEvents (one JSON object per `data:` line, heartbeats as comments).
 *
 * Loopback by default; any other address needs a token, sent as `Authorization: Bearer <token>` or
 * as the HttpOnly cookie set by opening `/?token=<token>` once (so EventSource works in a browser).
 */
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import type { UiEvent } from '../api.js';
import { HubError, errorMessage } from '../errors.js';
import { checkToken, isLoopbackHost, tokenMatches } from '../wire/auth.js';
import { SECURITY_HEADERS } from './csp.js';
import { HTTP_STATUS } from './errors.js';
import type { Dispatch } from './handlers.js';
import { NOT_BUILT_PAGE, defaultRendererDir, resolveStatic } from './static-files.js';
import { readBody } from '../wire/http-body.js';
import { guardRequest, isJsonContentType } from '../wire/http-guard.js';
import { JsonTooDeepError, parseJsonInput } from '../json-input.js';
import { SHED_GRACE_MS, SubscriberBudget, cutWhenStalled, type Subscriber, type SubscriberLimits } from '../wire/subscriber-budget.js';

export const DEFAULT_SERVE_PORT = 8780;
export const TOKEN_COOKIE = 'mittelo_token';
const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
const HEARTBEAT_MS = 15_000;

export interface HttpBridgeOptions {
  dispatch: Dispatch;
  /** Limits of the `/api/events` streams (default: the hub's, core/wire/subscriber-budget.ts). */
  eventLimits?: SubscriberLimits;
  subscribe: (listener: (event: UiEvent) => void) => () => void;
  host?: string;
  /** Default 8780; 0 = any free port. */
  port?: number;
  token?: string;
  /** The built renderer; default dist/renderer of the app. */
  rendererDir?: string | null;
  maxBodyBytes?: number;
  heartbeatMs?: number;
  log?: (line: string) => void;
}

export interface HttpBridge {
  host: string;
  port: number;
  /** The address to open (with `?token=` when a token is required). */
  url: string;
  close(): Promise<void>;
}

type Reply = { status: number; body: unknown };

function sendJson(res: http.ServerResponse, { status, body }: Reply): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

function apiError(status: number, code: string, message: string): Reply {
  return { status, body: { ok: false, error: { code, message } } };
}

function sendHtml(res: http.ServerResponse, status: number, html: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html), 'cache-control': 'no-store' });
  res.end(html);
}

function cookie(req: http.IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) {
      try {
        return decodeURIComponent(rest.join('='));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export async function startHttpBridge(options: HttpBridgeOptions): Promise<HttpBridge> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ? checkToken(options.token, 'the browser-mode token') : undefined;
  if (!isLoopbackHost(host) && !token) {
    throw new HubError('unauthorized', `refusing to serve the app on ${host} without a token: anyone who can reach this machine could run your agents. Add --token (a random one is made for you), or keep the default 127.0.0.1`);
  }
  const rendererDir = options.rendererDir === undefined ? defaultRendererDir() : options.rendererDir;
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const streams = new Set<http.ServerResponse>();
  // The page's event streams get the hub's rules: a cap on streams, on unread bytes each and in all;
  // the one furthest behind is shed with the reason on its stream.
  const budget = new SubscriberBudget(options.eventLimits);
  let lastEvent: { event: UiEvent; text: string } | undefined;
  const eventText = (event: UiEvent): string => {
    if (lastEvent?.event !== event) lastEvent = { event, text: `data: ${JSON.stringify(event)}\n\n` };
    return lastEvent.text;
  };

  /** Set once listening: the port a request's Host header must name (http-guard). */
  let boundPort = 0;
  const authorized = (req: http.IncomingMessage): boolean => {
    if (!token) return true;
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    return tokenMatches(token, bearer ?? cookie(req, TOKEN_COOKIE));
  };

  async function call(req: http.IncomingMessage, name: string): Promise<Reply> {
    if (!isJsonContentType(req.headers['content-type'])) {
      return apiError(415, 'unsupported_media_type', 'Send the call as JSON (Content-Type: application/json).');
    }
    let input: unknown;
    try {
      const text = await readBody(req, maxBody);
      input = text.trim() === '' ? {} : parseJsonInput(text, 'The request body');
    } catch (err) {
      if (err instanceof JsonTooDeepError) return apiError(400, 'bad_input', err.message);
      if (err instanceof HubError) return apiError(413, 'too_large', `The request is too large (at most ${maxBody} bytes).`);
      return apiError(400, 'bad_input', 'The request body is not valid JSON.');
    }
    const answer = await options.dispatch(name, input);
    return { status: answer.ok ? 200 : (HTTP_STATUS[answer.error.code] ?? 500), body: answer };
  }

  function events(req: http.IncomingMessage, res: http.ServerResponse): void {
    let shed = false;
    const subscriber: Subscriber = {
      unread: () => res.writableLength,
      shed: (reason) => {
        shed = true;
        res.end(`event: error\ndata: ${JSON.stringify({ error: reason, code: 'overloaded' })}\n\n`);
        cutWhenStalled(() => res.writableLength, () => res.destroy(), SHED_GRACE_MS, () => res.destroyed);
      },
    };
    try {
      budget.admit(subscriber);
    } catch (err) {
      return sendJson(res, apiError(503, 'overloaded', errorMessage(err)));
    }
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    // EventSource reconnects by itself; 2 s keeps OFFLINE → ONLINE quick after a restart of the server.
    res.write('retry: 2000\n: connected\n\n');
    streams.add(res);
    const unsubscribe = options.subscribe((event) => {
      if (shed) return;
      const text = eventText(event);
      budget.makeRoom(text.length);
      if (!shed) res.write(text);
    });
    const heartbeat = setInterval(() => shed || res.write(': heartbeat\n\n'), options.heartbeatMs ?? HEARTBEAT_MS);
    const close = () => {
      clearInterval(heartbeat);
      unsubscribe();
      budget.leave(subscriber);
      streams.delete(res);
    };
    req.on('close', close);
    res.on('close', close);
  }

  function staticFile(req: http.IncomingMessage, res: http.ServerResponse, pathname: string): void {
    const answer = resolveStatic(rendererDir, pathname);
    if (answer.kind === 'not_built') return sendHtml(res, 503, NOT_BUILT_PAGE);
    if (answer.kind === 'not_found') return sendJson(res, apiError(404, 'not_found', 'Not found.'));
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': answer.type,
      'cache-control': answer.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'content-length': fs.statSync(answer.file).size,
    });
    if (req.method === 'HEAD') return void res.end();
    fs.createReadStream(answer.file).on('error', () => res.destroy()).pipe(res);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://app.invalid');
    const method = req.method ?? 'GET';
    // Loopback servers answer only to loopback names on their port (no DNS rebinding); the API only to its own pages.
    const refusal = guardRequest(req, { boundHost: host, boundPort, token }, false);
    if (refusal && (refusal.code === 'forbidden_host' || url.pathname.startsWith('/api/'))) return sendJson(res, apiError(403, 'forbidden', refusal.message));

    const queryToken = url.searchParams.get('token');
    if (token && queryToken !== null && method === 'GET' && !url.pathname.startsWith('/api/')) {
      if (!tokenMatches(token, queryToken)) return sendHtml(res, 401, '<!doctype html><title>Mittelo</title><p>That token is not the one this server was started with.</p>');
      // Keep the token out of the address bar and history: a cookie from here on.
      url.searchParams.delete('token');
      res.writeHead(303, {
        ...SECURITY_HEADERS,
        location: `${url.pathname}${url.search}`,
        'set-cookie': `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
        'content-length': 0,
      });
      return void res.end();
    }
    if (!authorized(req)) {
      if (url.pathname.startsWith('/api/')) return sendJson(res, apiError(401, 'unauthorized', 'This server needs its token: open the address it printed (with ?token=...) or send Authorization: Bearer <token>.'));
      return sendHtml(res, 401, '<!doctype html><title>Mittelo</title><p>Open the address that <code>mittelo serve</code> printed (it ends with <code>?token=...</code>).</p>');
    }

    if (url.pathname === '/api/events') {
      if (method !== 'GET') return sendJson(res, apiError(405, 'bad_request', 'Use GET for /api/events.'));
      return events(req, res);
    }
    const callMatch = /^\/api\/call\/([^/]+)$/.exec(url.pathname);
    if (callMatch) {
      if (method !== 'POST') return sendJson(res, apiError(405, 'bad_request', 'Use POST with a JSON body for /api/call/<name>.'));
      return sendJson(res, await call(req, decodeURIComponent(callMatch[1] ?? '')));
    }
    if (url.pathname.startsWith('/api/')) return sendJson(res, apiError(404, 'unknown_call', `There is no ${url.pathname}: calls are POST /api/call/<name>, events GET /api/events.`));
    if (method !== 'GET' && method !== 'HEAD') return sendJson(res, apiError(405, 'bad_request', 'Only GET and HEAD are served here.'));
    return staticFile(req, res, url.pathname);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      options.log?.(`browser mode: ${req.method} ${req.url}: ${errorMessage(err)}`);
      if (res.headersSent) return void res.destroy();
      sendJson(res, apiError(500, 'internal', 'Something went wrong inside the app.'));
    });
  });

  const address = await new Promise<net.AddressInfo>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new HubError('internal', `cannot serve on ${host}:${options.port ?? DEFAULT_SERVE_PORT}: ${err.code === 'EADDRINUSE' ? 'the port is already in use (--port 0 picks a free one)' : err.message}`)),
    );
    server.listen(options.port ?? DEFAULT_SERVE_PORT, host, () => resolve(server.address() as net.AddressInfo));
  });
  const port = address.port;
  boundPort = port;
  const base = `http://${formatHost(host)}:${port}/`;
  return {
    host,
    port,
    url: token ? `${base}?token=${encodeURIComponent(token)}` : base,
    close: () =>
      new Promise<void>((resolve) => {
        for (const stream of streams) stream.end();
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 1000).unref();
      }),
  };
}
