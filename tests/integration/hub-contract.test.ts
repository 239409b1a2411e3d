/**
 * The contract (core/wire/contract.ts) against the real hub: every method is called over a raw
 * socket on 127.0.0.1 (and the REST routes over HTTP) and each answer is parsed with its method's
 * result schema. Parsing must keep the answer exactly: a key the schema lacks (dropped by the parse),
 * a wrong type or a missing field fails here, so a schema cannot drift from its handler. The hub
 * itself never parses results (its hot path stays as it was); this test is where they are checked.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { RunningHub } from '../../core/hub.js';
import type { ArtifactInput } from '../../core/queue/artifact.js';
import { HUB_METHODS, HUB_METHOD_NAMES, type HubMethod, type HubParams, type HubResult } from '../../core/wire/contract.js';
import { RawConnection, rawCall, startTestHub, tempDir } from '../helpers.js';

const TOKEN = 'contract-test-token';

let dir: string;
let hub: RunningHub;
let conn: RawConnection;
let nextId = 1;
const called = new Set<HubMethod>();

/** The answer checked against the method's result schema; the parse must neither drop nor add anything. */
function checkedResult<M extends HubMethod>(method: M, result: unknown): HubResult<M> {
  const parsed = HUB_METHODS[method].result.safeParse(result);
  if (!parsed.success) throw new Error(`${method}: the answer does not fit its result schema: ${z.prettifyError(parsed.error)}\n${JSON.stringify(result).slice(0, 2000)}`);
  expect(parsed.data, `${method}: the answer has keys its result schema does not know, or the schema adds some`).toEqual(result);
  return parsed.data as HubResult<M>;
}

async function call<M extends HubMethod>(method: M, params: HubParams<M>, on: RawConnection = conn): Promise<HubResult<M>> {
  const answer = await rawCall(on, nextId++, method, params);
  expect(answer.error, `${method} answered an error: ${JSON.stringify(answer.error)}`).toBeNull();
  called.add(method);
  return checkedResult(method, answer.result);
}

