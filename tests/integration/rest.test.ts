/** The REST adapter over real HTTP on 127.0.0.1: the PROTOCOL.md floor, task detail/cancel, auth and SSE. */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startHub } from '../../core/hub.js';
import type { HubEvent } from '../../core/queue/types.js';
import type { HubClient } from '../../core/wire/client.js';
import { connect, startTestHub, tempDir } from '../helpers.js';

type TestHub = Awaited<ReturnType<typeof startTestHub>>;

const hubs: TestHub[] = [];
const clients: HubClient[] = [];
const streams: EventStream[] = [];

afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close();
  for (const client of clients.splice(0)) client.close();
  for (const hub of hubs.splice(0)) {
    await hub.stop();
    fs.rmSync(path.dirname(hub.dbPath), { recursive: true, force: true });
  }
});

async function restHub(options: Parameters<typeof startTestHub>[0] = {}): Promise<TestHub & { url: string }> {
  const hub = await startTestHub({ restPort: 0, ...options });
  hubs.push(hub);
  if (!hub.restUrl) throw new Error('the hub started without a REST url');
  return Object.assign(hub, { url: hub.restUrl });
}

async function jsonlClient(hub: TestHub, token?: string): Promise<HubClient> {
  const client = await connect(hub, token);
  clients.push(client);
  return client;
}

interface Reply {
  status: number;
  contentType: string | null;
  body: Record<string, unknown>;
}

async function rest(url: string, method: string, path: string, options: { body?: string | object; token?: string; authorization?: string } = {}): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  // As a well-behaved client sends it (text/plain and the like are refused: tests/integration/cross-site.test.ts).
  if (method === 'POST') headers['content-type'] = 'application/json';
  const body = typeof options.body === 'object' ? JSON.stringify(options.body) : options.body;
  const res = await fetch(url + path, body === undefined ? { method, headers } : { method, headers, body });
  const text = await res.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`${method} ${path} answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  return { status: res.status, contentType: res.headers.get('content-type'), body: parsed };
}

interface SseMessage {
  id: string | undefined;
  event: string | undefined;
  data: HubEvent;
}

/** A Server-Sent Events reader over node:http; resolves `open()` once the hub has registered the stream. */
class EventStream {
  readonly messages: SseMessage[] = [];
  status = 0;
  contentType: string | undefined;
  ended = false;
  private buffer = '';
  private readonly waiters = new Set<() => void>();
  private req: http.ClientRequest | undefined;

  constructor(
    private readonly url: string,
    private readonly token?: string,
  ) {}

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (this.token) headers.authorization = `Bearer ${this.token}`;
      this.req = http.get(`${this.url}/events`, { headers }, (res) => {
        this.status = res.statusCode ?? 0;
        this.contentType = res.headers['content-type'];
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          this.buffer += chunk;
          // The hub writes ": connected" right after subscribing, so seeing it means events will follow.
          if (this.buffer.includes(': connected')) resolve();
          this.parse();
        });
        res.on('end', () => this.finish());
        res.on('close', () => this.finish());
        res.on('error', () => this.finish());
        if (this.status !== 200) reject(new Error(`GET /events answered ${this.status}`));
      });
      this.req.on('error', (err) => {
        this.finish();
        reject(err);
      });
    });
  }

  private finish(): void {
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private parse(): void {
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const frame = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let id: string | undefined;
      let event: string | undefined;
      const data: string[] = [];
      for (const line of frame.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') id = value;
        else if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length > 0) this.messages.push({ id, event, data: JSON.parse(data.join('\n')) as HubEvent });
    }
    this.wake();
  }

  /** Waits until `count` messages satisfy `predicate` (by event, not by sleeping); rejects after `timeoutMs`. */
  async waitFor(predicate: (m: SseMessage) => boolean, count = 1, timeoutMs = 5000): Promise<SseMessage[]> {
    const matching = () => this.messages.filter(predicate);
    if (matching().length >= count) return matching();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out waiting for ${count} SSE messages; got ${JSON.stringify(this.messages.map((m) => m.event))}`));
      }, timeoutMs);
      const check = () => {
        if (matching().length >= count) {
          clearTimeout(timer);
          this.waiters.delete(check);
          resolve(matching());
        } else if (this.ended) {
          clearTimeout(timer);
          this.waiters.delete(check);
          reject(new Error(`the stream ended after ${JSON.stringify(this.messages.map((m) => m.event))}`));
        }
      };
      this.waiters.add(check);
    });
  }

  /** Resolves when the server ends the stream. */
  waitEnded(timeoutMs = 5000): Promise<void> {
    if (this.ended) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the SSE stream is still open')), timeoutMs);
      const check = () => {
        if (!this.ended) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }

  close(): void {
    this.req?.destroy();
  }
}

