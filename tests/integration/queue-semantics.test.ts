/**
 * Queue semantics seen through the wire: lease-token fencing, expiry and re-lease, max_attempts,
 * priority, routing to backends and idempotent enqueue. Leases last a fraction of a second so that
 * expiry is real wall-clock expiry and the tests stay fast.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningHub } from '../../core/hub.js';
import type { HubEvent, Task } from '../../core/queue/types.js';
import type { HubClient } from '../../core/wire/client.js';
import { RawConnection, connect, sleep, startTestHub } from '../helpers.js';

const SHORT_LEASE = 0.2;

let hub: RunningHub;
let client: HubClient;
let other: HubClient;

beforeEach(async () => {
  hub = await startTestHub({ leaseSeconds: 30 });
  client = await connect(hub);
  other = await connect(hub);
});

afterEach(async () => {
  client.close();
  other.close();
  await hub.stop();
});

/** Lease expiry is wall-clock time: there is no event to await, so wait until the lease end has passed. */
async function pastLeaseEnd(leasedUntil: number | null): Promise<void> {
  if (leasedUntil === null) throw new Error('task has no lease end');
  const ms = leasedUntil * 1000 - Date.now() + 25;
  if (ms > 0) await sleep(ms);
}

async function enqueueAll(prompts: string[], extra: Record<string, unknown> = {}): Promise<number[]> {
  const ids: number[] = [];
  for (const prompt of prompts) ids.push((await client.enqueue({ prompt, ...extra })).task_id);
  return ids;
}

describe('lease-token fencing', () => {
  it('an ack with a stale lease token after expiry and re-lease is rejected and the newer result kept', async () => {
    const [id] = await enqueueAll(['fenced']);
    const [old] = await client.lease({ worker_id: 'slow', lease_seconds: SHORT_LEASE });
    await pastLeaseEnd(old?.leased_until ?? null);
    const [fresh] = await other.lease({ worker_id: 'fast', lease_seconds: 30 });
    expect(fresh).toMatchObject({ task_id: id, worker_id: 'fast', attempts: 2 });
    expect(fresh?.lease_token).not.toBe(old?.lease_token);

    await other.ack({ task_id: id ?? 0, status: 'done', result: 'fast result', lease_token: fresh?.lease_token ?? '' });
    await expect(client.ack({ task_id: id ?? 0, status: 'done', result: 'slow result', lease_token: old?.lease_token ?? '' })).rejects.toMatchObject({
      code: 'stale_lease',
      message: expect.stringContaining('current result kept'),
    });
    expect(await client.get(id ?? 0)).toMatchObject({ status: 'done', result: 'fast result', worker_id: 'fast' });
  });

  it('a stale ack while the new lease is running is rejected and the new worker can still ack', async () => {
    const [id] = await enqueueAll(['fenced']);
    const [old] = await client.lease({ worker_id: 'slow', lease_seconds: SHORT_LEASE });
    await pastLeaseEnd(old?.leased_until ?? null);
    const [fresh] = await other.lease({ worker_id: 'fast' });
    await expect(client.ack({ task_id: id ?? 0, status: 'failed', error: 'gave up', lease_token: old?.lease_token ?? '' })).rejects.toMatchObject({
      code: 'stale_lease',
    });
    await expect(client.extend({ task_id: id ?? 0, lease_token: old?.lease_token ?? '' })).rejects.toMatchObject({ code: 'stale_lease' });
    expect(await client.get(id ?? 0)).toMatchObject({ status: 'leased', worker_id: 'fast', error: null });
    expect(await other.ack({ task_id: id ?? 0, status: 'done', result: 'ok', lease_token: fresh?.lease_token ?? '' })).toEqual({ ok: true });
  });

  it('an old client ack without a token is accepted while leased and refused once the task is done', async () => {
    const [id] = await enqueueAll(['old client']);
    await client.lease({ worker_id: 'legacy' });
    expect(await client.ack({ task_id: id ?? 0, status: 'done', result: 'first' })).toEqual({ ok: true });
    await expect(other.ack({ task_id: id ?? 0, status: 'done', result: 'second' })).rejects.toMatchObject({ code: 'conflict' });
    expect((await client.get(id ?? 0)).result).toBe('first');
  });

  it('an extended lease does not expire at its original end', async () => {
    const [id] = await enqueueAll(['heartbeat']);
    const [task] = await client.lease({ worker_id: 'w', lease_seconds: SHORT_LEASE });
    await client.extend({ task_id: id ?? 0, lease_token: task?.lease_token ?? '', lease_seconds: 30 });
    await pastLeaseEnd(task?.leased_until ?? null);
    expect(await other.lease({ worker_id: 'thief' })).toEqual([]);
    expect(await client.ack({ task_id: id ?? 0, status: 'done', result: 'mine', lease_token: task?.lease_token ?? '' })).toEqual({ ok: true });
  });
});

