/**
 * A settled run's record is built once and then reused (reading a 30,000-task run re-ran every
 * check each time), but never stale: a retry after the run ended, the retry's end, new picks, a
 * baseline mark and a delete all show on the next read. Real SQLite file, the real queue.
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TaskQueue } from '../../core/queue/queue.js';
import { RecordCache } from '../../core/runs/record-cache.js';
import { RunService } from '../../core/runs/service.js';
import type { RunTask } from '../../core/runs/types.js';
import { openDatabase, type Db } from '../../core/store/database.js';
import { tempDir } from '../helpers.js';

let db: Db;
let queue: TaskQueue;
let runs: RunService;

beforeEach(() => {
  db = openDatabase(path.join(tempDir('mittelo-record-cache-'), 'hub.db'));
  queue = new TaskQueue(db, { leaseSeconds: 60 });
  runs = new RunService(db, queue);
});

afterEach(() => db.close());

/** Leases the queued tasks of backend `b` and acks them: done with `answer`, or failed when null. */
function work(answers: (string | null)[]): void {
  const leased = queue.lease({ worker_id: 'w1', max_tasks: answers.length, backends: ['b'] });
  expect(leased).toHaveLength(answers.length);
  for (const [i, task] of leased.entries()) {
    const answer = answers[i] ?? null;
    queue.ack({ task_id: task.task_id, lease_token: task.lease_token, status: answer === null ? 'failed' : 'done', result: answer, error: answer === null ? 'it broke' : null });
  }
}

function finishedRun(): string {
  const { run_id } = runs.create({
    pack_name: 'cache',
    preset: 'custom',
    backends: ['b'],
    repeat: 1,
    entries: [
      { id: 'p1', prompt: 'one', expect: { contains: '1' } },
      { id: 'p2', prompt: 'two', expect: { contains: '2' } },
    ],
    lock_state: null,
  });
  work(['answer 1', null]);
  return run_id;
}

const failedTask = (tasks: RunTask[]) => tasks.find((t) => t.prompt_id === 'p2') as RunTask;

describe('records of settled runs', () => {
  it('are reused while nothing changes, with the same checks and verdicts', () => {
    const runId = finishedRun();
    const first = runs.get(runId);
    const second = runs.get(runId);
    expect(second.tasks).toBe(first.tasks);
    expect(second).toEqual(first);
    expect(first.tasks.map((t) => [t.prompt_id, t.status, t.pass, t.checks.map((c) => c.pass)])).toEqual([
      ['p1', 'done', true, [true]],
      ['p2', 'failed', false, [false]],
    ]);
    expect(first.run.finished_at).not.toBeNull();
  });

  it('are not kept while a task waits or runs', () => {
    const { run_id } = runs.create({ pack_name: 'cache', preset: 'custom', backends: ['b'], repeat: 1, entries: [{ prompt: 'one' }, { prompt: 'two' }], lock_state: null });
    const before = runs.get(run_id);
    expect(runs.get(run_id).tasks).not.toBe(before.tasks);
    work(['x', 'y']);
    const after = runs.get(run_id);
    expect(after.tasks.map((t) => t.status)).toEqual(['done', 'done']);
    expect(after.run.finished_at).not.toBeNull();
  });

  it('show a retry after the run ended, then its end, without changing what the run recorded', () => {
    const runId = finishedRun();
    const before = runs.get(runId);
    expect(failedTask(before.tasks).retried_after_run).toBeUndefined();
    expect(queue.retryFailed(failedTask(before.tasks).task_id)).toEqual({ retried: 1 });
    const retrying = runs.get(runId);
    expect(failedTask(retrying.tasks)).toMatchObject({ status: 'failed', retried_after_run: { attempts: 1, status: 'queued' } });
    expect(retrying.run.finished_at).toBe(before.run.finished_at);
    work(['answer 2']);
    const retried = runs.get(runId);
    expect(failedTask(retried.tasks)).toMatchObject({ status: 'failed', pass: false, retried_after_run: { attempts: 1, status: 'done' } });
    expect(runs.get(runId).tasks).toBe(retried.tasks);
  });

  it('show new picks and the baseline mark, and a deleted run is gone', () => {
    const runId = finishedRun();
    const first = runs.get(runId);
    const p1 = first.tasks[0] as RunTask;
    runs.pick(runId, 'p1', p1.task_id);
    runs.setBaseline(runId);
    const again = runs.get(runId);
    expect(again.run.picks).toEqual({ p1: p1.task_id });
    expect(again.run.baseline).toBe(true);
    runs.delete(runId);
    expect(() => runs.get(runId)).toThrow(`run ${runId} not found`);
  });

  it('a run imported again under a new id is its own record', () => {
    const runId = finishedRun();
    const record = runs.get(runId);
    const { run_id: copy } = runs.import(record);
    expect(copy).not.toBe(runId);
    const imported = runs.get(copy);
    expect(imported.tasks.map((t) => [t.prompt_id, t.status, t.pass])).toEqual(record.tasks.map((t) => [t.prompt_id, t.status, t.pass]));
    expect(imported.tasks.map((t) => t.task_id)).not.toEqual(record.tasks.map((t) => t.task_id));
  });
});

describe('RecordCache', () => {
  const body = (chars: number) => ({
    tasks: [{ task_id: 1, prompt_id: 'p', prompt: 'x'.repeat(chars), backend: 'b', repeat_index: 0, status: 'done' as const, result: null, error: null, artifact: null, expect: null, checks: [], pass: true }],
    check_tasks: [],
    last_end: 1,
    terminal: true,
  });

  it('misses on another version and drops the least recently used run past its budget', () => {
    const cache = new RecordCache(9_000); // each body below is about 3,000 or 4,000 bytes
    cache.set('r1', 'v1', body(1_000));
    cache.set('r2', 'v1', body(1_000));
    expect(cache.get('r1', 'v2')).toBeUndefined();
    expect(cache.get('r1', 'v1')).toBeUndefined();
    cache.set('r1', 'v1', body(1_000));
    expect(cache.get('r2', 'v1')).toBeDefined();
    cache.set('r3', 'v1', body(1_500));
    expect(cache.get('r1', 'v1')).toBeUndefined();
    expect(cache.get('r2', 'v1')).toBeDefined();
    expect(cache.get('r3', 'v1')).toBeDefined();
    const huge = cache.set('r4', 'v1', body(100_000));
    expect(huge.tasks).toHaveLength(1);
    expect(cache.get('r4', 'v1')).toBeUndefined();
  });

  it('freezes what it shares, so no reader can reorder another reader\'s tasks', () => {
    const kept = new RecordCache().set('r1', 'v1', body(1));
    expect(() => (kept.tasks as RunTask[]).push(kept.tasks[0] as RunTask)).toThrow(TypeError);
  });
});
