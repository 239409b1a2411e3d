/**
 * JSONL transport over real sockets: how requests are framed into lines, how answers are matched to
 * them (order, echoed ids), what happens to bad lines, the line-length guard, and many connections.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningHub } from '../../core/hub.js';
import type { Task } from '../../core/queue/types.js';
import type { HubClient } from '../../core/wire/client.js';
import { RawConnection, connect, rawCall, startTestHub } from '../helpers.js';

const hubs: RunningHub[] = [];
const connections: { close(): void }[] = [];

afterEach(async () => {
  for (const c of connections.splice(0)) c.close();
  await Promise.all(hubs.splice(0).map((h) => h.stop()));
});

async function hubWith(options: { maxLineBytes?: number } = {}): Promise<RunningHub> {
  const hub = await startTestHub(options);
  hubs.push(hub);
  return hub;
}

async function open(hub: RunningHub): Promise<RawConnection> {
  const conn = await RawConnection.open(hub.port);
  connections.push(conn);
  return conn;
}

function line(id: unknown, method: string, params?: unknown): string {
  return JSON.stringify({ id, method, params }) + '\n';
}

function errorCode(answer: Record<string, unknown> | undefined): unknown {
  return (answer?.error as { code?: unknown } | null | undefined)?.code;
}

/** Lets the event loop run once, so the next write leaves as its own packet and is read on its own. */
function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('framing', () => {
  it('answers several requests sent in one packet', async () => {
    const conn = await open(await hubWith());
    conn.write(line(1, 'enqueue', { prompt: 'a' }) + line(2, 'enqueue', { prompt: 'b' }) + line(3, 'stats'));
    const answers = await conn.readLines(3);
    expect(answers.map((a) => a.id)).toEqual([1, 2, 3]);
    expect(answers[2]?.result).toEqual({ stats: expect.objectContaining({ queued: 2, leased: 0, done: 0, failed: 0 }) });
  });

  it('joins one request sent byte by byte, including inside multi-byte UTF-8 characters', async () => {
    const conn = await open(await hubWith());
    conn.socket.setNoDelay(true);
    const prompt = 'héllo ✓ 🎉 日本語';
    const bytes = Buffer.from(line('split', 'enqueue', { prompt }));
    for (let i = 0; i < bytes.length; i++) {
      conn.write(bytes.subarray(i, i + 1));
      await tick();
    }
    const [answer] = await conn.readLines(1);
    expect(answer).toMatchObject({ id: 'split', error: null });
    const taskId = (answer?.result as { task_id: number }).task_id;
    const got = await rawCall(conn, 'get', 'get', { task_id: taskId });
    expect((got.result as { task: Task }).task.prompt).toBe(prompt);
  });

  it('joins requests whose boundaries fall anywhere in the packets', async () => {
    const conn = await open(await hubWith());
    const text = Array.from({ length: 20 }, (_, i) => line(i, 'enqueue', { prompt: `p${i} ✓` })).join('');
    const bytes = Buffer.from(text);
    // Uneven packet sizes so that packet ends fall inside keys, strings and characters.
    for (let start = 0, size = 1; start < bytes.length; start += size, size = (size * 7) % 23 + 1) {
      conn.write(bytes.subarray(start, start + size));
      await tick();
    }
    const answers = await conn.readLines(20);
    expect(answers.map((a) => a.id)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(answers.every((a) => a.error === null)).toBe(true);
  });

  it('answers every request of a client that half-closes right after sending them', async () => {
    const hub = await hubWith();
    // Like `printf ... | nc -N`: the requests, then end of input, then the answers are read.
    const socket = net.createConnection({ host: hub.host, port: hub.port, allowHalfOpen: true });
    connections.push({ close: () => socket.destroy() });
    let received = '';
    socket.on('data', (data: Buffer) => (received += data.toString()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.end(Array.from({ length: 500 }, (_, i) => line(i, 'enqueue', { prompt: `p${i}` })).join(''));
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const answers = received.trimEnd().split('\n').map((text) => JSON.parse(text) as { id: unknown; error: unknown });
    expect(answers.map((a) => a.id)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(answers.every((a) => a.error === null)).toBe(true);
  });

  it('accepts CRLF line ends', async () => {
    const conn = await open(await hubWith());
    conn.write('{"id":1,"method":"enqueue","params":{"prompt":"windows"}}\r\n{"id":2,"method":"stats"}\r\n');
    const answers = await conn.readLines(2);
    expect(answers.map((a) => [a.id, a.error])).toEqual([
      [1, null],
      [2, null],
    ]);
    const taskId = (answers[0]?.result as { task_id: number }).task_id;
    expect(((await rawCall(conn, 3, 'get', { task_id: taskId })).result as { task: Task }).task.prompt).toBe('windows');
  });

  it('skips blank and whitespace-only lines without answering them', async () => {
    const conn = await open(await hubWith());
    conn.write('\n\n   \n\r\n\t \n' + line('after-blanks', 'stats') + '\n');
    const [answer] = await conn.readLines(1);
    expect(answer?.id).toBe('after-blanks');
    // Nothing else was queued for the blank lines: the next answer is the next request's.
    expect((await rawCall(conn, 'next', 'hello')).id).toBe('next');
  });
});

describe('answers', () => {
  it('come in request order on a connection, whatever each request does', async () => {
    const conn = await open(await hubWith());
    const kinds = [
      (i: number) => line(i, 'enqueue', { prompt: `t${i}` }),
      (i: number) => line(i, 'stats'),
      (i: number) => line(i, 'no_such_method'),
      (i: number) => line(i, 'get', { task_id: 999_999 }),
      (i: number) => line(i, 'lease', { worker_id: `w${i}` }),
      (i: number) => line(i, 'enqueue', { prompt: 42 }),
    ];
    const text = Array.from({ length: 300 }, (_, i) => kinds[i % kinds.length]?.(i) ?? '').join('');
    conn.write(text);
    const answers = await conn.readLines(300);
    expect(answers.map((a) => a.id)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(answers.map((a) => errorCode(a) ?? 'ok').slice(0, 6)).toEqual(['ok', 'ok', 'unknown_method', 'not_found', 'ok', 'bad_request']);
  });

  it('behind a waiting long-poll lease keep their order and see its effect', async () => {
    const hub = await hubWith();
    const conn = await open(hub);
    const other = await open(hub);
    conn.write(
      line('first', 'hello') + line('waits', 'lease', { worker_id: 'w', wait_seconds: 10 }) + line('behind', 'stats') + line('last', 'hello'),
    );
    const [first] = await conn.readLines(1);
    expect(first?.id).toBe('first');
    await rawCall(other, 1, 'enqueue', { prompt: 'wake up' });
    const answers = await conn.readLines(3);
    expect(answers.map((a) => a.id)).toEqual(['waits', 'behind', 'last']);
    expect((answers[0]?.result as { tasks: Task[] }).tasks).toHaveLength(1);
    // `stats` was run after the lease resolved, not when it arrived.
    expect(answers[1]?.result).toEqual({ stats: expect.objectContaining({ queued: 0, leased: 1 }) });
  });

  it('echo the id as sent: numbers, strings, null, objects, and null when absent', async () => {
    const conn = await open(await hubWith());
    const ids: unknown[] = [0, -3, 1.5, 12345678901234, 'abc', '', 'é✓🎉', null, true, { run: 1, case: ['x'] }, [1, 'two', null]];
    conn.write(ids.map((id) => line(id, 'stats')).join('') + '{"method":"stats"}\n');
    const answers = await conn.readLines(ids.length + 1);
    expect(answers.map((a) => a.id)).toEqual([...ids, null]);
    expect(answers.every((a) => a.error === null && a.result !== null)).toBe(true);
    expect(answers[answers.length - 1]).toHaveProperty('id', null);
  });

  it('echo the id on error answers too', async () => {
    const conn = await open(await hubWith());
    conn.write(line('bad-1', 'enqueue', {}) + line(77, 'nope') + '{"id":"no-method"}\n' + '{"method":"nope"}\n');
    const answers = await conn.readLines(4);
    expect(answers.map((a) => [a.id, a.result, errorCode(a)])).toEqual([
      ['bad-1', null, 'bad_request'],
      [77, null, 'unknown_method'],
      ['no-method', null, 'bad_request'],
      [null, null, 'unknown_method'],
    ]);
  });
});

describe('bad lines', () => {
  it('malformed JSON gets an error object with id null and the connection stays usable', async () => {
    const conn = await open(await hubWith());
    conn.write('{"id":1,"method":\n' + 'not json at all\n' + '{"id":2,"method":"stats",}\n' + line(3, 'enqueue', { prompt: 'still here' }));
    const answers = await conn.readLines(4);
    for (const answer of answers.slice(0, 3)) {
      expect(answer).toEqual({ id: null, result: null, error: { code: 'bad_request', message: expect.stringContaining('malformed JSON') } });
    }
    expect(answers[3]).toMatchObject({ id: 3, error: null, result: { task_id: expect.any(Number) } });
  });

  it('a JSON value that is not an object gets an error and the connection stays usable', async () => {
    const conn = await open(await hubWith());
    conn.write('42\n"stats"\nnull\n[{"id":1,"method":"stats"}]\ntrue\n' + line('ok', 'stats'));
    const answers = await conn.readLines(6);
    expect(answers.slice(0, 5).map((a) => [a.id, errorCode(a)])).toEqual(Array.from({ length: 5 }, () => [null, 'bad_request']));
    expect(answers[5]).toMatchObject({ id: 'ok', error: null });
  });

  it('an id nested too deeply to echo gets an error and the hub keeps serving', async () => {
    const hub = await hubWith();
    const conn = await open(hub);
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    conn.write(`{"id":${deep},"method":"enqueue","params":{"prompt":"never run"}}\n` + line('after', 'stats'));
    const answers = await conn.readLines(2);
    expect(answers[0]).toEqual({ id: null, result: null, error: { code: 'bad_request', message: expect.stringContaining('nests deeper than 64 levels (at id[0][0]') } });
    expect(answers[1]).toMatchObject({ id: 'after', result: { stats: expect.objectContaining({ queued: 0 }) } });
  });
});

describe('line length guard', () => {
  const MAX = 256;

  /** A stats request padded with spaces to exactly `bytes` bytes before its newline. */
  function paddedLine(id: string, bytes: number): string {
    const body = `{"id":"${id}","method":"stats"}`;
    return body.slice(0, -1) + ' '.repeat(bytes - body.length) + '}\n';
  }

  it('accepts a line of exactly the limit', async () => {
    const conn = await open(await hubWith({ maxLineBytes: MAX }));
    const exact = paddedLine('exact', MAX);
    expect(Buffer.byteLength(exact)).toBe(MAX + 1);
    conn.write(exact);
    expect((await conn.readLines(1))[0]).toMatchObject({ id: 'exact', error: null });
  });

  it('a longer line gets an error, then the connection closes; earlier lines are answered first', async () => {
    const hub = await hubWith({ maxLineBytes: MAX });
    const conn = await open(hub);
    const bystander = await open(hub);
    conn.write(line('before', 'stats') + paddedLine('too-long', MAX + 1) + line('after', 'stats'));
    const answers = await conn.readLines(2);
    expect(answers[0]).toMatchObject({ id: 'before', error: null });
    expect(answers[1]).toEqual({ id: null, result: null, error: { code: 'line_too_long', message: expect.stringContaining(`${MAX} bytes`) } });
    await conn.waitClosed();
    // The request after the long line was never run, and other connections are unaffected.
    expect(await rawCall(bystander, 'b', 'stats')).toMatchObject({ id: 'b', error: null });
    const fresh = await open(hub);
    expect(await rawCall(fresh, 'f', 'hello')).toMatchObject({ id: 'f', error: null });
  });

  it('an over-long line is refused before its newline arrives', async () => {
    const conn = await open(await hubWith({ maxLineBytes: MAX }));
    conn.write('{"id":1,"method":"enqueue","params":{"prompt":"' + 'x'.repeat(MAX * 4));
    const [answer] = await conn.readLines(1);
    expect(errorCode(answer)).toBe('line_too_long');
    await conn.waitClosed();
  });

  it('a client that keeps sending after the error is disconnected', async () => {
    const hub = await hubWith({ maxLineBytes: MAX });
    // allowHalfOpen: this client does not close when the hub ends its side; it just keeps writing.
    const socket = net.createConnection({ host: hub.host, port: hub.port, allowHalfOpen: true });
    connections.push({ close: () => socket.destroy() });
    let received = '';
    socket.on('data', (data: Buffer) => (received += data.toString()));
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));

    // Keep streaming (a chunk every few ms) until the hub drops the connection, or give up after 5 s.
    const chunk = Buffer.alloc(64 * 1024, 'y');
    socket.write(chunk);
    const stream = setInterval(() => socket.write(chunk), 5);
    const outcome = await Promise.race([closed.then(() => 'closed'), new Promise((resolve) => setTimeout(resolve, 5000, 'still open'))]);
    clearInterval(stream);
    expect(outcome).toBe('closed');
    expect(JSON.parse(received.split('\n')[0] ?? '')).toMatchObject({ id: null, error: { code: 'line_too_long' } });
  });
});

describe('many connections', () => {
  it('200 concurrent connections each run their own enqueue, lease, ack and get', async () => {
    const hub = await hubWith();
    const clients: HubClient[] = await Promise.all(Array.from({ length: 200 }, () => connect(hub)));
    connections.push(...clients);
    const results = await Promise.all(
      clients.map(async (client, i) => {
        const backend = `b${i}`;
        const { task_id } = await client.enqueue({ prompt: `job ${i}`, backend });
        const [task] = await client.lease({ worker_id: `w${i}`, backends: [backend] });
        expect(task?.task_id).toBe(task_id);
        await client.ack({ task_id, status: 'done', result: `r${i}`, lease_token: task?.lease_token ?? '' });
        const [, stored] = await Promise.all([client.stats(), client.get(task_id)]);
        return [stored.prompt, stored.result, stored.worker_id];
      }),
    );
    expect(results).toEqual(Array.from({ length: 200 }, (_, i) => [`job ${i}`, `r${i}`, `w${i}`]));
    const check = await connect(hub);
    connections.push(check);
    expect(await check.stats()).toMatchObject({ queued: 0, leased: 0, done: 200, failed: 0 });
  });

  it('200 raw connections pipelining at once each get their own answers in order', async () => {
    const hub = await hubWith();
    const conns = await Promise.all(Array.from({ length: 200 }, () => open(hub)));
    for (const [c, conn] of conns.entries()) {
      conn.write(Array.from({ length: 10 }, (_, i) => line(`${c}:${i}`, i % 2 ? 'stats' : 'enqueue', { prompt: `c${c} r${i}` })).join(''));
    }
    const all = await Promise.all(conns.map((conn) => conn.readLines(10)));
    for (const [c, answers] of all.entries()) {
      expect(answers.map((a) => a.id)).toEqual(Array.from({ length: 10 }, (_, i) => `${c}:${i}`));
      expect(answers.every((a) => a.error === null)).toBe(true);
    }
    expect((await rawCall(conns[0] as RawConnection, 'total', 'stats')).result).toEqual({ stats: expect.objectContaining({ queued: 1000 }) });
  });
});