describe('lease expiry', () => {
  it('expired leases move to the next worker, oldest first, before newer queued tasks of equal priority', async () => {
    const ids = await enqueueAll(['one', 'two', 'three']);
    const first = await client.lease({ worker_id: 'crashed', max_tasks: 3, lease_seconds: SHORT_LEASE });
    expect(first.map((t) => t.task_id)).toEqual(ids);
    const [newer] = await enqueueAll(['four']);
    await pastLeaseEnd(Math.max(...first.map((t) => t.leased_until ?? 0)));

    const one = await other.lease({ worker_id: 'rescuer', max_tasks: 1 });
    expect(one.map((t) => [t.task_id, t.worker_id, t.attempts])).toEqual([[ids[0], 'rescuer', 2]]);
    const rest = await other.lease({ worker_id: 'rescuer', max_tasks: 3 });
    expect(rest.map((t) => t.task_id)).toEqual([ids[1], ids[2], newer]);
    expect((await client.stats()).leased).toBe(4);
  });

  it('a lease shortened by extend expires at its new end', async () => {
    const [id] = await enqueueAll(['heartbeat with a shorter lease']);
    const [task] = await client.lease({ worker_id: 'crashes', lease_seconds: 30 });
    const { leased_until } = await client.extend({ task_id: id ?? 0, lease_token: task?.lease_token ?? '', lease_seconds: SHORT_LEASE });
    await pastLeaseEnd(leased_until);
    expect((await other.lease({ worker_id: 'rescuer' })).map((t) => [t.task_id, t.worker_id])).toEqual([[id, 'rescuer']]);
  });

  it('a waiting long-poll lease picks up a lease that expires meanwhile', async () => {
    const [id] = await enqueueAll(['abandoned']);
    await client.lease({ worker_id: 'crashes', lease_seconds: SHORT_LEASE });
    const raw = await RawConnection.open(hub.port);
    try {
      raw.write('{"id":1,"method":"hello"}\n{"id":2,"method":"lease","params":{"worker_id":"patient","wait_seconds":5}}\n');
      const [hello, answer] = await raw.readLines(2);
      expect(hello?.id).toBe(1);
      // The hub's expiry sweep (every second) wakes the waiter once the lease has run out.
      expect((answer?.result as { tasks: Task[] }).tasks.map((t) => [t.task_id, t.worker_id, t.attempts])).toEqual([[id, 'patient', 2]]);
    } finally {
      raw.close();
    }
  });

  it('a lease that has not expired is not handed out again', async () => {
    await enqueueAll(['busy']);
    await client.lease({ worker_id: 'w', lease_seconds: 30 });
    expect(await other.lease({ worker_id: 'w2', max_tasks: 10 })).toEqual([]);
  });
});

