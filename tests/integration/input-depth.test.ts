/**
 * Nesting depth is bounded on every JSON input (JSONL lines, REST bodies, /api/call bodies, run
 * imports, packs), and a request that cannot be applied fails alone: the other requests answered
 * in the same group commit are answered and committed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startHttpBridge } from '../../core/app/http-bridge.js';
import { parsePack } from '../../core/pack.js';
import { readExport } from '../../core/runs/export.js';
import { RawConnection, startTestHub, tempDir } from '../helpers.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function hub(options: Parameters<typeof startTestHub>[0] = {}) {
  const started = await startTestHub(options);
  stops.push(() => started.stop());
  return started;
}

function nested(depth: number): string {
  return '['.repeat(depth) + '1' + ']'.repeat(depth);
}

function line(id: unknown, method: string, params?: unknown): string {
  return JSON.stringify({ id, method, params }) + '\n';
}

describe('one bad request fails alone', () => {
  it("an ack whose artifact nests 12,000 levels is refused alone: another client's 2,000 pipelined enqueues in the same batch are answered and committed", async () => {
    const started = await hub();
    const worker = await RawConnection.open(started.port);
    const producer = await RawConnection.open(started.port);
    worker.write(line(1, 'enqueue', { prompt: 'to be acked' }) + line(2, 'lease', { worker_id: 'w' }));
    const [, leased] = await worker.readLines(2);
    const task = (leased?.result as { tasks: { task_id: number; lease_token: string }[] }).tasks[0];
    if (!task) throw new Error('nothing leased');

    const enqueues = Array.from({ length: 2000 }, (_, i) => line(`p${i}`, 'enqueue', { prompt: `pipelined ${i}` })).join('');
    const deepEvents = `[{"deep":${nested(12_000)}}]`;
    const badAck =
      `{"id":"bad","method":"ack","params":{"task_id":${task.task_id},"status":"done","result":"r","lease_token":"${task.lease_token}",` +
      `"artifact":{"backend":"echo","events":${deepEvents}}}}\n`;
    // Both writes reach the hub's sockets before its event loop turns again (the hub runs in this
    // process): they are read in the same turn and answered in one group commit.
    producer.write(enqueues);
    worker.write(badAck);

    const answers = await producer.readLines(2000, 30_000);
    expect(answers.filter((a) => a.error !== null)).toEqual([]);
    expect(answers.map((a) => a.id)).toEqual(Array.from({ length: 2000 }, (_, i) => `p${i}`));
    const [refused] = await worker.readLines(1);
    expect(refused).toEqual({
      id: 'bad',
      result: null,
      error: { code: 'bad_request', message: expect.stringMatching(/nests deeper than 64 levels \(at params\.artifact\.events\[0\]\.deep\[0\]/) },
    });
    expect(started.queue.stats()).toMatchObject({ queued: 2000, leased: 1, done: 0 });

    // The worker's connection still works: a proper ack is accepted.
    worker.write(line('good', 'ack', { task_id: task.task_id, status: 'done', result: 'r', lease_token: task.lease_token }));
    expect(await worker.readLines(1)).toEqual([{ id: 'good', result: { ok: true }, error: null }]);
    worker.close();
    producer.close();
  });

  it('a line nested 4 million levels deep is refused at once, naming where, and the connection keeps serving', async () => {
    const started = await hub({ maxLineBytes: 16 * 1024 * 1024 });
    const conn = await RawConnection.open(started.port);
    conn.write(`{"id":7,"method":"enqueue","params":{"prompt":"p","metadata":{"x":${nested(4_000_000)}}}}\n` + line('after', 'stats'));
    const [refused, after] = await conn.readLines(2, 30_000);
    expect(refused).toEqual({ id: 7, result: null, error: { code: 'bad_request', message: expect.stringContaining('at params.metadata.x[0][0]') } });
    expect(after).toMatchObject({ id: 'after', error: null, result: { stats: { queued: 0 } } });
    conn.close();
  });

  it('an artifact whose events nest deeper than 32 levels is refused by the ack schema, naming the field', async () => {
    const started = await hub();
    const conn = await RawConnection.open(started.port);
    conn.write(line(1, 'enqueue', { prompt: 'p' }) + line(2, 'lease', { worker_id: 'w' }));
    const [, leased] = await conn.readLines(2);
    const task = (leased?.result as { tasks: { task_id: number; lease_token: string }[] }).tasks[0];
    if (!task) throw new Error('nothing leased');
    const events = [{ deep: JSON.parse(nested(40)) as unknown }];
    conn.write(line(3, 'ack', { task_id: task.task_id, status: 'done', result: 'r', lease_token: task.lease_token, artifact: { backend: 'echo', events } }));
    const [answer] = await conn.readLines(1);
    expect(answer).toEqual({ id: 3, result: null, error: { code: 'bad_request', message: expect.stringMatching(/artifact\.events: must not nest deeper than 32 levels/) } });
    expect(started.queue.get(task.task_id).status).toBe('leased');
    conn.close();
  });
});

describe('every JSON input is bounded', () => {
  it('REST: a body nested too deep is a 400 naming where, and nothing is enqueued', async () => {
    const started = await hub({ restPort: 0 });
    const response = await fetch(`${started.restUrl}/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"prompt":"p","metadata":{"x":${nested(20_000)}}}`,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ code: 'bad_request', error: expect.stringContaining('the request body nests deeper than 64 levels (at metadata.x[0]') });
    expect(started.queue.stats().queued).toBe(0);
  });

  it('/api/call (serve mode): a body nested too deep is a 400 and never reaches the app', async () => {
    const calls: unknown[] = [];
    const bridge = await startHttpBridge({
      dispatch: async (name, input) => {
        calls.push([name, input]);
        return { ok: true, result: null as never };
      },
      subscribe: () => () => undefined,
      port: 0,
      rendererDir: null,
    });
    stops.push(() => bridge.close());
    const response = await fetch(`http://127.0.0.1:${bridge.port}/api/call/tasksList`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"filter":${nested(20_000)}}`,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ ok: false, error: { code: 'bad_input', message: expect.stringContaining('The request body nests deeper than 64 levels (at filter[0]') } });
    expect(calls).toEqual([]);
  });

  it('run import: a run.json nested too deep is refused naming the file', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'run.json'), `{"format":"mittelo-run/1","run":{"label":${nested(20_000)}},"tasks":[]}`);
    expect(() => readExport(dir)).toThrow(/run\.json nests deeper than 64 levels \(at run\.label\[0\]/);
  });

  it('packs: a line nested too deep is refused naming the file and line', () => {
    const text = '{"prompt":"fine"}\n' + `{"prompt":"p","expect":${nested(20_000)}}\n`;
    expect(() => parsePack(text, 'smoke.jsonl')).toThrow(/^smoke\.jsonl:2: the line nests deeper than 64 levels \(at expect\[0\]/);
  });
});
