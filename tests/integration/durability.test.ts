/**
 * Crash durability: a hub process killed with SIGKILL under concurrent load keeps every enqueue and
 * every ack whose answer reached a client (an answer is only sent after the commit).
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HubError } from '../../core/errors.js';
import type { Task } from '../../core/queue/types.js';
import { HubClient } from '../../core/wire/client.js';
import { spawnHubProcess, startTestHub, tempDir } from '../helpers.js';

const WORKERS = 4;
const BATCH = 16;
/** Acks answered before the kill, per round: enough that the kill lands in the middle of steady load. */
const KILL_AFTER_ACKS = 1000;

interface AckRecord {
  status: 'done' | 'failed';
  result: string | null;
  error: string | null;
}

const children: ChildProcess[] = [];

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
});

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/**
 * Runs WORKERS clients that each enqueue a batch, lease a batch and ack it (some done, some failed),
 * recording only what the hub answered. SIGKILLs the hub from inside the answer that brings the
 * acknowledged acks to KILL_AFTER_ACKS, so other requests are still in flight at that moment.
 */
async function loadAndKill(dbPath: string, round: number, enqueued: Map<number, string>, acked: Map<number, AckRecord>): Promise<{ inFlightAtKill: number }> {
  const { child, port } = await spawnHubProcess(['--db', dbPath, '--lease-seconds', '600'], { MITTELO_TOKEN: '' });
  children.push(child);
  const clients = await Promise.all(Array.from({ length: WORKERS }, () => HubClient.connect({ host: '127.0.0.1', port })));

  let killed = false;
  let inFlight = 0;
  let inFlightAtKill = 0;
  let ackedThisRound = 0;
  const tracked = async <T>(request: Promise<T>): Promise<T> => {
    inFlight++;
    try {
      return await request;
    } finally {
      inFlight--;
    }
  };
  const kill = () => {
    if (killed) return;
    killed = true;
    inFlightAtKill = inFlight;
    child.kill('SIGKILL');
  };

  const worker = async (client: HubClient, w: number) => {
    let n = 0;
    try {
      while (!killed) {
        await Promise.all(
          Array.from({ length: BATCH }, async () => {
            const prompt = `round ${round} worker ${w} prompt ${n++}`;
            const { task_id: taskId } = await tracked(client.enqueue({ prompt }));
            enqueued.set(taskId, prompt);
          }),
        );
        const tasks = await tracked(client.lease({ worker_id: `r${round}w${w}`, max_tasks: BATCH }));
        await Promise.all(
          tasks.map(async (task) => {
            const record: AckRecord =
              task.task_id % 5 === 0 ? { status: 'failed', result: null, error: `failed ${task.task_id}` } : { status: 'done', result: `done ${task.task_id}`, error: null };
            await tracked(client.ack({ task_id: task.task_id, lease_token: task.lease_token, ...record }));
            acked.set(task.task_id, record);
            if (++ackedThisRound >= KILL_AFTER_ACKS) kill();
          }),
        );
      }
    } catch (err) {
      // After the kill, the only acceptable failure is the lost connection; anything else is a bug
      // (and ends the load, so the other workers stop too).
      const expected = killed && err instanceof HubError && err.code === 'unreachable';
      kill();
      if (!expected) throw err;
    } finally {
      client.close();
    }
  };

  await Promise.all(clients.map((client, w) => worker(client, w)));
  expect(await exited(child)).toEqual({ code: null, signal: 'SIGKILL' });
  return { inFlightAtKill };
}

describe('durability under kill -9', () => {
  it('a hub killed with SIGKILL under load, three times, loses no acknowledged enqueue and no acknowledged ack', async () => {
    const dir = tempDir('mittelo-durability-');
    const dbPath = path.join(dir, 'hub.db');
    const enqueued = new Map<number, string>();
    const acked = new Map<number, AckRecord>();

    for (const round of [1, 2, 3]) {
      const ackedBefore = acked.size;
      const { inFlightAtKill } = await loadAndKill(dbPath, round, enqueued, acked);
      // The kill landed mid-load, and without a clean close (that would have removed the WAL).
      expect(inFlightAtKill).toBeGreaterThan(0);
      expect(acked.size - ackedBefore).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
      expect(fs.existsSync(`${dbPath}-wal`)).toBe(true);
    }

    const hub = await startTestHub({ dbPath });
    try {
      const byId = new Map<number, Task>(hub.queue.list({ limit: 0 }).map((task) => [task.task_id, task]));
      const missing = [...enqueued].filter(([id, prompt]) => byId.get(id)?.prompt !== prompt);
      expect(missing, 'acknowledged enqueues lost or changed').toEqual([]);
      const wrong = [...acked]
        .map(([id, record]) => ({ id, record, now: byId.get(id) }))
        .filter(({ record, now }) => now?.status !== record.status || now.result !== record.result || now.error !== record.error);
      expect(wrong, 'acknowledged acks lost or changed').toEqual([]);

      // Each prompt was sent once: no task was duplicated by the crash or the recovery.
      const prompts = [...byId.values()].map((task) => task.prompt);
      expect(new Set(prompts).size).toBe(prompts.length);

      // The status counters (kept by triggers in the same transactions) agree with the rows.
      const counted = { queued: 0, leased: 0, done: 0, failed: 0, cancelled: 0 };
      for (const task of byId.values()) counted[task.status]++;
      expect(hub.queue.stats()).toEqual(counted);
    } finally {
      await hub.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