describe('max_attempts', () => {
  it('a task whose lease expired max_attempts times ends failed with an error saying so', async () => {
    const [id] = await enqueueAll(['flaky'], { max_attempts: 2 });
    const [a] = await client.lease({ worker_id: 'w1', lease_seconds: SHORT_LEASE });
    await pastLeaseEnd(a?.leased_until ?? null);
    const [b] = await client.lease({ worker_id: 'w2', lease_seconds: SHORT_LEASE });
    expect(b).toMatchObject({ task_id: id, attempts: 2 });
    await pastLeaseEnd(b?.leased_until ?? null);

    expect(await client.lease({ worker_id: 'w3' })).toEqual([]);
    const task = await client.get(id ?? 0);
    expect(task).toMatchObject({ status: 'failed', attempts: 2, max_attempts: 2, result: null });
    expect(task.error).toMatch(/max_attempts=2/);
    expect(task.error).toContain('w2');
    expect(await client.stats()).toMatchObject({ leased: 0, failed: 1 });
  });

  it('the hub expiry sweep fails an exhausted task without any lease call', async () => {
    const events: HubEvent[] = [];
    let onExpired: () => void = () => {};
    const expired = new Promise<void>((resolve) => (onExpired = resolve));
    await other.subscribe((event) => {
      events.push(event);
      if (event.type === 'expired') onExpired();
    });
    const [id] = await enqueueAll(['once'], { max_attempts: 1 });
    await client.lease({ worker_id: 'w1', lease_seconds: SHORT_LEASE });
    await expired;
    const event = events.find((e) => e.type === 'expired');
    expect(event && 'task' in event ? event.task : undefined).toMatchObject({ task_id: id, status: 'failed', error: expect.stringMatching(/max_attempts=1/) });
    expect((await client.get(id ?? 0)).status).toBe('failed');
  });

  it('without max_attempts an expired task is leased again and again', async () => {
    const [id] = await enqueueAll(['patient']);
    for (let attempt = 1; attempt <= 3; attempt++) {
      const [task] = await client.lease({ worker_id: `w${attempt}`, lease_seconds: 0.1 });
      expect(task).toMatchObject({ task_id: id, attempts: attempt });
      await pastLeaseEnd(task?.leased_until ?? null);
    }
  });

  it('an explicit failed ack is final: the task is not retried until retry_failed', async () => {
    const [id] = await enqueueAll(['fails once'], { max_attempts: 5 });
    const [task] = await client.lease({ worker_id: 'w' });
    await client.ack({ task_id: id ?? 0, status: 'failed', error: 'nope', lease_token: task?.lease_token ?? '' });
    expect(await client.lease({ worker_id: 'w' })).toEqual([]);
    expect(await client.retryFailed()).toEqual({ retried: 1 });
    expect((await client.lease({ worker_id: 'w' })).map((t) => [t.task_id, t.attempts])).toEqual([[id, 1]]);
  });
});

describe('priority', () => {
  it('higher priority first, then oldest', async () => {
    const [p0a] = await enqueueAll(['p0 a'], { priority: 0 });
    const [p5a] = await enqueueAll(['p5 a'], { priority: 5 });
    const [neg] = await enqueueAll(['p-1'], { priority: -1 });
    const [p5b] = await enqueueAll(['p5 b'], { priority: 5 });
    const [p0b] = await enqueueAll(['p0 b']);
    const [p9] = await enqueueAll(['p9'], { priority: 9 });
    const expected = [p9, p5a, p5b, p0a, p0b, neg];

    const oneByOne: number[] = [];
    for (let i = 0; i < 3; i++) oneByOne.push(...(await client.lease({ worker_id: 'w' })).map((t) => t.task_id));
    const batch = (await client.lease({ worker_id: 'w', max_tasks: 10 })).map((t) => t.task_id);
    expect([...oneByOne, ...batch]).toEqual(expected);
  });

  it('an expired lease of higher priority is taken before older queued tasks', async () => {
    const [low] = await enqueueAll(['low']);
    const [high] = await enqueueAll(['high'], { priority: 3 });
    const [leased] = await client.lease({ worker_id: 'w', lease_seconds: SHORT_LEASE });
    expect(leased?.task_id).toBe(high);
    await pastLeaseEnd(leased?.leased_until ?? null);
    expect((await other.lease({ worker_id: 'w2', max_tasks: 2 })).map((t) => t.task_id)).toEqual([high, low]);
  });
});

