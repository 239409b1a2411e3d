/**
 * Robustness of the JSONL server against hostile input: thousands of random and malformed lines
 * must each get exactly one answer and leave the hub serving with consistent counts, and an endless
 * line must not grow the hub's memory.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningHub } from '../../core/hub.js';
import type { Task } from '../../core/queue/types.js';
import { RawConnection, connect, startTestHub } from '../helpers.js';
import { seededRandom } from '../../scripts/lib/random.js';

const hubs: RunningHub[] = [];
const cleanups: (() => void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await Promise.all(hubs.splice(0).map((h) => h.stop()));
});

const SEED = Number(process.env.MITTELO_FUZZ_SEED ?? 20240607);
const LINES = 10_000;
const CONNECTIONS = 4;

/**
 * Left out on purpose: `shutdown` would end the run, `subscribe` would mix event lines into the
 * answers, and `wait_seconds` (not in PARAM_KEYS) would hold a connection for up to 300 s.
 */
const METHODS = ['enqueue', 'lease', 'ack', 'extend', 'get', 'cancel', 'list', 'stats', 'retry_failed', 'hello', 'auth', 'nope', '', 'ENQUEUE', 'toString'];
const PARAM_KEYS = ['prompt', 'backend', 'priority', 'max_attempts', 'labels', 'metadata', 'idempotency_key', 'worker_id', 'max_tasks', 'lease_seconds', 'backends', 'task_id', 'status', 'result', 'error', 'lease_token', 'limit', 'before_id', 'run_id', 'token'];

class Fuzzer {
  constructor(private readonly rand: () => number) {}

