/**
 * A finished run's record does not change: retrying or cancelling one of its tasks afterwards
 * leaves its counts, latency and duration as they were, and the retry is a later attempt of the
 * task, shown as such (wire `get` earlier_attempts, run_get retried_after_run). All over the wire.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../../core/hub.js';
import type { Artifact } from '../../core/queue/artifact.js';
import type { LeasedTask } from '../../core/queue/types.js';
import type { HubClient } from '../../core/wire/client.js';
import { connect, startTestHub } from '../helpers.js';
import { stopTestHub } from '../runs-helpers.js';

let hub: RunningHub & { dbPath: string };
let client: HubClient;

beforeAll(async () => {
  hub = await startTestHub();
  client = await connect(hub);
});

afterAll(async () => {
  client.close();
  await stopTestHub(hub);
});

function artifact(task: LeasedTask, latency: number): Artifact {
  const started = Date.now() / 1000;
  return {
    backend: task.backend ?? 'b',
    argv: ['b'],
    exit_code: 0,
    latency_ms: latency,
    started_at: started,
    finished_at: started + latency / 1000,
    stdout: 'x',
    stderr: '',
    stdout_truncated: false,
    stderr_truncated: false,
  } as unknown as Artifact;
}

/** Leases every queued task of `backend` and acks it: done with `answer`, or failed when null. */
async function work(backend: string, answers: (string | null)[], latency: number): Promise<void> {
  const { tasks } = await client.call('lease', { worker_id: 'w1', max_tasks: answers.length, backends: [backend] });
  expect(tasks).toHaveLength(answers.length);
  for (const [i, task] of tasks.entries()) {
    const answer = answers[i] ?? null;
    await client.call('ack', {
      task_id: task.task_id,
      lease_token: task.lease_token,
      status: answer === null ? 'failed' : 'done',
      result: answer,
      error: answer === null ? 'it broke' : null,
      artifact: artifact(task, latency),
    });
  }
}

describe('a finished run keeps its record', () => {
  it('retrying and cancelling a task after the run ended changes neither counts, latency nor duration; the retry is attempt 2', async () => {
    const { run_id: runId } = await client.call('run_create', {
      pack_name: 'frozen',
      backends: ['frozen_b'],
      entries: [{ id: 'a', prompt: 'one' }, { id: 'b', prompt: 'two' }, { id: 'c', prompt: 'three' }],
    });
    await work('frozen_b', ['1', '2', null], 100);
    const before = await client.call('run_summary', { run_id: runId });
    expect(before.run.finished_at).not.toBeNull();
    expect(before.rollups[0]).toMatchObject({ done: 2, failed: 1, queued: 0 });
    const recordBefore = await client.call('run_get', { run_id: runId });
    const failed = recordBefore.tasks.find((t) => t.status === 'failed');
    if (!failed) throw new Error('no failed task');

    // Retry the failed task: it is queued again (same id, the wire's floor), the run is unchanged.
    expect(await client.call('retry_failed', { task_id: failed.task_id })).toEqual({ retried: 1 });
    expect((await client.call('get', { task_id: failed.task_id })).task.status).toBe('queued');
    const afterRetry = await client.call('run_summary', { run_id: runId });
    expect(afterRetry).toEqual(before);

    // Cancel the retry a little later: still the same record, duration included.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await client.call('cancel', { task_id: failed.task_id });
    expect(await client.call('run_summary', { run_id: runId })).toEqual(before);

    // Retry again and let it succeed slowly: the run still has 1 failed, its latency as recorded.
    await client.call('retry_failed', { task_id: failed.task_id });
    await work('frozen_b', ['3 at last'], 5000);
    expect(await client.call('run_summary', { run_id: runId })).toEqual(before);

    const record = await client.call('run_get', { run_id: runId });
    const kept = record.tasks.find((t) => t.task_id === failed.task_id);
    expect(kept).toMatchObject({ status: 'failed', error: 'it broke', result: null, retried_after_run: { attempts: 2, status: 'done' } });
    expect(kept?.artifact?.latency_ms).toBe(100);
    expect(record.tasks.filter((t) => t.retried_after_run)).toHaveLength(1);

    // The task itself shows its current attempt and the earlier ones.
    const got = await client.call('get', { task_id: failed.task_id });
    expect(got.task).toMatchObject({ status: 'done', result: '3 at last' });
    expect(got.earlier_attempts?.map((a) => [a.attempt, a.task.status, a.run_id])).toEqual([
      [1, 'failed', runId],
      [2, 'cancelled', runId],
    ]);
    expect(got.earlier_attempts?.[0]?.artifact?.latency_ms).toBe(100);
  });

  it('retry of every failed task keeps the records of ended runs but requeues in place in a run still going', async () => {
    const ended = await client.call('run_create', { pack_name: 'ended', backends: ['ended_b'], entries: [{ id: 'x', prompt: 'x' }] });
    await work('ended_b', [null], 10);
    const going = await client.call('run_create', { pack_name: 'going', backends: ['going_b'], entries: [{ id: 'y', prompt: 'y' }, { id: 'z', prompt: 'z' }] });
    await work('going_b', [null], 10); // one failed, one still queued
    const endedBefore = await client.call('run_summary', { run_id: ended.run_id });

    const { retried } = await client.call('retry_failed');
    expect(retried).toBeGreaterThanOrEqual(2);
    expect(await client.call('run_summary', { run_id: ended.run_id })).toEqual(endedBefore);
    // The run still going simply has its task back in the queue: it is part of that run's work.
    const goingNow = await client.call('run_summary', { run_id: going.run_id });
    expect(goingNow.rollups[0]).toMatchObject({ queued: 2, failed: 0 });
    const goingRecord = await client.call('run_get', { run_id: going.run_id });
    expect(goingRecord.tasks.some((t) => t.retried_after_run)).toBe(false);
  });

  it('a task outside any run is retried in place with no earlier attempts', async () => {
    const { task_id } = await client.enqueue({ prompt: 'alone', backend: 'alone_b' });
    await work('alone_b', [null], 10);
    await client.call('retry_failed', { task_id });
    const got = await client.call('get', { task_id });
    expect(got).not.toHaveProperty('earlier_attempts');
    expect(got.task.status).toBe('queued');
  });
});

describe('deleting a run', () => {
  it('refuses a run still going, then deletes a finished one with its tasks and baseline mark', async () => {
    const { run_id: runId, task_ids: taskIds } = await client.call('run_create', {
      pack_name: 'doomed',
      backends: ['doomed_b'],
      entries: [{ id: 'a', prompt: 'a' }, { id: 'b', prompt: 'b' }],
    });
    await expect(client.call('run_delete', { run_id: runId })).rejects.toThrow(/still going .*cancel it first/);
    await client.call('run_cancel', { run_id: runId });
    await client.call('run_baseline', { run_id: runId });
    expect(await client.call('run_delete', { run_id: runId })).toEqual({ deleted: runId, tasks: 2 });
    await expect(client.call('run_get', { run_id: runId })).rejects.toThrow(`run ${runId} not found`);
    await expect(client.call('get', { task_id: taskIds[0] ?? 0 })).rejects.toThrow(/not found/);
    expect(await client.call('run_baseline_of', { pack_name: 'doomed' })).toEqual({ run_id: null });
    await expect(client.call('run_delete', { run_id: runId })).rejects.toThrow('not found');
  });
});
