/**
 * The hub's memory has a bound under loads that used to grow it without one: event streams that
 * do not read (the slowest is shed, told why on its own stream; the number of streams is capped)
 * and big queued prompts (read from the database when needed, not kept in memory).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../core/store/database.js';
import { TaskStore } from '../../core/store/tasks.js';
import { HubClient } from '../../core/wire/client.js';
import type { SubscriberLimits } from '../../core/wire/subscriber-budget.js';
import { RawConnection, cliPath, rawCall, startTestHub, tempDir } from '../helpers.js';

const MIB = 1024 * 1024;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function hub(limits: Partial<SubscriberLimits>) {
  const log: string[] = [];
  const started = await startTestHub({ restPort: 0, subscriberLimits: limits, log: (line) => log.push(line) });
  cleanups.push(() => started.stop());
  return { hub: started, log };
}

interface RawStream {
  socket: net.Socket;
  text: () => string;
  ended: Promise<void>;
}

/** An SSE client on a raw socket: it reads only when told to. */
function sseClient(port: number): Promise<RawStream> {
  return rawStream(port, `GET /events?types=output HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
}

/** A socket that sends `request` and keeps all it receives as text. */
function rawStream(port: number, request: string): Promise<RawStream> {
  return new Promise((resolve) => {
    let text = '';
    const socket = net.createConnection({ host: '127.0.0.1', port }, () => {
      socket.write(request);
      resolve({ socket, text: () => text, ended });
    });
    const ended = new Promise<void>((done) => socket.on('close', () => done()));
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (text += d));
    socket.on('error', () => undefined);
    cleanups.push(() => void socket.destroy());
  });
}

async function talkingTask(client: HubClient): Promise<(text: string) => Promise<unknown>> {
  await client.enqueue({ prompt: 'talks a lot' });
  const [task] = await client.lease({ worker_id: 'w', max_tasks: 1 });
  if (!task) throw new Error('nothing leased');
  return (text) => client.call('output', { task_id: task.task_id, lease_token: task.lease_token, text });
}

async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('event streams', () => {
  it('a subscriber that falls behind is shed with the reason at the end of its stream; one that reads gets every event', async () => {
    const { hub: started, log } = await hub({ maxBacklogBytes: 2 * MIB, maxTotalBacklogBytes: 64 * MIB });
    const port = Number(new URL(started.restUrl ?? '').port);
    const slow = await sseClient(port);
    const fast = await sseClient(port);
    await until(() => slow.text().includes(': connected') && fast.text().includes(': connected'), 'both streams');
    slow.socket.pause();
    const client = await HubClient.connect({ host: started.host, port: started.port });
    cleanups.push(() => client.close());
    const output = await talkingTask(client);
    const chunk = 'o'.repeat(MIB);
    // Kernel buffers take some megabytes before the hub holds anything: send until it sheds.
    let sent = 0;
    while (!log.some((line) => line.includes('dropping an event stream')) && sent < 200) {
      await output(chunk);
      sent++;
    }
    expect(log.filter((line) => line.includes('dropping an event stream'))).toHaveLength(1);
    await until(() => (fast.text().match(/event: output/g) ?? []).length === sent, 'every event on the fast stream');
    slow.socket.resume();
    await slow.ended;
    const tail = slow.text().slice(-1000);
    expect(tail).toMatch(/event: error\ndata: \{"error":"event stream closed: this subscriber did not keep up: it had [\d.]+ MiB of events unread \(the limit is 2 MiB per subscriber\); reconnect and read faster, or subscribe to fewer event types","code":"overloaded"\}\n\n/);
    expect(fast.socket.destroyed).toBe(false);
  });

  it('a JSONL subscriber that falls behind gets an "overloaded" error line, then its connection ends', async () => {
    const { hub: started } = await hub({ maxBacklogBytes: 2 * MIB });
    const subscriber = await rawStream(started.port, '{"id":1,"method":"subscribe","params":{"types":["output"]}}\n');
    await until(() => subscriber.text().includes('"ok":true'), 'the subscribe answer');
    subscriber.socket.pause();
    const client = await HubClient.connect({ host: started.host, port: started.port });
    cleanups.push(() => client.close());
    const output = await talkingTask(client);
    const chunk = 'o'.repeat(MIB);
    for (let sent = 0; sent < 200 && started.queue.events.hasListeners; sent++) await output(chunk);
    expect(started.queue.events.hasListeners).toBe(false);
    subscriber.socket.resume();
    await subscriber.ended;
    const lastLine = subscriber.text().trimEnd().split('\n').pop();
    expect(JSON.parse(lastLine ?? '')).toEqual({
      id: null,
      result: null,
      error: { code: 'overloaded', message: expect.stringMatching(/^event stream closed: this subscriber did not keep up: it had [\d.]+ MiB of events unread \(the limit is 2 MiB per subscriber\)/) },
    });
  });

  it('the number of event streams is capped: the next SSE client gets 503 "overloaded", a JSONL subscribe an error, and a freed slot is usable again', async () => {
    const { hub: started } = await hub({ maxSubscribers: 2 });
    const port = Number(new URL(started.restUrl ?? '').port);
    const first = await sseClient(port);
    const conn = await RawConnection.open(started.port);
    cleanups.push(() => conn.close());
    expect(await rawCall(conn, 1, 'subscribe')).toMatchObject({ result: { ok: true } });
    await until(() => first.text().includes(': connected'), 'the first stream');

    const refused = await fetch(`${started.restUrl}/events`);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({ code: 'overloaded', error: expect.stringContaining('this hub already serves 2 event subscribers (its limit)') });
    const other = await RawConnection.open(started.port);
    cleanups.push(() => other.close());
    expect(await rawCall(other, 2, 'subscribe')).toEqual({ id: 2, result: null, error: { code: 'overloaded', message: expect.stringContaining('2 event subscribers') } });

    expect(await rawCall(conn, 3, 'unsubscribe')).toMatchObject({ result: { ok: true } });
    expect(await rawCall(other, 4, 'subscribe')).toMatchObject({ id: 4, result: { ok: true } });
  });
});

describe('big prompts', () => {
  it('a queued task with a big prompt is read from the database when needed, not kept in memory; small ones stay cached', () => {
    const db = openDatabase(path.join(tempDir(), 'hub.db'));
    cleanups.push(() => void db.close());
    const store = new TaskStore(db);
    const row = { priority: 0, backend: null, max_attempts: null, labels: [], metadata: {}, run_id: null, idempotency_key: null, now: 1 };
    const big = store.insert({ ...row, prompt: 'b'.repeat(5 * MIB) });
    const small = store.insert({ ...row, prompt: 'small' });
    expect(store.get(small.task_id)).toBe(store.get(small.task_id));
    const first = store.get(big.task_id);
    expect(first?.prompt.length).toBe(5 * MIB);
    expect(store.get(big.task_id)).not.toBe(first);
    expect(store.get(big.task_id)).toEqual(first);
    const leased = store.markLeased(big, 'w', 'token', 100, 2);
    expect(store.get(big.task_id)).not.toBe(store.get(big.task_id));
    expect(store.get(big.task_id)).toEqual(leased);
  });
});

describe('peak memory of a hub process', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  });

  function peakMiB(pid: number): number {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
  }

  async function hubProcess(): Promise<{ pid: number; port: number; restPort: number }> {
    const dir = tempDir();
    const child = spawn(process.execPath, [cliPath, 'hub', '--db', path.join(dir, 'hub.db'), '--port', '0', '--rest-port', '0', '--print-url', '--quiet', '--max-line-bytes', String(16 * MIB)], {
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, MITTELO_TOKEN: '' },
    });
    children.push(child);
    return new Promise((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const tcp = /tcp:\/\/[^\s]+:(\d+)/.exec(out)?.[1];
        const rest = /http:\/\/[^\s]+:(\d+)/.exec(out)?.[1];
        if (tcp && rest) resolve({ pid: child.pid ?? 0, port: Number(tcp), restPort: Number(rest) });
      });
      child.once('exit', (code) => reject(new Error(`hub exited with ${code}`)));
    });
  }

  // Before the bounds: 1.5 GB and 1.3 GB (docs/BENCHMARKS.md); 500 MiB leaves room for a loaded machine.
  const BOUND_MIB = 500;

  it(`40 SSE clients that never read plus 45 one-MiB events: the hub stays under ${BOUND_MIB} MiB and a reading client gets every event`, async () => {
    const started = await hubProcess();
    const stuck = await Promise.all(Array.from({ length: 40 }, () => sseClient(started.restPort)));
    for (const client of stuck) client.socket.pause();
    const reader = await sseClient(started.restPort);
    await until(() => reader.text().includes(': connected'), 'the reading stream');
    const client = await HubClient.connect({ host: '127.0.0.1', port: started.port });
    cleanups.push(() => client.close());
    const output = await talkingTask(client);
    const chunk = 'o'.repeat(MIB);
    for (let i = 0; i < 45; i++) await output(chunk);
    await until(() => (reader.text().match(/event: output/g) ?? []).length === 45, 'all 45 events on the reading stream', 60_000);
    expect(peakMiB(started.pid)).toBeLessThan(BOUND_MIB);
  }, 120_000);

  it(`100 queued 5 MiB prompts: the hub stays under ${BOUND_MIB} MiB and hands each prompt out whole`, async () => {
    const started = await hubProcess();
    const client = await HubClient.connect({ host: '127.0.0.1', port: started.port });
    cleanups.push(() => client.close());
    for (let i = 0; i < 100; i++) await client.enqueue({ prompt: String(i).padEnd(5 * MIB, 'p') });
    expect(peakMiB(started.pid)).toBeLessThan(BOUND_MIB);
    const [task] = await client.lease({ worker_id: 'w', max_tasks: 1 });
    expect(task?.prompt).toBe('0'.padEnd(5 * MIB, 'p'));
  }, 120_000);
});
