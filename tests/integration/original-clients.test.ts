/**
 * The original mittelo's clients against our hub: the exact requests they send (null for every
 * param they do not set) and the `--print-url` lines their smoke scripts wait for.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningHub } from '../../core/hub.js';
import { RawConnection, cliPath, rawCall, startTestHub, tempDir } from '../helpers.js';

describe('requests of the original clients', () => {
  let hub: RunningHub;
  let conn: RawConnection;

  beforeEach(async () => {
    hub = await startTestHub();
    conn = await RawConnection.open(hub.port);
  });

  afterEach(async () => {
    conn.close();
    await hub.stop();
  });

  it('list with "status": null is no filter (what the original `mittelo status` sends)', async () => {
    await rawCall(conn, 1, 'enqueue', { prompt: 'one' });
    await rawCall(conn, 2, 'enqueue', { prompt: 'two' });
    conn.write('{"id":"a","method":"list","params":{"status":null,"limit":1}}\n');
    const [answer] = await conn.readLines(1);
    expect(answer?.error).toBeNull();
    const result = answer?.result as { tasks: { task_id: number; prompt: string }[]; stats: Record<string, number> };
    expect(answer?.id).toBe('a');
    expect(result.tasks.map((t) => t.prompt)).toEqual(['two']);
    expect(result.stats.queued).toBe(2);
  });

  it('null for any optional param means not given: list limit, lease max_tasks/lease_seconds, enqueue priority/labels/metadata, retry task_id', async () => {
    const enqueued = await rawCall(conn, 1, 'enqueue', { prompt: 'p', priority: null, labels: null, metadata: null, max_attempts: null, run_id: null, idempotency_key: null, backend: null });
    expect(enqueued.error).toBeNull();
    const listed = await rawCall(conn, 2, 'list', { status: null, limit: null, backend: null, run_id: null, before_id: null });
    expect(listed.error).toBeNull();
    expect((listed.result as { tasks: unknown[] }).tasks).toHaveLength(1);
    const leased = await rawCall(conn, 3, 'lease', { worker_id: 'old-agent', max_tasks: null, lease_seconds: null, backends: null, wait_seconds: null });
    expect(leased.error).toBeNull();
    const [task] = (leased.result as { tasks: { task_id: number; leased_until: number; updated_at: number }[] }).tasks;
    expect(task?.task_id).toBe(1);
    // The hub's default lease (60 s), not a zero or a refusal.
    expect((task?.leased_until ?? 0) - (task?.updated_at ?? 0)).toBeCloseTo(60, 0);
    const acked = await rawCall(conn, 4, 'ack', { task_id: 1, status: 'failed', result: null, error: 'boom', lease_token: null, artifact: null });
    expect(acked.error).toBeNull();
    const retried = await rawCall(conn, 5, 'retry_failed', { task_id: null });
    expect(retried).toEqual({ id: 5, result: { retried: 1 }, error: null });
  });

  it('a required param sent as null is still refused, naming it', async () => {
    const answer = await rawCall(conn, 1, 'enqueue', { prompt: null });
    expect(answer.result).toBeNull();
    expect((answer.error as { message: string }).message).toMatch(/^bad params for enqueue: prompt: /);
    const ack = await rawCall(conn, 2, 'ack', { task_id: null, status: 'done' });
    expect((ack.error as { message: string }).message).toMatch(/task_id/);
  });
});

describe('REST requests of the original clients', () => {
  it('null for optional fields of a POST body means not given; an empty status in the query is no filter', async () => {
    const hub = await startTestHub({ restPort: 0 });
    const json = { 'content-type': 'application/json' };
    try {
      const posted = await fetch(`${hub.restUrl}/tasks`, { method: 'POST', headers: json, body: JSON.stringify({ prompt: 'over REST', priority: null, labels: null, backend: null, metadata: null }) });
      expect(posted.status).toBe(200);
      expect(await posted.json()).toMatchObject({ task_id: 1 });
      const retried = await fetch(`${hub.restUrl}/tasks/retry_failed`, { method: 'POST', headers: json, body: JSON.stringify({ task_id: null }) });
      expect(await retried.json()).toEqual({ retried: 0 });
      const listed = (await (await fetch(`${hub.restUrl}/tasks?status=&limit=`)).json()) as { tasks: { prompt: string }[] };
      expect(listed.tasks.map((t) => t.prompt)).toEqual(['over REST']);
    } finally {
      await hub.stop();
    }
  });
});

describe('hub --print-url', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGTERM');
  });

  /** Starts `mittelo hub --print-url` and resolves with its stdout lines once it printed `count` of them. */
  function printedLines(args: string[], count: number): Promise<string[]> {
    const child = spawn(process.execPath, [cliPath, 'hub', '--db', path.join(tempDir(), 'h.db'), '--port', '0', '--print-url', '--quiet', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stdout = '';
    return new Promise<string[]>((resolve, reject) => {
      child.stdout?.on('data', (d: Buffer) => {
        stdout += d.toString();
        const complete = stdout.split('\n').slice(0, -1);
        if (complete.length >= count) resolve(complete);
      });
      child.on('exit', (code) => reject(new Error(`hub exited with ${code}; stdout: ${stdout}`)));
    });
  }

  it("prints the original's line: MITTELO_HUB tcp://127.0.0.1:P, and the hub answers there", async () => {
    const [line] = await printedLines([], 1);
    const match = /^MITTELO_HUB tcp:\/\/127\.0\.0\.1:(\d+)$/.exec(line ?? '');
    expect(match, line).not.toBeNull();
    const conn = await RawConnection.open(Number(match?.[1]));
    try {
      expect((await rawCall(conn, 1, 'stats')).error).toBeNull();
    } finally {
      conn.close();
    }
  });

  it('prints MITTELO_REST http://127.0.0.1:P after it when REST is on, and REST answers there', async () => {
    const [hubLine, restLine] = await printedLines(['--rest-port', '0'], 2);
    expect(hubLine).toMatch(/^MITTELO_HUB tcp:\/\/127\.0\.0\.1:\d+$/);
    const match = /^MITTELO_REST (http:\/\/127\.0\.0\.1:\d+)$/.exec(restLine ?? '');
    expect(match, restLine).not.toBeNull();
    const health = await fetch(`${match?.[1]}/health`);
    expect(await health.json()).toEqual({ ok: true });
  });
});
