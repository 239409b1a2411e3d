/**
 * Token authentication on the JSONL port, the loopback rule for hubs without a token, and the
 * `subscribe` event stream on the same connection.
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningHub } from '../../core/hub.js';
import type { HubEvent, Task } from '../../core/queue/types.js';
import { RawConnection, connect, rawCall, startTestHub, tempDir } from '../helpers.js';

const TOKEN = 's3cret-token';

const hubs: RunningHub[] = [];
const connections: { close(): void }[] = [];

afterEach(async () => {
  for (const c of connections.splice(0)) c.close();
  await Promise.all(hubs.splice(0).map((h) => h.stop()));
});

async function hubWith(options: { token?: string; host?: string } = {}): Promise<RunningHub> {
  const hub = await startTestHub(options);
  hubs.push(hub);
  return hub;
}

async function open(hub: RunningHub): Promise<RawConnection> {
  const conn = await RawConnection.open(hub.port);
  connections.push(conn);
  return conn;
}

function errorOf(answer: Record<string, unknown>): { code?: string; message?: string } | null {
  return answer.error as { code?: string; message?: string } | null;
}

describe('with a token', () => {
  it('requests before authenticating get an auth error and the connection stays open', async () => {
    const conn = await open(await hubWith({ token: TOKEN }));
    for (const method of ['stats', 'enqueue', 'hello', 'subscribe', 'shutdown']) {
      const answer = await rawCall(conn, method, method, { prompt: 'x' });
      expect(answer.result).toBeNull();
      expect(errorOf(answer)).toEqual({ code: 'unauthorized', message: expect.stringContaining('requires a token') });
    }
    // Nothing ran: once authenticated, the queue is empty and the hub is still up.
    expect((await rawCall(conn, 'a', 'auth', { token: TOKEN })).result).toEqual({ ok: true });
    expect((await rawCall(conn, 's', 'stats')).result).toEqual({ stats: expect.objectContaining({ queued: 0 }) });
  });

  it('auth with a wrong token is refused, with the right one accepted for the rest of the connection', async () => {
    const conn = await open(await hubWith({ token: TOKEN }));
    for (const token of ['wrong', '', TOKEN + 'x', 42, null]) {
      expect(errorOf(await rawCall(conn, 1, 'auth', { token }))).toEqual({ code: 'unauthorized', message: 'invalid token' });
    }
    expect(errorOf(await rawCall(conn, 2, 'auth'))?.code).toBe('unauthorized');
    expect(errorOf(await rawCall(conn, 3, 'stats'))?.code).toBe('unauthorized');
    expect(await rawCall(conn, 4, 'auth', { token: TOKEN })).toEqual({ id: 4, result: { ok: true }, error: null });
    expect(await rawCall(conn, 5, 'enqueue', { prompt: 'allowed now' })).toMatchObject({ id: 5, error: null, result: { task_id: expect.any(Number) } });
    expect((await rawCall(conn, 6, 'stats')).result).toEqual({ stats: expect.objectContaining({ queued: 1 }) });
  });

  it('a token param authorizes that one request only', async () => {
    const conn = await open(await hubWith({ token: TOKEN }));
    expect(await rawCall(conn, 1, 'enqueue', { prompt: 'with token', token: TOKEN })).toMatchObject({ error: null, result: { task_id: expect.any(Number) } });
    expect(errorOf(await rawCall(conn, 2, 'enqueue', { prompt: 'wrong token', token: 'nope' }))?.code).toBe('unauthorized');
    expect(errorOf(await rawCall(conn, 3, 'stats'))?.code).toBe('unauthorized');
    expect((await rawCall(conn, 4, 'stats', { token: TOKEN })).result).toEqual({ stats: expect.objectContaining({ queued: 1 }) });
  });

  it('repeated wrong tokens get the connection closed, other connections unaffected', async () => {
    const hub = await hubWith({ token: TOKEN });
    const guesser = await open(hub);
    const honest = await open(hub);
    guesser.write(Array.from({ length: 10 }, (_, i) => JSON.stringify({ id: i, method: 'auth', params: { token: `guess-${i}` } }) + '\n').join(''));
    await guesser.waitClosed();
    expect((await rawCall(honest, 'h', 'auth', { token: TOKEN })).result).toEqual({ ok: true });
  });

  it('the TypeScript client authenticates with its token and is refused with a wrong one', async () => {
    const hub = await hubWith({ token: TOKEN });
    const client = await connect(hub, TOKEN);
    connections.push(client);
    expect((await client.enqueue({ prompt: 'via client' })).task_id).toBeGreaterThan(0);
    await expect(connect(hub, 'wrong')).rejects.toMatchObject({ code: 'unauthorized' });
  });
});

describe('without a token', () => {
  it('on loopback, old clients work unchanged and auth is a harmless no-op', async () => {
    const conn = await open(await hubWith());
    expect(await rawCall(conn, 1, 'enqueue', { prompt: 'legacy' })).toMatchObject({ error: null });
    expect(await rawCall(conn, 2, 'lease', { worker_id: 'old-agent' })).toMatchObject({ error: null, result: { tasks: [expect.objectContaining({ prompt: 'legacy' })] } });
    expect(await rawCall(conn, 3, 'auth', { token: 'anything' })).toEqual({ id: 3, result: { ok: true }, error: null });
    expect(await rawCall(conn, 4, 'stats', { token: 'ignored' })).toMatchObject({ error: null, result: { stats: expect.objectContaining({ leased: 1 }) } });
  });

  it('binding a non-loopback address is refused with a message saying why', async () => {
    const dbPath = `${tempDir()}/hub.db`;
    await expect(startTestHub({ host: '0.0.0.0', dbPath })).rejects.toThrow(/refusing to listen on 0\.0\.0\.0.*without a token.*--token or MITTELO_TOKEN/);
    // An empty token counts as none.
    await expect(startTestHub({ host: '0.0.0.0', token: '', dbPath })).rejects.toMatchObject({ code: 'unauthorized' });
    // The REST adapter is held to the same rule.
    await expect(startTestHub({ restPort: 0, restHost: '0.0.0.0', dbPath })).rejects.toThrow(/refusing to listen on 0\.0\.0\.0 \(--rest-host\)/);
    // Refused before anything was opened.
    expect(fs.existsSync(dbPath)).toBe(false);
  });

  it('binding a non-loopback address with a token is allowed, and the token is then required', async () => {
    const hub = await hubWith({ host: '0.0.0.0', token: TOKEN });
    const conn = await RawConnection.open(hub.port, '127.0.0.1');
    connections.push(conn);
    expect(errorOf(await rawCall(conn, 1, 'stats'))?.code).toBe('unauthorized');
    expect((await rawCall(conn, 2, 'stats', { token: TOKEN })).error).toBeNull();
  });
});

interface EventLine {
  event: string;
  seq: number;
  type: string;
  task?: Task;
  task_ids?: number[];
}

describe('event stream', () => {
  it('subscribe, then enqueue, lease, ack, cancel and retry on another connection arrive as events in order', async () => {
    const hub = await hubWith();
    const subscriber = await open(hub);
    expect(await rawCall(subscriber, 'sub', 'subscribe')).toEqual({ id: 'sub', result: { ok: true }, error: null });
    const worker = await connect(hub);
    connections.push(worker);

    const { task_id: done } = await worker.enqueue({ prompt: 'one' });
    const [leased] = await worker.lease({ worker_id: 'w1' });
    await worker.ack({ task_id: done, status: 'done', result: 'r1', lease_token: leased?.lease_token ?? '' });
    const { task_id: cancelled } = await worker.enqueue({ prompt: 'two' });
    await worker.cancel(cancelled);
    const { task_id: failed } = await worker.enqueue({ prompt: 'three' });
    const [third] = await worker.lease({ worker_id: 'w1' });
    await worker.ack({ task_id: failed, status: 'failed', error: 'e', lease_token: third?.lease_token ?? '' });
    await worker.retryFailed();

    const events = (await subscriber.readLines(9)) as unknown as EventLine[];
    expect(events.map((e) => [e.event, e.task?.task_id ?? e.task_ids])).toEqual([
      ['enqueued', done],
      ['leased', done],
      ['acked', done],
      ['enqueued', cancelled],
      ['cancelled', cancelled],
      ['enqueued', failed],
      ['leased', failed],
      ['acked', failed],
      ['retried', [failed]],
    ]);
    for (const event of events) expect(event.type).toBe(event.event);
    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    // Events carry the task as it is after the change, never the lease token.
    expect(events[1]?.task).toMatchObject({ status: 'leased', worker_id: 'w1' });
    expect(events[1]?.task).not.toHaveProperty('lease_token');
    expect(events[2]?.task).toMatchObject({ status: 'done', result: 'r1' });
    expect(events[4]?.task).toMatchObject({ status: 'cancelled' });
  });

  it('unsubscribe stops the events on that connection only', async () => {
    const hub = await hubWith();
    const leaving = await open(hub);
    const staying = await open(hub);
    await rawCall(leaving, 1, 'subscribe');
    await rawCall(staying, 1, 'subscribe');
    const worker = await connect(hub);
    connections.push(worker);

    const { task_id: before } = await worker.enqueue({ prompt: 'seen by both' });
    expect(((await leaving.readLines(1))[0] as unknown as EventLine).task?.task_id).toBe(before);
    expect(await rawCall(leaving, 2, 'unsubscribe')).toEqual({ id: 2, result: { ok: true }, error: null });

    const { task_id: after } = await worker.enqueue({ prompt: 'seen by one' });
    // Events are written before the worker gets its answer, so an event for `after` would come
    // before this answer on the unsubscribed connection.
    expect(await rawCall(leaving, 3, 'hello')).toMatchObject({ id: 3, error: null });
    const stayed = (await staying.readLines(2)) as unknown as EventLine[];
    expect(stayed.map((e) => e.task?.task_id)).toEqual([before, after]);
  });

  it('the TypeScript client delivers events to its listener and stops when told', async () => {
    const hub = await hubWith();
    const watcher = await connect(hub);
    const worker = await connect(hub);
    connections.push(watcher, worker);
    const seen: HubEvent[] = [];
    let notify: () => void = () => {};
    const stop = await watcher.subscribe((event) => {
      seen.push(event);
      notify();
    });
    const twoEvents = new Promise<void>((resolve) => (notify = () => seen.length >= 2 && resolve()));
    const { task_id } = await worker.enqueue({ prompt: 'watched' });
    await worker.cancel(task_id);
    await twoEvents;
    expect(seen.map((e) => e.type)).toEqual(['enqueued', 'cancelled']);
    stop();
    await worker.enqueue({ prompt: 'unwatched' });
    await watcher.stats();
    expect(seen).toHaveLength(2);
  });

  it('without the token a connection cannot subscribe and gets no events', async () => {
    const hub = await hubWith({ token: TOKEN });
    const outsider = await open(hub);
    expect(errorOf(await rawCall(outsider, 1, 'subscribe'))?.code).toBe('unauthorized');
    const worker = await connect(hub, TOKEN);
    connections.push(worker);
    await worker.enqueue({ prompt: 'private' });
    // The next line on the outsider's connection is its own answer, not an event.
    expect(await rawCall(outsider, 2, 'hello')).toMatchObject({ id: 2, error: { code: 'unauthorized' } });
  });
});