async function openEvents(url: string, token?: string): Promise<EventStream> {
  const stream = new EventStream(url, token);
  streams.push(stream);
  await stream.open();
  return stream;
}

function taskIdOf(message: SseMessage): number | undefined {
  return 'task' in message.data ? message.data.task.task_id : undefined;
}

describe('REST floor endpoints', () => {
  it('GET /health answers {"ok": true} as JSON', async () => {
    const hub = await restHub();
    const reply = await rest(hub.url, 'GET', '/health');
    expect(reply.status).toBe(200);
    expect(reply.contentType).toMatch(/^application\/json/);
    expect(reply.body).toEqual({ ok: true });
  });

  it('POST /tasks queues the prompt and answers its task_id, visible from the JSONL side', async () => {
    const hub = await restHub();
    const reply = await rest(hub.url, 'POST', '/tasks', { body: { prompt: 'write a haiku\nabout SQLite' } });
    expect(reply.status).toBe(200);
    expect(reply.body.task_id).toEqual(expect.any(Number));
    const task = await (await jsonlClient(hub)).get(reply.body.task_id as number);
    expect(task).toMatchObject({ prompt: 'write a haiku\nabout SQLite', status: 'queued', worker_id: null, result: null, error: null, leased_until: null });
  });

  it('POST /tasks stores the additive backend, priority and max_attempts params', async () => {
    const hub = await restHub();
    const reply = await rest(hub.url, 'POST', '/tasks', { body: { prompt: 'p', backend: 'echo', priority: 7, max_attempts: 3 } });
    expect(reply.status).toBe(200);
    expect(hub.queue.get(reply.body.task_id as number)).toMatchObject({ backend: 'echo', priority: 7, max_attempts: 3 });
  });

  it.each([
    ['no prompt', { priority: 1 }],
    ['a blank prompt', { prompt: '  \n ' }],
    ['a prompt that is not a string', { prompt: 42 }],
    ['a JSON array body', [{ prompt: 'x' }]],
    ['a JSON null body', null],
  ])('POST /tasks with %s answers 400 naming the prompt and queues nothing', async (_name, body) => {
    const hub = await restHub();
    const reply = await rest(hub.url, 'POST', '/tasks', { body: JSON.stringify(body) });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatch(/prompt/);
    expect(hub.queue.stats().queued).toBe(0);
  });

  it.each([
    ['priority', { prompt: 'p', priority: 'high' }],
    ['priority', { prompt: 'p', priority: 1.5 }],
    ['max_attempts', { prompt: 'p', max_attempts: 0 }],
    ['backend', { prompt: 'p', backend: 'has space' }],
    ['labels', { prompt: 'p', labels: 'not-a-list' }],
  ])('POST /tasks with a wrongly typed %s answers 400 naming the field', async (field, body) => {
    const hub = await restHub();
    const reply = await rest(hub.url, 'POST', '/tasks', { body });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ code: 'bad_request' });
    expect(reply.body.error).toContain(field);
    expect(hub.queue.stats().queued).toBe(0);
  });

  it.each(['/tasks', '/tasks/retry_failed'])('POST %s with an invalid JSON body answers 400 {"error": "invalid json"}', async (path) => {
    const hub = await restHub();
    const reply = await rest(hub.url, 'POST', path, { body: '{"prompt": "unterminated' });
    expect(reply.status).toBe(400);
    expect(reply.contentType).toMatch(/^application\/json/);
    expect(reply.body.error).toBe('invalid json');
    expect(hub.queue.stats().queued).toBe(0);
  });

  it('a body over the hub line limit answers 413 and the hub keeps serving', async () => {
    const hub = await restHub({ maxLineBytes: 1024 });
    const reply = await rest(hub.url, 'POST', '/tasks', { body: { prompt: 'x'.repeat(4096) } });
    expect(reply.status).toBe(413);
    expect(reply.body).toMatchObject({ code: 'line_too_long' });
    expect(hub.queue.stats().queued).toBe(0);
    expect((await rest(hub.url, 'POST', '/tasks', { body: { prompt: 'small' } })).status).toBe(200);
  });

  it('GET /stats counts every status, with all four floor keys', async () => {
    const hub = await restHub();
    const client = await jsonlClient(hub);
    for (let i = 0; i < 5; i++) await client.enqueue({ prompt: `p${i}` });
    const [a, b, c] = await client.lease({ worker_id: 'w', max_tasks: 3 });
    if (!a || !b || !c) throw new Error('expected three leased tasks');
    await client.ack({ task_id: a.task_id, status: 'done', result: 'ok' });
    await client.ack({ task_id: b.task_id, status: 'failed', error: 'boom' });
    const reply = await rest(hub.url, 'GET', '/stats');
    expect(reply.status).toBe(200);
    expect(reply.body.stats).toMatchObject({ queued: 2, leased: 1, done: 1, failed: 1 });
  });

  it('GET /tasks lists newest first with stats, filters by status and honours limit (0 = all)', async () => {
    const hub = await restHub();
    const client = await jsonlClient(hub);
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) ids.push((await client.enqueue({ prompt: `p${i}` })).task_id);
    const [leased] = await client.lease({ worker_id: 'w' });
    if (!leased) throw new Error('expected a leased task');
    await client.ack({ task_id: leased.task_id, status: 'done', result: 'r' });

    const all = await rest(hub.url, 'GET', '/tasks');
    expect(all.status).toBe(200);
    expect((all.body.tasks as { task_id: number }[]).map((t) => t.task_id)).toEqual([...ids].reverse());
    expect(all.body.stats).toMatchObject({ queued: 3, leased: 0, done: 1, failed: 0 });

    const done = await rest(hub.url, 'GET', '/tasks?status=done');
    expect(done.body.tasks).toEqual([expect.objectContaining({ task_id: ids[0], status: 'done', result: 'r' })]);

    const two = await rest(hub.url, 'GET', '/tasks?limit=2');
    expect((two.body.tasks as { task_id: number }[]).map((t) => t.task_id)).toEqual([ids[3], ids[2]]);

    const unlimited = await rest(hub.url, 'GET', '/tasks?limit=0');
    expect(unlimited.body.tasks).toHaveLength(4);
  });

  it('GET /tasks defaults to 50 tasks', async () => {
    const hub = await restHub();
    for (let i = 0; i < 55; i++) hub.queue.enqueue({ prompt: `p${i}` });
    const reply = await rest(hub.url, 'GET', '/tasks');
    expect(reply.body.tasks).toHaveLength(50);
  });

  it.each(['limit=abc', 'limit=1.5', 'limit=1e3', 'status=sleeping'])('GET /tasks?%s answers 400 naming the parameter', async (query) => {
    const hub = await restHub();
    const reply = await rest(hub.url, 'GET', `/tasks?${query}`);
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ code: 'bad_request' });
    expect(reply.body.error).toContain(query.split('=')[0]);
  });

  it('GET /tasks with an empty limit uses the default', async () => {
    const hub = await restHub();
    hub.queue.enqueue({ prompt: 'p' });
    const reply = await rest(hub.url, 'GET', '/tasks?limit=&status=');
    expect(reply.status).toBe(200);
    expect(reply.body.tasks).toHaveLength(1);
  });

  it('POST /tasks/retry_failed requeues every failed task and clears worker, lease, result and error', async () => {
    const hub = await restHub();
    const client = await jsonlClient(hub);
    for (let i = 0; i < 3; i++) await client.enqueue({ prompt: `p${i}` });
    const leased = await client.lease({ worker_id: 'w', max_tasks: 3 });
    const [first, second, third] = leased;
    if (!first || !second || !third) throw new Error('expected three leased tasks');
    await client.ack({ task_id: first.task_id, status: 'failed', error: 'e1', result: 'partial' });
    await client.ack({ task_id: second.task_id, status: 'failed', error: 'e2' });
    await client.ack({ task_id: third.task_id, status: 'done', result: 'kept' });

    const reply = await rest(hub.url, 'POST', '/tasks/retry_failed');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ retried: 2 });
    for (const id of [first.task_id, second.task_id]) {
      expect(await client.get(id)).toMatchObject({ status: 'queued', worker_id: null, leased_until: null, result: null, error: null });
    }
    expect(await client.get(third.task_id)).toMatchObject({ status: 'done', result: 'kept' });
    expect((await rest(hub.url, 'POST', '/tasks/retry_failed')).body).toEqual({ retried: 0 });
  });

  it('POST /tasks/retry_failed with a wrongly typed task_id answers 400', async () => {
    const hub = await restHub();
    const reply = await rest(hub.url, 'POST', '/tasks/retry_failed', { body: { task_id: 'one' } });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toContain('task_id');
  });

  it('unknown paths answer 404 {"error": "not found"} (the floor)', async () => {
    const hub = await restHub();
    for (const path of ['/', '/nope', '/tasks/abc', '/tasks/1/extra', '/stats/more', '/task']) {
      const reply = await rest(hub.url, 'GET', path);
      expect(reply.status, path).toBe(404);
      expect(reply.contentType).toMatch(/^application\/json/);
      // The floor's message; an extra key (a code) is additive, another message is not.
      expect(reply.body, path).toMatchObject({ error: 'not found' });
    }
  });

  it('a trailing slash reaches the same route', async () => {
    const hub = await restHub();
    expect((await rest(hub.url, 'GET', '/stats/')).body.stats).toMatchObject({ queued: 0 });
  });

  it('a wrong method on a known path answers 404 and changes nothing', async () => {
    const hub = await restHub();
    const { task_id: taskId } = hub.queue.enqueue({ prompt: 'keep me' });
    const attempts: [string, string][] = [
      ['PUT', '/tasks'],
      ['DELETE', `/tasks/${taskId}`],
      ['GET', `/tasks/${taskId}/cancel`],
      ['POST', `/tasks/${taskId}`],
      ['GET', '/tasks/retry_failed'],
      ['POST', '/stats'],
      ['GET', '/shutdown'],
    ];
    for (const [method, path] of attempts) {
      const reply = await rest(hub.url, method, path, method === 'GET' ? {} : { body: { prompt: 'sneaky' } });
      expect(reply.status, `${method} ${path}`).toBe(404);
      expect(reply.body.error).toEqual(expect.any(String));
    }
    expect(hub.queue.get(taskId).status).toBe('queued');
    expect(hub.queue.stats()).toMatchObject({ queued: 1, cancelled: 0 });
    // GET /shutdown must not have stopped the hub.
    expect((await rest(hub.url, 'GET', '/health')).status).toBe(200);
  });
});