/** POSTs carry a JSON body (the hub refuses other content types there: a web page cannot post JSON). */
async function rest(method: 'GET' | 'POST', route: string, body: unknown = {}): Promise<unknown> {
  const response = await fetch(`${hub.restUrl ?? ''}${route}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
    ...(method === 'POST' ? { body: JSON.stringify(body) } : {}),
  });
  expect(response.status, `${method} ${route}`).toBe(200);
  return response.json();
}

/** An artifact with every optional part a real agent can send (a system test's workspace, events). */
const fullArtifact: ArtifactInput = {
  backend: 'contract_b',
  driver: 'shell',
  argv: ['sh', '-c', 'echo hi'],
  cli_path: '/bin/sh',
  cli_version: '1.0',
  model: 'm',
  tool_policy: 'none',
  env: { MITTELO_TASK_ID: '1' },
  stdout: 'hi\n',
  stderr: '',
  exit_code: 0,
  signal: null,
  failure_class: null,
  failure_message: null,
  latency_ms: 12,
  started_at: 1_700_000_000,
  finished_at: 1_700_000_001,
  input_tokens: 3,
  output_tokens: 4,
  cost_usd: 0.001,
  session_id: 's',
  turns: 1,
  host: 'here',
  worker_id: 'w1',
  events: [{ type: 'tool_call', name: 'read' }],
  workspace: {
    fixture: 'fixtures/app',
    workdir: null,
    files: [{ path: 'a.txt', change: 'added' }],
    diff: '+a',
    truncated: false,
    outside: [],
    check: { command: 'true', exit_code: 0, signal: null, stdout: '', stderr: '', timed_out: false, duration_ms: 5, pass: true, reason: 'exit 0' },
  },
};

beforeAll(async () => {
  dir = tempDir('mittelo-contract-');
  hub = await startTestHub({ dbPath: path.join(dir, 'hub.db'), token: TOKEN, restPort: 0 });
  conn = await RawConnection.open(hub.port);
});

afterAll(async () => {
  conn?.close();
  await hub?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('every hub method answers what its result schema says', () => {
  it('tasks: enqueue, lease, extend, output, ack, get, artifact, list, list_rows, stats, workers, release, cancel, retry_failed', async () => {
    await call('auth', { token: TOKEN });
    const hello = await call('hello', {});
    expect(hello.extensions).toContain('runs');

    const events = await RawConnection.open(hub.port);
    try {
      await call('auth', { token: TOKEN }, events);
      await call('subscribe', { types: ['retried'] }, events);
      await call('unsubscribe', {}, events);
    } finally {
      events.close();
    }

    const params = { prompt: 'p', backend: 'Contract-B', priority: 5, labels: ['x'], metadata: { deep: { a: 1 } }, idempotency_key: 'k1' };
    const first = await call('enqueue', params);
    expect(await call('enqueue', params)).toEqual({ task_id: first.task_id, duplicate: true });
    const [leased] = (await call('lease', { worker_id: 'w1', backends: ['contract_b'], lease_seconds: 60 })).tasks;
    if (!leased) throw new Error('nothing leased');
    await call('extend', { task_id: leased.task_id, lease_token: leased.lease_token, lease_seconds: 120 });
    await call('output', { task_id: leased.task_id, lease_token: leased.lease_token, stream: 'stdout', text: 'partial' });
    await call('ack', { task_id: leased.task_id, lease_token: leased.lease_token, status: 'done', result: 'hi', artifact: fullArtifact });
    // The same ack again: answered as a duplicate, not an error.
    expect(await call('ack', { task_id: leased.task_id, lease_token: leased.lease_token, status: 'done', result: 'hi', artifact: fullArtifact })).toEqual({ ok: true, duplicate: true });

    expect((await call('get', { task_id: leased.task_id })).task.status).toBe('done');
    expect((await call('artifact', { task_id: leased.task_id })).artifact?.workspace?.check?.pass).toBe(true);
    expect((await call('list', { status: 'done', limit: 10 })).tasks).toHaveLength(1);
    expect((await call('list_rows', { search: 'p' })).rows[0]?.prompt_preview).toBe('p');
    await call('stats', {});
    expect((await call('workers', {})).workers.map((w) => w.worker_id)).toContain('w1');

    const { task_id: toRelease } = await call('enqueue', { prompt: 'released', backend: 'contract_b' });
    const [held] = (await call('lease', { worker_id: 'w1', backends: ['contract_b'] })).tasks;
    if (!held || held.task_id !== toRelease) throw new Error('did not lease the task to release');
    await call('release', { task_id: held.task_id, lease_token: held.lease_token });
    expect((await call('cancel', { task_id: toRelease })).task.status).toBe('cancelled');

    await call('enqueue', { prompt: 'fails', backend: 'contract_b' });
    const [failing] = (await call('lease', { worker_id: 'w1', backends: ['contract_b'] })).tasks;
    if (!failing) throw new Error('nothing leased');
    await call('ack', { task_id: failing.task_id, lease_token: failing.lease_token, status: 'failed', error: 'broke' });
    expect(await call('retry_failed', { task_id: failing.task_id })).toEqual({ retried: 1 });
    await call('retry_failed', {});
  });

  it('runs: create, get (with check tasks and an earlier attempt), summary, task checks, list, baseline, pick, cancel, delete, prune', async () => {
    const lockState = [{ cli: 'claude-code', locked_version: '2.0.0', installed_version: '2.0.1', status: 'newer' as const }];
    const created = await call('run_create', {
      pack_name: 'contract',
      label: 'the contract',
      backends: ['Run-B'],
      preset: 'smoke',
      lock_state: lockState,
      entries: [
        { id: 'checked', prompt: 'say 391', expect: { contains: '391', command: 'grep -q 391' } },
        { id: 'failing', prompt: 'fail' },
      ],
    });
    expect(created.task_ids).toHaveLength(2);
    const { tasks } = await call('lease', { worker_id: 'w2', backends: ['run_b'], max_tasks: 2 });
    for (const task of tasks) {
      if (task.prompt === 'fail') await call('ack', { task_id: task.task_id, lease_token: task.lease_token, status: 'failed', error: 'no' });
      else await call('ack', { task_id: task.task_id, lease_token: task.lease_token, status: 'done', result: '391', artifact: { ...fullArtifact, backend: 'run_b' } });
    }
    const record = await call('run_get', { run_id: created.run_id });
    expect(record.run.lock_state).toEqual(lockState);
    expect(record.check_tasks?.[0]?.check_kind).toBe('command');
    const checked = record.tasks.find((t) => t.prompt_id === 'checked');
    if (!checked) throw new Error('no checked task');
    expect((await call('run_task_checks', { task_id: checked.task_id })).checks.length).toBeGreaterThan(0);

    // The command check runs like any task; once it passes, the run is finished.
    const [check] = (await call('lease', { worker_id: 'w2', backends: [record.check_tasks?.[0]?.backend ?? 'none'] })).tasks;
    if (!check) throw new Error('no check task');
    await call('ack', { task_id: check.task_id, lease_token: check.lease_token, status: 'done', result: JSON.stringify({ exit_code: 0 }) });
    const failed = record.tasks.find((t) => t.prompt_id === 'failing');
    if (!failed) throw new Error('no failing task');
    expect((await call('run_summary', { run_id: created.run_id })).failures.map((f) => f.prompt_id)).toContain('failing');

    // Retried after the run ended: the task keeps its earlier attempt, and the record says so.
    expect((await call('run_summary', { run_id: created.run_id })).run.finished_at).not.toBeNull();
    await call('retry_failed', { task_id: failed.task_id });
    expect((await call('get', { task_id: failed.task_id })).earlier_attempts).toHaveLength(1);
    expect((await call('run_get', { run_id: created.run_id })).tasks.find((t) => t.task_id === failed.task_id)?.retried_after_run).toBeDefined();

    expect((await call('run_list', { pack_name: 'contract' })).runs).toHaveLength(1);
    await call('run_baseline', { run_id: created.run_id });
    expect(await call('run_baseline_of', { pack_name: 'contract' })).toEqual({ run_id: created.run_id });
    expect(await call('run_baseline_of', { pack_name: 'no such pack' })).toEqual({ run_id: null });
    await call('run_pick', { run_id: created.run_id, prompt_id: 'checked', task_id: checked.task_id });

    const doomed = await call('run_create', { pack_name: 'doomed', backends: ['doomed_b'], entries: [{ prompt: 'never run' }] });
    expect(await call('run_cancel', { run_id: doomed.run_id })).toEqual({ cancelled: 1 });
    expect(await call('run_delete', { run_id: doomed.run_id })).toEqual({ deleted: doomed.run_id, tasks: 1 });
    await call('run_prune', { keep: 100 });
  });

  it('run import, whole and in pieces', async () => {
    const { runs } = await call('run_list', { pack_name: 'contract' });
    const source = runs[0];
    if (!source) throw new Error('the runs test made no run');
    const record = await call('run_get', { run_id: source.run.run_id });
    const whole = await call('run_import', { record: { ...record, run: { ...record.run, run_id: 'imported-whole' } } });
    expect(whole.run_id).toBe('imported-whole');

    const { import_id } = await call('run_import_begin', { run: { ...record.run, run_id: 'imported-pieces' } });
    const [firstTask, ...rest] = record.tasks;
    if (!firstTask) throw new Error('no tasks');
    await call('run_import_tasks', { import_id, tasks: [{ ...firstTask, prompt: '' }, ...rest] });
    await call('run_import_text', { import_id, task_index: 0, field: 'prompt', text: firstTask.prompt });
    expect(await call('run_import_commit', { import_id })).toEqual({ run_id: 'imported-pieces', tasks: record.tasks.length });

    const abandoned = await call('run_import_begin', { run: { ...record.run, run_id: 'imported-never' } });
    await call('run_import_abort', { import_id: abandoned.import_id });
  });

  it('REST answers the same shapes', async () => {
    const enqueued = checkedResult('enqueue', await rest('POST', '/tasks', { prompt: 'over REST', backend: 'rest_b' }));
    checkedResult('get', await rest('GET', `/tasks/${enqueued.task_id}`));
    checkedResult('artifact', await rest('GET', `/tasks/${enqueued.task_id}/artifact`));
    checkedResult('list', await rest('GET', '/tasks?status=queued&limit=5'));
    checkedResult('stats', await rest('GET', '/stats'));
    checkedResult('cancel', await rest('POST', `/tasks/${enqueued.task_id}/cancel`));
    checkedResult('retry_failed', await rest('POST', '/tasks/retry_failed'));
  });

  it('bye and shutdown, last', async () => {
    expect(await call('bye', { worker_id: 'w1' })).toEqual({ ok: true, known: true });
    await call('shutdown', {});
    await hub.closed;
  });

  it('left no method of the contract uncalled', () => {
    expect(HUB_METHOD_NAMES.filter((method) => !called.has(method))).toEqual([]);
  });
});

describe('the check itself', () => {
  it('fails an answer with a key its schema does not know, a wrong type, or a missing field', () => {
    const stats = { queued: 0, leased: 0, done: 0, failed: 0, cancelled: 0 };
    expect(() => checkedResult('stats', { stats })).not.toThrow();
    expect(() => checkedResult('stats', { stats: { ...stats, paused: 0 } })).toThrow(/keys its result schema does not know/);
    expect(() => checkedResult('stats', { stats: { ...stats, done: '0' } })).toThrow(/does not fit its result schema/);
    expect(() => checkedResult('stats', { stats: { queued: 0 } })).toThrow(/does not fit its result schema/);
  });
});