describe('routing', () => {
  it('routed tasks go only to workers listing their backend; unrouted tasks go to anyone', async () => {
    const [gpu] = await enqueueAll(['gpu job'], { backend: 'gpu' });
    const [cpu] = await enqueueAll(['cpu job'], { backend: 'cpu' });
    const [anyA, anyB] = await enqueueAll(['any a', 'any b']);

    // A lease without backends gets only unrouted tasks.
    expect((await client.lease({ worker_id: 'plain', max_tasks: 1 })).map((t) => t.task_id)).toEqual([anyA]);
    // A worker for other backends gets no routed task it did not ask for.
    expect((await client.lease({ worker_id: 'tpu', backends: ['tpu'], max_tasks: 10 })).map((t) => t.task_id)).toEqual([anyB]);
    expect(await client.lease({ worker_id: 'plain', max_tasks: 10 })).toEqual([]);
    expect((await client.lease({ worker_id: 'g', backends: ['gpu'], max_tasks: 10 })).map((t) => t.task_id)).toEqual([gpu]);
    expect((await client.lease({ worker_id: 'gc', backends: ['gpu', 'cpu', 'cpu'], max_tasks: 10 })).map((t) => t.task_id)).toEqual([cpu]);
  });

  it('a worker with several backends gets their tasks and unrouted ones by priority, then age', async () => {
    const [unrouted] = await enqueueAll(['any']);
    const [gpu] = await enqueueAll(['gpu'], { backend: 'gpu', priority: 1 });
    const [cpu] = await enqueueAll(['cpu'], { backend: 'cpu' });
    await enqueueAll(['other'], { backend: 'tpu' });
    const tasks = await client.lease({ worker_id: 'multi', backends: ['cpu', 'gpu'], max_tasks: 10 });
    expect(tasks.map((t) => [t.task_id, t.backend])).toEqual([
      [gpu, 'gpu'],
      [unrouted, null],
      [cpu, 'cpu'],
    ]);
    expect(await client.stats()).toMatchObject({ queued: 1, leased: 3 });
  });

  it('an expired routed lease moves only to a worker serving that backend', async () => {
    const [gpu] = await enqueueAll(['gpu job'], { backend: 'gpu' });
    const [task] = await client.lease({ worker_id: 'g1', backends: ['gpu'], lease_seconds: SHORT_LEASE });
    await pastLeaseEnd(task?.leased_until ?? null);
    expect(await other.lease({ worker_id: 'plain', max_tasks: 5 })).toEqual([]);
    expect((await other.lease({ worker_id: 'g2', backends: ['gpu'] })).map((t) => [t.task_id, t.worker_id])).toEqual([[gpu, 'g2']]);
  });

  it("a long-poll lease with backends takes the first task it may take, never another backend's", async () => {
    const raw = await RawConnection.open(hub.port);
    try {
      // Both lines in one packet: once `hello` is answered, the lease behind it is already waiting.
      raw.write('{"id":1,"method":"hello"}\n{"id":2,"method":"lease","params":{"worker_id":"g","backends":["gpu"],"wait_seconds":10}}\n');
      expect((await raw.readLines(1))[0]?.id).toBe(1);
      const [cpu] = await enqueueAll(['cpu job'], { backend: 'cpu' });
      const [unrouted] = await enqueueAll(['for anyone']);
      const [gpu] = await enqueueAll(['gpu job'], { backend: 'gpu' });
      const [answer] = await raw.readLines(1);
      // Woken by the unrouted task (any worker may take it), not by the cpu one.
      expect((answer?.result as { tasks: Task[] }).tasks.map((t) => t.task_id)).toEqual([unrouted]);
      expect((await client.get(cpu ?? 0)).status).toBe('queued');
      expect((await client.get(gpu ?? 0)).status).toBe('queued');
    } finally {
      raw.close();
    }
  });
});

describe('idempotent enqueue', () => {
  it('the same idempotency key returns the same id, across connections and after the task finished', async () => {
    const first = await client.enqueue({ prompt: 'once only', idempotency_key: 'run-1/case-7' });
    expect(first.duplicate).toBe(false);
    expect(await other.enqueue({ prompt: 'once only', idempotency_key: 'run-1/case-7' })).toEqual({ task_id: first.task_id, duplicate: true });
    const [task] = await client.lease({ worker_id: 'w' });
    await client.ack({ task_id: first.task_id, status: 'done', result: 'r', lease_token: task?.lease_token ?? '' });
    expect(await other.enqueue({ prompt: 'once only', idempotency_key: 'run-1/case-7' })).toEqual({ task_id: first.task_id, duplicate: true });
    expect(await client.stats()).toMatchObject({ queued: 0, leased: 0, done: 1 });
    expect((await client.get(first.task_id)).result).toBe('r');
  });

  it('different keys, or no key, make different tasks', async () => {
    const a = await client.enqueue({ prompt: 'same prompt', idempotency_key: 'a' });
    const b = await client.enqueue({ prompt: 'same prompt', idempotency_key: 'b' });
    const c = await client.enqueue({ prompt: 'same prompt' });
    const d = await client.enqueue({ prompt: 'same prompt' });
    expect(new Set([a.task_id, b.task_id, c.task_id, d.task_id]).size).toBe(4);
    expect((await client.stats()).queued).toBe(4);
  });

  it('concurrent enqueues with one key from many connections make exactly one task', async () => {
    const clients = await Promise.all(Array.from({ length: 10 }, () => connect(hub)));
    try {
      const answers = await Promise.all(clients.map((c) => c.enqueue({ prompt: 'race', idempotency_key: 'shared' })));
      expect(new Set(answers.map((a) => a.task_id)).size).toBe(1);
      expect(answers.filter((a) => !a.duplicate)).toHaveLength(1);
      expect((await client.stats()).queued).toBe(1);
    } finally {
      for (const c of clients) c.close();
    }
  });
});