describe('REST task detail and cancel', () => {
  it('GET /tasks/:id answers the full task', async () => {
    const hub = await restHub();
    const { task_id: taskId } = hub.queue.enqueue({ prompt: 'detail', backend: 'echo', labels: ['a'] });
    const reply = await rest(hub.url, 'GET', `/tasks/${taskId}`);
    expect(reply.status).toBe(200);
    expect(reply.body.task).toMatchObject({ task_id: taskId, prompt: 'detail', status: 'queued', backend: 'echo', labels: ['a'], leased_until: null });
    expect(reply.body.task).not.toHaveProperty('lease_token');
  });

  it('GET /tasks/:id of an unknown task answers 404 with an error naming it', async () => {
    const hub = await restHub();
    const reply = await rest(hub.url, 'GET', '/tasks/999');
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({ error: 'task 999 not found', code: 'not_found' });
  });

  it('GET /tasks/0 answers 400 (task ids are positive)', async () => {
    const hub = await restHub();
    const reply = await rest(hub.url, 'GET', '/tasks/0');
    expect(reply.status).toBe(400);
    expect(reply.body.error).toContain('task_id');
  });

  it('POST /tasks/:id/cancel cancels a queued and a leased task', async () => {
    const hub = await restHub();
    const client = await jsonlClient(hub);
    const { task_id: leasedId } = await client.enqueue({ prompt: 'leased' });
    await client.lease({ worker_id: 'w' });
    const { task_id: queuedId } = await client.enqueue({ prompt: 'queued' });
    for (const id of [queuedId, leasedId]) {
      const reply = await rest(hub.url, 'POST', `/tasks/${id}/cancel`);
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ ok: true, task: { task_id: id, status: 'cancelled' } });
      expect((await client.get(id)).status).toBe('cancelled');
    }
    expect(await client.stats()).toMatchObject({ queued: 0, leased: 0, cancelled: 2 });
  });

  it('POST /tasks/:id/cancel of a finished task answers 409 and keeps its result', async () => {
    const hub = await restHub();
    const client = await jsonlClient(hub);
    const { task_id: taskId } = await client.enqueue({ prompt: 'p' });
    await client.lease({ worker_id: 'w' });
    await client.ack({ task_id: taskId, status: 'done', result: 'final' });
    const reply = await rest(hub.url, 'POST', `/tasks/${taskId}/cancel`);
    expect(reply.status).toBe(409);
    expect(reply.body).toMatchObject({ code: 'conflict' });
    expect(reply.body.error).toContain(`task ${taskId}`);
    expect(await client.get(taskId)).toMatchObject({ status: 'done', result: 'final' });
  });

  it('POST /tasks/:id/cancel of an unknown task answers 404', async () => {
    const hub = await restHub();
    const reply = await rest(hub.url, 'POST', '/tasks/4242/cancel');
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({ error: 'task 4242 not found', code: 'not_found' });
  });
});

