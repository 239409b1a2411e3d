/**
 * Every JSONL method over a real socket against a real SQLite file: the answer shapes of PROTOCOL.md
 * and each error path (an error object, the connection kept).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningHub } from '../../core/hub.js';
import type { LeasedTask, Stats, Task } from '../../core/queue/types.js';
import { RawConnection, rawCall, startTestHub } from '../helpers.js';

interface WireError {
  message: string;
  code: string;
}

let hub: RunningHub;
let conn: RawConnection;
let nextId = 1;
const extraConnections: RawConnection[] = [];

beforeEach(async () => {
  hub = await startTestHub();
  conn = await RawConnection.open(hub.port);
});

afterEach(async () => {
  conn.close();
  for (const extra of extraConnections.splice(0)) extra.close();
  await hub.stop();
});

async function open(): Promise<RawConnection> {
  const extra = await RawConnection.open(hub.port);
  extraConnections.push(extra);
  return extra;
}

/** Calls `method` and returns its result, failing the test on an error answer. */
async function ok<T = Record<string, unknown>>(method: string, params?: unknown, on: RawConnection = conn): Promise<T> {
  const id = nextId++;
  const answer = await rawCall(on, id, method, params);
  expect(answer).toEqual({ id, result: expect.anything(), error: null });
  return answer.result as T;
}

/** Calls `method` expecting an error answer: `result` null, id echoed, a message and a code. */
async function fails(method: string, params?: unknown, on: RawConnection = conn): Promise<WireError> {
  const id = nextId++;
  const answer = await rawCall(on, id, method, params);
  expect(answer.id).toBe(id);
  expect(answer.result).toBeNull();
  const error = answer.error as WireError;
  expect(typeof error.message).toBe('string');
  expect(error.message.length).toBeGreaterThan(0);
  return error;
}

/** After an error the same connection must still answer. */
async function expectConnectionUsable(on: RawConnection = conn): Promise<void> {
  const { stats } = await ok<{ stats: Stats }>('stats', undefined, on);
  expect(stats).toHaveProperty('queued');
}

async function enqueue(prompt: string, extra: Record<string, unknown> = {}): Promise<number> {
  return (await ok<{ task_id: number }>('enqueue', { prompt, ...extra })).task_id;
}

async function lease(params: Record<string, unknown> = {}): Promise<LeasedTask[]> {
  return (await ok<{ tasks: LeasedTask[] }>('lease', { worker_id: 'w1', ...params })).tasks;
}

async function getTask(taskId: number): Promise<Task> {
  return (await ok<{ task: Task }>('get', { task_id: taskId })).task;
}