  int(max: number): number {
    return Math.floor(this.rand() * max);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  unicode(length: number): string {
    const pool = ['a', 'Z', ' ', 'é', 'ß', '✓', '日本', '🎉', '👩‍👩‍👧', '\u200b', '\u2028', '\u2029', '\ufeff', '\u202e', '\ud800', '\udfff', '\u0000', '\t', '"', '\\', '\r'];
    let text = '';
    for (let i = 0; i < length; i++) text += this.pick(pool);
    return text;
  }

  /** A placeholder for arrays nested `depth` deep: JSON.stringify itself cannot write them (see `serialize`). */
  nested(depth: number): string {
    return `@@nest:${depth}@@`;
  }

  serialize(request: unknown): string {
    return JSON.stringify(request).replace(/"@@nest:(\d+)@@"/g, (_, depth: string) => '['.repeat(Number(depth)) + '1' + ']'.repeat(Number(depth)));
  }

  value(depth = 0): unknown {
    switch (this.int(depth > 2 ? 9 : 11)) {
      case 0: return this.int(2000) - 1000;
      case 1: return this.pick([0, -0, 1.5, -1, 2 ** 53 + 2, -(2 ** 63), 1e308, 5e-324, Number.MAX_SAFE_INTEGER]);
      case 2: return this.unicode(this.int(30));
      case 3: return this.pick(['done', 'failed', 'queued', 'leased', 'gpu', 'w1', '', ' ']);
      case 4: return null;
      case 5: return this.rand() < 0.5;
      case 6: return this.int(40) + 1; // plausible task ids
      case 7: return this.nested(this.int(3000));
      case 8: return 'x'.repeat(this.int(5000));
      case 9: return Array.from({ length: this.int(4) }, () => this.value(depth + 1));
      default: return Object.fromEntries(Array.from({ length: this.int(4) }, () => [this.pick(PARAM_KEYS), this.value(depth + 1)]));
    }
  }

  /** A request object, sometimes plausible (it changes the queue), often with wrong types. */
  request(id: unknown): Record<string, unknown> {
    const method = this.pick(METHODS);
    const request: Record<string, unknown> = { id, method };
    const roll = this.rand();
    if (roll < 0.1) return request;
    if (roll < 0.15) request.params = this.pick([null, [], 'params', 42, true]);
    else if (roll < 0.55) request.params = this.plausible(method);
    else request.params = Object.fromEntries(Array.from({ length: this.int(5) }, () => [this.pick(PARAM_KEYS), this.value()]));
    return request;
  }

  plausible(method: string): Record<string, unknown> {
    switch (method) {
      case 'enqueue':
        return {
          prompt: this.rand() < 0.8 ? `task ${this.unicode(this.int(12))}` : this.unicode(3),
          ...(this.rand() < 0.3 ? { priority: this.int(11) - 5 } : {}),
          ...(this.rand() < 0.2 ? { backend: this.pick(['gpu', 'cpu', 'bad name']) } : {}),
          ...(this.rand() < 0.2 ? { idempotency_key: `k${this.int(20)}` } : {}),
          ...(this.rand() < 0.2 ? { max_attempts: this.int(3) + 1 } : {}),
          ...(this.rand() < 0.1 ? { metadata: { deep: this.nested(this.int(20_000)) } } : {}),
        };
      case 'lease':
        return { worker_id: `w${this.int(5)}`, max_tasks: this.int(4) + 1, lease_seconds: this.pick([0.05, 1, 60]), ...(this.rand() < 0.3 ? { backends: ['gpu'] } : {}) };
      case 'ack':
        return { task_id: this.int(60) + 1, status: this.pick(['done', 'failed', 'cancelled']), result: this.unicode(5), error: null };
      case 'list':
        return { limit: this.int(20) - 5, ...(this.rand() < 0.5 ? { status: this.pick(['queued', 'leased', 'done', 'bogus']) } : {}) };
      default:
        return { task_id: this.int(60) + 1 };
    }
  }

  randomBytes(): Buffer {
    const bytes = Buffer.alloc(this.int(200) + 1);
    for (let i = 0; i < bytes.length; i++) {
      let byte = this.int(256);
      if (byte === 0x0a) byte = 0x0b;
      bytes[i] = byte;
    }
    // A non-blank first byte: blank lines are skipped by design, every fuzz line must be answered.
    return Buffer.concat([Buffer.from(this.pick(['{', '[', '"', '#', '1', 'n'])), bytes]);
  }

  /** One line's bytes and the id its answer must carry (`undefined`: any id, for ids JSON cannot round-trip). */
  line(connection: number, index: number): { bytes: Buffer; expectedId: unknown } {
    const id = `c${connection}-${index}`;
    const { text, expectedId } = this.lineText(id);
    return { bytes: typeof text === 'string' ? Buffer.from(text) : text, expectedId };
  }

  private lineText(id: string): { text: string | Buffer; expectedId: unknown } {
    const kind = this.int(10);
    if (kind === 0) return { text: this.randomBytes(), expectedId: null };
    if (kind === 1) {
      const full = this.serialize(this.request(id));
      const text = full.slice(0, 1 + this.int(full.length - 1));
      // Cut short: malformed, answered with a null id; unless it nests too deep before the cut,
      // which is refused before parsing, with the id when it came first.
      return { text, expectedId: /\[{65}/.test(text) ? undefined : null };
    }
    if (kind === 2) {
      // Literal JSON numbers out of double range, and ids that cannot be echoed verbatim.
      const idText = this.pick(['1e400', '-1e400', '123456789012345678901234567890', '0.1e-400', '['.repeat(5000) + ']'.repeat(5000)]);
      return { text: `{"id":${idText},"method":"${this.pick(METHODS)}","params":{"task_id":1e400,"max_tasks":1e309,"priority":-1e400}}`, expectedId: undefined };
    }
    if (kind === 3) return { text: this.pick(['42', 'null', 'true', '[]', '"s"', '[{"id":1,"method":"stats"}]', '{}', '{"id":{}}']), expectedId: undefined };
    return { text: this.serialize(this.request(id)), expectedId: id };
  }
}

describe('fuzzed input', () => {
  it(`${LINES} random and malformed lines over ${CONNECTIONS} connections are each answered and leave the hub consistent`, async () => {
    const hubLog: string[] = [];
    const hub = await startTestHub({ log: (line) => hubLog.push(line) });
    hubs.push(hub);
    const fuzz = new Fuzzer(seededRandom(SEED));
    const conns = await Promise.all(Array.from({ length: CONNECTIONS }, () => RawConnection.open(hub.port)));
    for (const conn of conns) cleanups.push(() => conn.close());

    const perConnection = LINES / CONNECTIONS;
    const expected: unknown[][] = [];
    for (const [c, conn] of conns.entries()) {
      const lines = Array.from({ length: perConnection }, (_, i) => fuzz.line(c, i));
      expected.push(lines.map((l) => l.expectedId));
      const bytes = Buffer.concat(lines.flatMap((l) => [l.bytes, Buffer.from('\n')]));
      // Cut the stream into packets of random sizes, so packet ends fall anywhere in the lines.
      for (let start = 0; start < bytes.length; ) {
        const size = 1 + fuzz.int(8192);
        conn.write(bytes.subarray(start, start + size));
        start += size;
      }
    }

    const answersPerConnection = await Promise.all(conns.map((conn) => conn.readLines(perConnection, 20_000)));
    const created = new Set<number>();
    for (const [c, answers] of answersPerConnection.entries()) {
      for (const [i, answer] of answers.entries()) {
        expect(Object.keys(answer).sort()).toEqual(['error', 'id', 'result']);
        // Exactly one of result and error.
        expect(answer.result === null).not.toBe(answer.error === null);
        if (answer.error !== null) expect(typeof (answer.error as { message?: unknown }).message).toBe('string');
        const wanted = expected[c]?.[i];
        if (wanted !== undefined) expect(answer.id).toEqual(wanted);
        const result = answer.result as { task_id?: unknown; duplicate?: unknown } | null;
        if (typeof result?.task_id === 'number' && result.duplicate === false) created.add(result.task_id);
      }
    }
    // Every connection is still usable: one more request each is answered in turn.
    for (const conn of conns) {
      conn.write('{"id":"still-alive","method":"hello"}\n');
      expect((await conn.readLines(1))[0]).toMatchObject({ id: 'still-alive', error: null });
    }

    // A fresh client can do a full round trip.
    const client = await connect(hub);
    cleanups.push(() => client.close());
    // Top priority: fuzz tasks may still be queued or have expired leases, and unrouted ones go to anyone.
    const { task_id } = await client.enqueue({ prompt: 'after the storm', backend: 'fresh', priority: 1_000_000 });
    const [task] = await client.lease({ worker_id: 'fresh-worker', backends: ['fresh'] });
    expect(task?.task_id).toBe(task_id);
    await client.ack({ task_id, status: 'done', result: 'calm', lease_token: task?.lease_token ?? '' });
    expect(await client.get(task_id)).toMatchObject({ status: 'done', result: 'calm' });

    // Counts agree with the rows, and every task the fuzz created exists.
    const { tasks, stats } = await client.list({ limit: 0 });
    const counted: Record<string, number> = { queued: 0, leased: 0, done: 0, failed: 0, cancelled: 0 };
    for (const t of tasks) counted[t.status] = (counted[t.status] ?? 0) + 1;
    expect(stats).toEqual(counted);
    expect(await client.stats()).toEqual(counted);
    // The fuzz really changed the queue, not only bounced off the parser.
    expect(created.size).toBeGreaterThan(50);
    expect(new Set(tasks.map((t: Task) => t.task_id))).toEqual(new Set([...created, task_id]));
    // Every bad input was refused at the edge: nothing reached the hub as an internal error.
    expect(hubLog).toEqual([]);
  });
});

describe('an endless line', () => {
  it('streaming 64 MiB without a newline does not grow hub memory and ends with an error and a close', async () => {
    const MiB = 1024 * 1024;
    const hub = await startTestHub({ maxLineBytes: MiB });
    hubs.push(hub);
    // Warm up the hub's code paths so that first-use allocations do not count as growth.
    const warm = await connect(hub);
    await warm.enqueue({ prompt: 'warm up' });
    warm.close();
    const before = process.memoryUsage();

    // allowHalfOpen: the client keeps streaming after the hub's error, as a broken client would.
    const socket = net.createConnection({ host: hub.host, port: hub.port, allowHalfOpen: true });
    cleanups.push(() => socket.destroy());
    let received = '';
    socket.on('data', (data: Buffer) => (received += data.toString()));
    socket.on('error', () => undefined);
    let isClosed = false;
    const closed = new Promise<void>((resolve) =>
      socket.once('close', () => {
        isClosed = true;
        resolve();
      }),
    );
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));

    // One reused buffer, with backpressure: the test itself holds at most a few MiB.
    const chunk = Buffer.alloc(MiB, 'a');
    let peak = before;
    for (let sent = 0; sent < 64 && !isClosed; sent++) {
      if (!socket.write(chunk)) await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), closed]);
      const now = process.memoryUsage();
      if (now.rss > peak.rss) peak = now;
    }
    if (!isClosed) socket.end();
    const outcome = await Promise.race([closed.then(() => 'closed'), new Promise((resolve) => setTimeout(resolve, 5000, 'still open'))]);
    const after = process.memoryUsage();

    expect(outcome).toBe('closed');
    expect(JSON.parse(received.split('\n')[0] ?? 'null')).toEqual({
      id: null,
      result: null,
      error: { code: 'line_too_long', message: expect.stringContaining(`${MiB} bytes`) },
    });
    const bound = 48 * MiB;
    expect(Math.max(peak.rss, after.rss) - before.rss).toBeLessThan(bound);
    expect(after.heapUsed - before.heapUsed).toBeLessThan(bound);

    // The hub still serves others.
    const client = await connect(hub);
    cleanups.push(() => client.close());
    expect((await client.stats()).queued).toBe(1);
  });
});