describe('REST shutdown', () => {
  it('POST /shutdown answers {"ok": true}, ends open event streams and stops the hub', async () => {
    const hub = await restHub();
    const events = await openEvents(hub.url);
    const reply = await rest(hub.url, 'POST', '/shutdown');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ ok: true });
    await hub.closed;
    await events.waitEnded();
    await expect(fetch(`${hub.url}/health`)).rejects.toThrow();
    await expect(connect(hub)).rejects.toThrow(/unreachable/);
  });
});

describe('REST bearer auth', () => {
  const token = 's3cret-token';

  it('/health stays open without a token', async () => {
    const hub = await restHub({ token });
    expect(await rest(hub.url, 'GET', '/health')).toMatchObject({ status: 200, body: { ok: true } });
  });

  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { token: 'wrong' }],
    ['an empty bearer', { authorization: 'Bearer ' }],
    ['the right token in another scheme', { authorization: `Basic ${token}` }],
  ])('%s answers 401 with an error naming the fix', async (_name, auth) => {
    const hub = await restHub({ token });
    for (const [method, path] of [
      ['GET', '/stats'],
      ['GET', '/tasks'],
      ['GET', '/tasks/1'],
      ['POST', '/tasks/retry_failed'],
      ['POST', '/shutdown'],
    ] as const) {
      const reply = await rest(hub.url, method, path, auth);
      expect(reply.status, `${method} ${path}`).toBe(401);
      expect(reply.body).toMatchObject({ code: 'unauthorized' });
      expect(reply.body.error).toMatch(/Bearer/);
    }
    // Nothing got through: the hub still runs and nothing was queued.
    const post = await rest(hub.url, 'POST', '/tasks', { ...auth, body: { prompt: 'p' } });
    expect(post.status).toBe(401);
    expect(hub.queue.stats().queued).toBe(0);
    expect((await rest(hub.url, 'GET', '/stats', { token })).status).toBe(200);
  });

  it('the right bearer token is accepted on every route', async () => {
    const hub = await restHub({ token });
    const created = await rest(hub.url, 'POST', '/tasks', { token, body: { prompt: 'p' } });
    expect(created.status).toBe(200);
    const taskId = created.body.task_id as number;
    expect((await rest(hub.url, 'GET', '/stats', { token })).body.stats).toMatchObject({ queued: 1 });
    expect((await rest(hub.url, 'GET', '/tasks', { token })).body.tasks).toHaveLength(1);
    expect((await rest(hub.url, 'GET', `/tasks/${taskId}`, { token })).status).toBe(200);
    expect((await rest(hub.url, 'POST', `/tasks/${taskId}/cancel`, { token })).status).toBe(200);
    expect((await rest(hub.url, 'POST', '/tasks/retry_failed', { token })).body).toEqual({ retried: 0 });
    // The bearer scheme name is case-insensitive.
    expect((await rest(hub.url, 'GET', '/stats', { authorization: `bearer ${token}` })).status).toBe(200);
  });

  it('GET /events needs the token too', async () => {
    const hub = await restHub({ token });
    await expect(openEvents(hub.url)).rejects.toThrow(/401/);
    const events = await openEvents(hub.url, token);
    expect(events.status).toBe(200);
  });

  it('refuses to serve REST beyond loopback without a token', async () => {
    const dir = tempDir();
    await expect(startHub({ dbPath: path.join(dir, 'hub.db'), port: 0, restPort: 0, restHost: '0.0.0.0' })).rejects.toThrow(/--rest-host.*without a token/);
    expect(fs.readdirSync(dir)).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('REST Server-Sent Events', () => {
  it('GET /events streams enqueue, lease and ack made on the JSONL side as text/event-stream', async () => {
    const hub = await restHub();
    const events = await openEvents(hub.url);
    expect(events.status).toBe(200);
    expect(events.contentType).toMatch(/^text\/event-stream/);

    const client = await jsonlClient(hub);
    const { task_id: taskId } = await client.enqueue({ prompt: 'streamed' });
    const [leased] = await client.lease({ worker_id: 'w1' });
    expect(leased?.task_id).toBe(taskId);
    await client.ack({ task_id: taskId, status: 'done', result: 'answer' });

    const mine = await events.waitFor((m) => taskIdOf(m) === taskId, 3);
    expect(mine.map((m) => m.event)).toEqual(['enqueued', 'leased', 'acked']);
    expect(mine.map((m) => (m.data as { type: string }).type)).toEqual(['enqueued', 'leased', 'acked']);
    const [enqueued, leasedEvent, acked] = mine.map((m) => (m.data as { task: { status: string; worker_id: string | null; result: string | null } }).task);
    expect(enqueued).toMatchObject({ status: 'queued', prompt: 'streamed' });
    expect(leasedEvent).toMatchObject({ status: 'leased', worker_id: 'w1' });
    expect(leasedEvent).not.toHaveProperty('lease_token');
    expect(acked).toMatchObject({ status: 'done', result: 'answer' });
    // SSE ids are the event sequence numbers, strictly increasing.
    const ids = mine.map((m) => Number(m.id));
    expect(ids).toEqual(mine.map((m) => m.data.seq));
    expect(ids[0]).toBeLessThan(ids[1] ?? 0);
    expect(ids[1]).toBeLessThan(ids[2] ?? 0);
  });

  it('streams cancel and retry events from REST calls to every open client', async () => {
    const hub = await restHub();
    const first = await openEvents(hub.url);
    const second = await openEvents(hub.url);
    const { task_id: taskId } = (await rest(hub.url, 'POST', '/tasks', { body: { prompt: 'c' } })).body as { task_id: number };
    expect((await rest(hub.url, 'POST', `/tasks/${taskId}/cancel`)).status).toBe(200);
    expect((await rest(hub.url, 'POST', '/tasks/retry_failed', { body: { task_id: taskId } })).body).toEqual({ retried: 1 });
    for (const stream of [first, second]) {
      const [retried] = await stream.waitFor((m) => m.event === 'retried');
      expect(retried?.data).toMatchObject({ type: 'retried', task_ids: [taskId] });
      expect(stream.messages.map((m) => m.event)).toEqual(['enqueued', 'cancelled', 'retried']);
    }
  });

  it('closing an SSE client unsubscribes it and leaves the hub working', async () => {
    const hub = await restHub();
    const events = await openEvents(hub.url);
    expect(hub.queue.events.hasListeners).toBe(true);
    events.close();
    // The hub learns of the closed socket asynchronously; wait for that condition (bounded), not a fixed time.
    await vi.waitFor(() => expect(hub.queue.events.hasListeners).toBe(false), { timeout: 5000, interval: 10 });

    const client = await jsonlClient(hub);
    const { task_id: taskId } = await client.enqueue({ prompt: 'after close' });
    const [leased] = await client.lease({ worker_id: 'w' });
    expect(leased?.task_id).toBe(taskId);
    expect(await client.ack({ task_id: taskId, status: 'done', result: 'fine' })).toMatchObject({ ok: true });
    expect((await rest(hub.url, 'GET', `/tasks/${taskId}`)).body.task).toMatchObject({ status: 'done', result: 'fine' });

    // A new stream still receives events.
    const again = await openEvents(hub.url);
    await client.enqueue({ prompt: 'seen' });
    const [seen] = await again.waitFor((m) => m.event === 'enqueued');
    expect((seen?.data as { task: { prompt: string } }).task.prompt).toBe('seen');
  });
});