function nestedArrays(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe('hello', () => {
  it('names the server and announces the extensions beyond the floor', async () => {
    const hello = await ok<{ server: string; version: string; extensions: string[] }>('hello');
    expect(hello.server).toBe('mittelo');
    expect(hello.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(hello.extensions).toEqual(expect.arrayContaining(['get', 'cancel', 'extend', 'subscribe', 'lease_token', 'wait_seconds']));
  });
});

describe('enqueue', () => {
  it('returns increasing integer task ids and stores the prompt as queued', async () => {
    const first = await enqueue('first');
    const second = await enqueue('second');
    expect(Number.isInteger(first)).toBe(true);
    expect(second).toBeGreaterThan(first);
    const task = await getTask(first);
    expect(task).toMatchObject({ task_id: first, prompt: 'first', status: 'queued', leased_until: null, worker_id: null, result: null, error: null });
  });

  it('stores backend, priority, max_attempts, labels, metadata and idempotency key', async () => {
    const id = await enqueue('all options', {
      backend: 'claude_code',
      priority: 7,
      max_attempts: 3,
      labels: ['smoke', 'é✓'],
      metadata: { suite: 'a', nested: { n: 1, list: [1, 'two'] }, deep: nestedArrays(20) },
      idempotency_key: 'key-1',
      run_id: 'run-9',
    });
    expect(await getTask(id)).toMatchObject({
      backend: 'claude_code',
      priority: 7,
      max_attempts: 3,
      attempts: 0,
      labels: ['smoke', 'é✓'],
      metadata: { suite: 'a', nested: { n: 1, list: [1, 'two'] }, deep: nestedArrays(20) },
      idempotency_key: 'key-1',
      run_id: 'run-9',
    });
  });

  it('answers the same id for a repeated idempotency key and stores one task', async () => {
    const first = await ok<{ task_id: number; duplicate: boolean }>('enqueue', { prompt: 'once', idempotency_key: 'k' });
    const again = await ok<{ task_id: number; duplicate: boolean }>('enqueue', { prompt: 'once', idempotency_key: 'k' });
    expect(first.duplicate).toBe(false);
    expect(again).toEqual({ task_id: first.task_id, duplicate: true });
    expect((await ok<{ stats: Stats }>('stats')).stats.queued).toBe(1);
  });

  it.each([
    ['a missing prompt', {}, 'prompt'],
    ['a null params with no prompt', null, 'prompt'],
    ['a number as prompt', { prompt: 42 }, 'prompt'],
    ['a blank prompt', { prompt: '   ' }, 'prompt'],
    ['a backend name with spaces', { prompt: 'p', backend: 'no spaces allowed' }, 'backend'],
    ['a fractional priority', { prompt: 'p', priority: 1.5 }, 'priority'],
    ['a string priority', { prompt: 'p', priority: '5' }, 'priority'],
    ['max_attempts of 0', { prompt: 'p', max_attempts: 0 }, 'max_attempts'],
    ['labels that are not a list', { prompt: 'p', labels: 'smoke' }, 'labels'],
    ['labels holding a number', { prompt: 'p', labels: [1] }, 'labels'],
    ['metadata that is a list', { prompt: 'p', metadata: [1, 2] }, 'metadata'],
    ['metadata nested 200 levels deep', { prompt: 'p', metadata: { deep: nestedArrays(200) } }, 'metadata'],
    ['an empty idempotency key', { prompt: 'p', idempotency_key: '' }, 'idempotency_key'],
  ])('rejects %s with a message naming the field, storing nothing', async (_name, params, field) => {
    const error = await fails('enqueue', params);
    expect(error.code).toBe('bad_request');
    expect(error.message).toContain(field);
    await expectConnectionUsable();
    expect((await ok<{ stats: Stats }>('stats')).stats.queued).toBe(0);
  });

  it('rejects params that are not an object', async () => {
    for (const params of [['prompt'], 'prompt', 7, true]) {
      const error = await fails('enqueue', params);
      expect(error).toEqual({ code: 'bad_request', message: expect.stringContaining('params must be an object') });
    }
    await expectConnectionUsable();
  });
});

describe('lease', () => {
  it('hands out queued tasks oldest first, up to max_tasks, with a lease token and a lease end', async () => {
    const ids = [await enqueue('a'), await enqueue('b'), await enqueue('c')];
    const before = Date.now() / 1000;
    const tasks = await lease({ worker_id: 'alpha', max_tasks: 2, lease_seconds: 30 });
    expect(tasks.map((t) => t.task_id)).toEqual(ids.slice(0, 2));
    for (const task of tasks) {
      expect(task).toMatchObject({ status: 'leased', worker_id: 'alpha', attempts: 1 });
      expect(task.lease_token).toMatch(/^\S{8,}$/);
      expect(task.leased_until).toBeGreaterThanOrEqual(before + 30 - 1);
      expect(task.leased_until).toBeLessThanOrEqual(Date.now() / 1000 + 30 + 1);
    }
    expect(tasks[0]?.lease_token).not.toBe(tasks[1]?.lease_token);
    // Default max_tasks is 1.
    expect((await lease({ worker_id: 'beta' })).map((t) => t.task_id)).toEqual([ids[2]]);
    expect(await lease()).toEqual([]);
  });

  it('uses the hub lease seconds when none are given', async () => {
    await hub.stop();
    hub = await startTestHub({ leaseSeconds: 120 });
    conn.close();
    conn = await RawConnection.open(hub.port);
    await enqueue('x');
    const [task] = await lease();
    expect(task?.leased_until).toBeGreaterThan(Date.now() / 1000 + 100);
  });

  it('with backends takes routed tasks for those backends and unrouted ones, not others', async () => {
    const unrouted = await enqueue('anyone');
    const gpu = await enqueue('gpu only', { backend: 'gpu' });
    await enqueue('cpu only', { backend: 'cpu' });
    const tasks = await lease({ backends: ['gpu'], max_tasks: 10 });
    expect(tasks.map((t) => t.task_id).sort((a, b) => a - b)).toEqual([unrouted, gpu]);
  });

  it('with wait_seconds waits for a task enqueued later instead of answering empty', async () => {
    const other = await open();
    // Both lines in one packet: once `hello` is answered, the lease behind it is already waiting.
    conn.write('{"id":"hi","method":"hello"}\n{"id":"long-poll","method":"lease","params":{"worker_id":"waiter","wait_seconds":10}}\n');
    expect((await conn.readLines(1))[0]?.id).toBe('hi');
    const taskId = (await ok<{ task_id: number }>('enqueue', { prompt: 'late' }, other)).task_id;
    const [answer] = await conn.readLines(1);
    expect(answer).toMatchObject({ id: 'long-poll', error: null });
    const { tasks } = answer?.result as { tasks: LeasedTask[] };
    expect(tasks.map((t) => [t.task_id, t.worker_id])).toEqual([[taskId, 'waiter']]);
  });

  it('with wait_seconds answers an empty list once the wait runs out', async () => {
    const started = Date.now();
    expect(await lease({ wait_seconds: 0.3 })).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
  });

  it.each([
    ['max_tasks of 0', { max_tasks: 0 }, 'max_tasks'],
    ['a string max_tasks', { max_tasks: '2' }, 'max_tasks'],
    ['a negative lease_seconds', { lease_seconds: -1 }, 'lease_seconds'],
    ['backends that are not a list', { backends: 'gpu' }, 'backends'],
    ['a backend name that is invalid', { backends: ['bad name'] }, 'backends'],
    ['wait_seconds over the cap', { wait_seconds: 301 }, 'wait_seconds'],
    ['an empty worker_id', { worker_id: '' }, 'worker_id'],
  ])('rejects %s', async (_name, params, field) => {
    await enqueue('stays queued');
    const error = await fails('lease', params);
    expect(error.code).toBe('bad_request');
    expect(error.message).toContain(field);
    expect((await ok<{ stats: Stats }>('stats')).stats).toMatchObject({ queued: 1, leased: 0 });
  });
});

describe('ack', () => {
  it('records done with a result and failed with an error', async () => {
    const doneId = await enqueue('will succeed');
    const failId = await enqueue('will fail');
    const [first, second] = await lease({ max_tasks: 2 });
    expect(await ok('ack', { task_id: first?.task_id, status: 'done', result: 'answer', error: null, lease_token: first?.lease_token })).toEqual({ ok: true });
    expect(await ok('ack', { task_id: second?.task_id, status: 'failed', result: null, error: 'boom' })).toEqual({ ok: true });
    expect(await getTask(doneId)).toMatchObject({ status: 'done', result: 'answer', error: null, leased_until: null });
    expect(await getTask(failId)).toMatchObject({ status: 'failed', result: null, error: 'boom', leased_until: null });
    expect((await ok<{ stats: Stats }>('stats')).stats).toMatchObject({ queued: 0, leased: 0, done: 1, failed: 1 });
  });

  it('answers a repeated ack with the same token as a duplicate without changing the task', async () => {
    const id = await enqueue('p');
    const [task] = await lease();
    const ack = { task_id: id, status: 'done', result: 'r', lease_token: task?.lease_token };
    expect(await ok('ack', ack)).toEqual({ ok: true });
    expect(await ok('ack', ack)).toEqual({ ok: true, duplicate: true });
    expect(await getTask(id)).toMatchObject({ status: 'done', result: 'r' });
  });

  it('rejects a token that is not the current lease token, keeping the task leased', async () => {
    const id = await enqueue('p');
    await lease();
    const error = await fails('ack', { task_id: id, status: 'done', result: 'forged', lease_token: 'not-the-token' });
    expect(error.code).toBe('stale_lease');
    expect(await getTask(id)).toMatchObject({ status: 'leased', result: null });
  });

  it('rejects an ack of a task that is not leased (old client, no token)', async () => {
    const id = await enqueue('never leased');
    const error = await fails('ack', { task_id: id, status: 'done', result: 'x' });
    expect(error.code).toBe('conflict');
    expect(error.message).toContain('queued');
    expect((await getTask(id)).status).toBe('queued');
  });

  it.each([
    ['an unknown status', { status: 'finished' }, 'status'],
    ['a missing status', { status: undefined }, 'status'],
    ['a missing task_id', { task_id: undefined }, 'task_id'],
    ['a string task_id', { task_id: '1' }, 'task_id'],
    ['a numeric result', { result: 5 }, 'result'],
    ['an empty lease_token', { lease_token: '' }, 'lease_token'],
  ])('rejects %s and leaves the task leased', async (_name, override, field) => {
    const id = await enqueue('p');
    const [task] = await lease();
    const params: Record<string, unknown> = { task_id: id, status: 'done', result: 'r', lease_token: task?.lease_token, ...override };
    const error = await fails('ack', params);
    expect(error.code).toBe('bad_request');
    expect(error.message).toContain(field);
    expect((await getTask(id)).status).toBe('leased');
  });

  it('answers an unknown task id with not_found', async () => {
    const error = await fails('ack', { task_id: 999, status: 'done', result: 'r' });
    expect(error).toEqual({ code: 'not_found', message: expect.stringContaining('999') });
    await expectConnectionUsable();
  });
});

describe('extend', () => {
  it('moves the lease end forward for the current token', async () => {
    const id = await enqueue('long job');
    const [task] = await lease({ lease_seconds: 5 });
    const extended = await ok<{ ok: boolean; leased_until: number }>('extend', { task_id: id, lease_token: task?.lease_token, lease_seconds: 600 });
    expect(extended.ok).toBe(true);
    expect(extended.leased_until).toBeGreaterThan(Date.now() / 1000 + 500);
    expect((await getTask(id)).leased_until).toBe(extended.leased_until);
  });

  it('refuses a wrong token, a finished task, and an unknown id', async () => {
    const id = await enqueue('p');
    const [task] = await lease();
    expect((await fails('extend', { task_id: id, lease_token: 'wrong' })).code).toBe('stale_lease');
    await ok('ack', { task_id: id, status: 'done', result: 'r', lease_token: task?.lease_token });
    expect((await fails('extend', { task_id: id, lease_token: task?.lease_token })).code).toBe('stale_lease');
    expect((await fails('extend', { task_id: 12345, lease_token: 'x' })).code).toBe('not_found');
    expect((await getTask(id)).leased_until).toBeNull();
  });

  it('rejects a missing lease_token and a non-positive lease_seconds', async () => {
    const id = await enqueue('p');
    const [task] = await lease();
    expect(await fails('extend', { task_id: id })).toMatchObject({ code: 'bad_request', message: expect.stringContaining('lease_token') });
    expect(await fails('extend', { task_id: id, lease_token: task?.lease_token, lease_seconds: 0 })).toMatchObject({
      code: 'bad_request',
      message: expect.stringContaining('lease_seconds'),
    });
  });
});

describe('get', () => {
  it('returns every floor field of a task', async () => {
    const id = await enqueue('fields');
    const task = await getTask(id);
    for (const key of ['task_id', 'prompt', 'status', 'created_at', 'updated_at', 'leased_until', 'worker_id', 'result', 'error']) {
      expect(task).toHaveProperty(key);
    }
    expect(task.created_at).toBeCloseTo(Date.now() / 1000, -1);
    expect(task).not.toHaveProperty('lease_token');
  });

  it('answers an unknown id with not_found and bad ids with bad_request', async () => {
    expect(await fails('get', { task_id: 4242 })).toEqual({ code: 'not_found', message: 'task 4242 not found' });
    for (const taskId of [0, -1, 1.5, '1', null]) {
      expect((await fails('get', { task_id: taskId })).code).toBe('bad_request');
    }
    expect((await fails('get')).code).toBe('bad_request');
    await expectConnectionUsable();
  });
});

describe('cancel', () => {
  it('cancels a queued task so no worker leases it', async () => {
    const id = await enqueue('unwanted');
    const answer = await ok<{ ok: boolean; task: Task }>('cancel', { task_id: id });
    expect(answer.ok).toBe(true);
    expect(answer.task).toMatchObject({ task_id: id, status: 'cancelled' });
    expect(await lease()).toEqual([]);
    expect((await ok<{ stats: Stats }>('stats')).stats).toMatchObject({ queued: 0, leased: 0, cancelled: 1 });
  });

  it('cancels a leased task; the worker ack and extend afterwards are refused', async () => {
    const id = await enqueue('running');
    const [task] = await lease();
    expect((await ok<{ task: Task }>('cancel', { task_id: id })).task).toMatchObject({ status: 'cancelled', leased_until: null });
    const withToken = await fails('ack', { task_id: id, status: 'done', result: 'late', lease_token: task?.lease_token });
    expect(withToken.code).toBe('conflict');
    expect(withToken.message).toContain('cancelled');
    const oldClient = await fails('ack', { task_id: id, status: 'done', result: 'late' });
    expect(oldClient.code).toBe('conflict');
    expect((await fails('extend', { task_id: id, lease_token: task?.lease_token })).code).toBe('conflict');
    expect(await getTask(id)).toMatchObject({ status: 'cancelled', result: null });
  });

  it('refuses to cancel a finished task or an unknown id', async () => {
    const id = await enqueue('p');
    const [task] = await lease();
    await ok('ack', { task_id: id, status: 'done', result: 'r', lease_token: task?.lease_token });
    expect(await fails('cancel', { task_id: id })).toMatchObject({ code: 'conflict', message: expect.stringContaining('done') });
    expect((await fails('cancel', { task_id: 777 })).code).toBe('not_found');
    expect((await fails('cancel', {})).code).toBe('bad_request');
    expect(await getTask(id)).toMatchObject({ status: 'done', result: 'r' });
  });
});

describe('list', () => {
  it('returns tasks newest first with the stats', async () => {
    const ids = [await enqueue('1'), await enqueue('2'), await enqueue('3')];
    const answer = await ok<{ tasks: Task[]; stats: Stats }>('list');
    expect(answer.tasks.map((t) => t.task_id)).toEqual([...ids].reverse());
    expect(answer.stats).toMatchObject({ queued: 3, leased: 0, done: 0, failed: 0 });
  });

  it('defaults to 50 tasks, honours a limit, and treats limit <= 0 as no limit', async () => {
    for (let i = 0; i < 55; i++) await enqueue(`task ${i}`);
    const ids = async (params?: unknown) => (await ok<{ tasks: Task[] }>('list', params)).tasks.map((t) => t.task_id);
    const all = await ids({ limit: 0 });
    expect(all).toHaveLength(55);
    expect(all).toEqual([...all].sort((a, b) => b - a));
    expect(await ids()).toEqual(all.slice(0, 50));
    expect(await ids({ limit: 2 })).toEqual(all.slice(0, 2));
    expect(await ids({ limit: -1 })).toEqual(all);
  });

  it('filters by status', async () => {
    const a = await enqueue('a');
    const b = await enqueue('b');
    await lease();
    const byStatus = async (status: string) => (await ok<{ tasks: Task[] }>('list', { status })).tasks.map((t) => t.task_id);
    expect(await byStatus('leased')).toEqual([a]);
    expect(await byStatus('queued')).toEqual([b]);
    expect(await byStatus('done')).toEqual([]);
  });

  it('rejects an unknown status and a non-integer limit', async () => {
    expect(await fails('list', { status: 'pending' })).toMatchObject({ code: 'bad_request', message: expect.stringContaining('status') });
    expect(await fails('list', { limit: 'ten' })).toMatchObject({ code: 'bad_request', message: expect.stringContaining('limit') });
    expect(await fails('list', { limit: 2.5 })).toMatchObject({ code: 'bad_request', message: expect.stringContaining('limit') });
    await expectConnectionUsable();
  });
});

describe('stats', () => {
  it('always has the four floor keys, zero on an empty hub', async () => {
    expect((await ok<{ stats: Stats }>('stats')).stats).toMatchObject({ queued: 0, leased: 0, done: 0, failed: 0 });
  });

  it('counts each status exactly', async () => {
    for (let i = 0; i < 5; i++) await enqueue(`t${i}`);
    const [done, failed, leased] = await lease({ max_tasks: 3 });
    await ok('ack', { task_id: done?.task_id, status: 'done', result: 'ok', lease_token: done?.lease_token });
    await ok('ack', { task_id: failed?.task_id, status: 'failed', error: 'no', lease_token: failed?.lease_token });
    expect(leased?.status).toBe('leased');
    expect((await ok<{ stats: Stats }>('stats')).stats).toEqual({ queued: 2, leased: 1, done: 1, failed: 1, cancelled: 0 });
  });
});

describe('retry_failed', () => {
  async function finish(status: 'done' | 'failed'): Promise<number> {
    const id = await enqueue(`to be ${status}`);
    const [task] = await lease({ worker_id: 'w-retry' });
    expect(task?.task_id).toBe(id);
    await ok('ack', { task_id: id, status, result: status === 'done' ? 'r' : null, error: status === 'failed' ? 'e' : null, lease_token: task?.lease_token });
    return id;
  }

  it('puts every failed task back to queued, clearing worker, lease, result and error', async () => {
    const failedA = await finish('failed');
    const done = await finish('done');
    const failedB = await finish('failed');
    expect(await ok('retry_failed')).toEqual({ retried: 2 });
    for (const id of [failedA, failedB]) {
      expect(await getTask(id)).toMatchObject({ status: 'queued', worker_id: null, leased_until: null, result: null, error: null });
    }
    expect(await getTask(done)).toMatchObject({ status: 'done', result: 'r' });
    expect(await ok('retry_failed')).toEqual({ retried: 0 });
    expect((await lease({ max_tasks: 5 })).map((t) => t.task_id)).toEqual([failedA, failedB]);
  });

  it('with a task_id retries only that task', async () => {
    const first = await finish('failed');
    const second = await finish('failed');
    expect(await ok('retry_failed', { task_id: second })).toEqual({ retried: 1 });
    expect((await getTask(second)).status).toBe('queued');
    expect((await getTask(first)).status).toBe('failed');
  });

  it('refuses a task that is not failed or cancelled, an unknown id and a bad id', async () => {
    const done = await finish('done');
    expect(await fails('retry_failed', { task_id: done })).toMatchObject({ code: 'conflict', message: expect.stringContaining('done') });
    expect((await fails('retry_failed', { task_id: 31337 })).code).toBe('not_found');
    expect((await fails('retry_failed', { task_id: 'all' })).code).toBe('bad_request');
    expect((await getTask(done)).status).toBe('done');
  });
});

describe('shutdown', () => {
  it('answers ok, then the hub stops and closes its connections', async () => {
    const bystander = await open();
    expect(await ok('shutdown')).toEqual({ ok: true });
    await hub.closed;
    await bystander.waitClosed();
    await conn.waitClosed();
    await expect(RawConnection.open(hub.port)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('answers a waiting long-poll lease with an empty list before closing', async () => {
    const other = await open();
    conn.write('{"id":"hi","method":"hello"}\n{"id":"waiting","method":"lease","params":{"worker_id":"w","wait_seconds":30}}\n');
    expect((await conn.readLines(1))[0]?.id).toBe('hi');
    expect(await ok('shutdown', undefined, other)).toEqual({ ok: true });
    expect(await conn.readLines(1)).toEqual([{ id: 'waiting', result: { tasks: [] }, error: null }]);
    await conn.waitClosed();
    await hub.closed;
  });
});

describe('requests that are not method calls', () => {
  it('answers an unknown method with an error naming it and keeps the connection', async () => {
    const error = await fails('frobnicate', { x: 1 });
    expect(error).toEqual({ code: 'unknown_method', message: 'unknown method "frobnicate"' });
    // Names of Object.prototype members are not methods either.
    expect((await fails('constructor')).code).toBe('unknown_method');
    expect((await fails('__proto__')).code).toBe('unknown_method');
    await expectConnectionUsable();
  });

  it('answers a request without a method string with an error, echoing its id', async () => {
    conn.write('{"id":"m1","params":{}}\n{"id":"m2","method":42}\n');
    const answers = await conn.readLines(2);
    expect(answers.map((a) => [a.id, a.result, (a.error as WireError).code])).toEqual([
      ['m1', null, 'bad_request'],
      ['m2', null, 'bad_request'],
    ]);
    await expectConnectionUsable();
  });
});
