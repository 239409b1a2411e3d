/**
 * The agent in-process against a real hub on loopback with a real SQLite file: routing, the ack and
 * its artifact (redacted), failure classes from the fake vendor CLI, heartbeats, live output, cancel
 * and the per-backend and total concurrency caps.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ServedBackend } from '../../core/agent/agent.js';
import { driverFor, preflight } from '../../core/agent/backend.js';
import type { HubClient } from '../../core/wire/client.js';
import { BackendsDir, EventWatch, maxOverlap, servedFolder, sleeperScript, startAgent, waitGone } from '../agent-helpers.js';
import { connect, repoRoot, startTestHub } from '../helpers.js';

const FAKE_CLAUDE = path.join(repoRoot, 'tests', 'fixtures', 'bin', 'claude');
/** One secret with a well-known key shape, one that only the agent's environment marks as secret. */
const SHAPED_SECRET = 'sk-test-0123456789abcdef';
const PLAIN_SECRET = 'plainvalue-7f3a9c1e5b';

let hub: Awaited<ReturnType<typeof startTestHub>>;
let client: HubClient;
let watch: EventWatch;
const backends = new BackendsDir();
const address = () => ({ host: hub.host, port: hub.port });

beforeAll(async () => {
  process.env.MY_API_KEY = SHAPED_SECRET;
  process.env.MY_SERVICE_TOKEN = PLAIN_SECRET;
  hub = await startTestHub({ leaseSeconds: 30 });
  client = await connect(hub);
  watch = await EventWatch.open(hub);
  backends.add('upper', 'tr "[:lower:]" "[:upper:]"');
  backends.add('slow', sleeperScript(0.3));
  backends.add('chatty', ['echo "first line $MITTELO_TASK_ID"', 'sleep 1', 'echo "second line"'].join('\n'));
  backends.add('heavy', sleeperScript(3));
  // Two backends writing one shared log, for the total cap across backends.
  for (const name of ['left', 'right']) {
    backends.add(name, ['cat >/dev/null', 'echo "start $MITTELO_TASK_ID" >> "$MITTELO_BACKEND_DIR/../shared.log"', 'sleep 0.4', 'echo "end $MITTELO_TASK_ID" >> "$MITTELO_BACKEND_DIR/../shared.log"', 'echo ok'].join('\n'));
  }
  // Forks a sleeper that outlives a plain kill of its parent, reports both pids, then waits.
  backends.add('tree', ['sleep 30 &', 'echo "$$ $!" > "$MITTELO_BACKEND_DIR/pids"', 'echo ready', 'wait'].join('\n'));
});

afterAll(async () => {
  delete process.env.MY_API_KEY;
  delete process.env.MY_SERVICE_TOKEN;
  watch.close();
  client.close();
  await hub.stop();
  fs.rmSync(backends.dir, { recursive: true, force: true });
});

async function claudeBackend(): Promise<ServedBackend> {
  const report = await preflight({ name: 'claude_code', binaryPath: FAKE_CLAUDE });
  expect(report.status, report.problems.join('; ')).not.toBe('fail');
  return { name: 'claude_code', driver: driverFor('claude_code'), binary: report.binary, version: report.version, options: {}, toolPolicy: 'none', concurrency: 1 };
}

describe('leasing and acking', () => {
  it('leases only tasks for its backends: a task routed elsewhere stays queued, unrouted ones are taken', async () => {
    // Oldest first: an agent that ignored routing would take the codex task first.
    const other = await client.enqueue({ prompt: 'for codex', backend: 'codex' });
    const unrouted = await client.enqueue({ prompt: 'anyone' });
    const own = await client.enqueue({ prompt: 'mine', backend: 'upper' });
    const { finished } = startAgent({ address: address(), backends: [servedFolder(backends, 'upper')], workerId: 'router', leaseSeconds: 30, maxTasks: 2 });
    const status = await finished;

    expect(status).toMatchObject({ done: 2, failed: 0, running: [] });
    expect(await client.get(unrouted.task_id)).toMatchObject({ status: 'done', result: 'ANYONE', worker_id: 'router' });
    expect(await client.get(own.task_id)).toMatchObject({ status: 'done', result: 'MINE', worker_id: 'router' });
    expect(await client.get(other.task_id)).toMatchObject({ status: 'queued', attempts: 0, worker_id: null });
    await client.cancel(other.task_id);
  });

  it('acks with its lease token and a redacted artifact: argv, version, exit, timing, tokens, cost, output, host', async () => {
    const ackSpy = vi.spyOn(hub.queue, 'ack');
    const prompt = `repeat after me: MY_API_KEY=${SHAPED_SECRET} and ${PLAIN_SECRET}`;
    // The model reaches argv (`--model ...`), so argv redaction is exercised too.
    const { task_id } = await client.enqueue({ prompt, backend: 'claude_code', metadata: { model: PLAIN_SECRET } });
    const { finished } = startAgent({ address: address(), backends: [await claudeBackend()], workerId: 'artifact-worker', leaseSeconds: 30, maxTasks: 1 });
    expect(await finished).toMatchObject({ done: 1, failed: 0 });

    const task = await client.get(task_id);
    expect(task).toMatchObject({ status: 'done', error: null, worker_id: 'artifact-worker' });
    expect(task.result).toContain('claude fake answer to: repeat after me: MY_API_KEY=[REDACTED] and [REDACTED]');

    const acks = ackSpy.mock.calls.map(([request]) => request).filter((r) => r.task_id === task_id);
    ackSpy.mockRestore();
    expect(acks).toHaveLength(1);
    const db = new Database(hub.dbPath, { readonly: true });
    const row = db.prepare('SELECT lease_token FROM tasks WHERE task_id = ?').get(task_id) as { lease_token: string };
    db.close();
    expect(acks[0]?.lease_token).toBe(row.lease_token);
    expect(row.lease_token.length).toBeGreaterThan(8);

    const artifact = await client.artifact(task_id);
    expect(artifact).not.toBeNull();
    if (!artifact) return;
    expect(artifact).toMatchObject({
      backend: 'claude_code',
      driver: 'claude_code',
      cli_path: FAKE_CLAUDE,
      cli_version: '2.1.197',
      exit_code: 0,
      failure_class: null,
      input_tokens: expect.any(Number),
      output_tokens: expect.any(Number),
      cost_usd: 0.0123,
      stderr: '',
      host: os.hostname(),
      worker_id: 'artifact-worker',
    });
    expect(artifact.argv[0]).toBe(FAKE_CLAUDE);
    expect(artifact.argv).toEqual(expect.arrayContaining(['--print', '--output-format', 'json', '--model', '[REDACTED]']));
    expect(artifact.input_tokens).toBeGreaterThan(0);
    expect(artifact.output_tokens).toBeGreaterThan(0);
    expect(artifact.latency_ms).toBeGreaterThan(0);
    expect(artifact.stdout).toContain('"type":"result"');
    expect(artifact.stdout).toContain('[REDACTED]');
    for (const secret of [SHAPED_SECRET, PLAIN_SECRET]) {
      expect(JSON.stringify(artifact)).not.toContain(secret);
      // The task's prompt keeps what the user sent; what the agent reported back must not.
      expect(task.result).not.toContain(secret);
    }
  });

  const failures = [
    { mode: 'auth', failure: 'auth_required', error: /^auth_required: Not logged in · Please run \/login$/ },
    { mode: 'network', failure: 'network', error: /^network: API Error: Connection error\.$/ },
    { mode: 'rate_limit', failure: 'rate_limited', error: /^rate_limited: API Error: 429 .*rate_limit_error/ },
    { mode: 'crash_mid_stream', failure: 'crashed', error: /^crashed: claude was killed by SIGKILL/ },
    { mode: 'garbage', failure: 'bad_output', error: /^bad_output: claude exited 0 without a JSON result object; it printed: <html>/ },
  ] as const;

  it.each(failures)('fake CLI mode $mode ends the task failed with "$failure: <its own message>"', async ({ mode, failure, error }) => {
    const { task_id } = await client.enqueue({ prompt: `try ${mode}`, backend: 'claude_code', metadata: { model: PLAIN_SECRET } });
    const { finished } = startAgent({
      address: address(),
      backends: [await claudeBackend()],
      workerId: `fail-${mode}`,
      leaseSeconds: 30,
      maxTasks: 1,
      run: { env: { FAKE_CLI_MODE: mode }, killGraceMs: 200 },
    });
    expect(await finished).toMatchObject({ done: 0, failed: 1 });
    const task = await client.get(task_id);
    expect(task).toMatchObject({ status: 'failed', worker_id: `fail-${mode}` });
    expect(task.error).toMatch(error);
    const artifact = await client.artifact(task_id);
    expect(artifact).toMatchObject({ failure_class: failure, failure_message: task.error?.slice(failure.length + 2) });
    // The CLI did not report a model: the one it was asked for is recorded, redacted like argv.
    expect(JSON.stringify(artifact)).not.toContain(PLAIN_SECRET);
    expect(task.error).not.toContain(PLAIN_SECRET);
  });
});

it('an answer too big for the hub together with its artifact still arrives: the artifact output is cut, the answer kept', async () => {
  const small = await startTestHub({ maxLineBytes: 64 * 1024 });
  try {
    backends.add('big', 'cat >/dev/null; head -c 40000 /dev/zero | tr "\\000" "a"; echo "tail-of-stderr" >&2');
    const setup = await connect(small);
    const { task_id } = await setup.enqueue({ prompt: 'a lot', backend: 'big' });
    const { finished, logs } = startAgent({ address: { host: small.host, port: small.port }, backends: [servedFolder(backends, 'big')], workerId: 'bulky', leaseSeconds: 30, maxTasks: 1 });
    expect(await finished, logs.join('\n')).toMatchObject({ done: 1 });
    const task = await setup.get(task_id);
    expect(task).toMatchObject({ status: 'done' });
    expect(task.result).toBe('a'.repeat(40_000));
    const artifact = await setup.artifact(task_id);
    expect(artifact).toMatchObject({ stdout_truncated: true, exit_code: 0, backend: 'big' });
    expect(artifact?.stdout.length).toBeLessThan(40_000);
    expect(artifact?.stderr).toContain('tail-of-stderr');
    setup.close();
  } finally {
    await small.stop();
  }
});

describe('while a task runs', () => {
  it('heartbeats keep a task that outlives half its lease: no other worker gets it and it ends done', async () => {
    const { task_id } = await client.enqueue({ prompt: 'long', backend: 'heavy' });
    const { finished } = startAgent({ address: address(), backends: [servedFolder(backends, 'heavy')], workerId: 'steady', leaseSeconds: 2, maxTasks: 1 });
    await watch.task(task_id, 'leased');
    // A second worker long-polls for the same backend for longer than the lease: an expired lease would be its.
    const thief = await connect(hub);
    const stolen = await thief.lease({ worker_id: 'thief', backends: ['heavy'], lease_seconds: 30, wait_seconds: 3 });
    thief.close();
    expect(stolen).toEqual([]);
    expect(await finished).toMatchObject({ done: 1 });
    expect(await client.get(task_id)).toMatchObject({ status: 'done', result: 'done:long', worker_id: 'steady', attempts: 1 });
  });

  it('streams live output: a subscriber sees the text while the task is still leased', async () => {
    const { task_id } = await client.enqueue({ prompt: 'talk', backend: 'chatty' });
    const { finished } = startAgent({ address: address(), backends: [servedFolder(backends, 'chatty')], workerId: 'talker', leaseSeconds: 30, maxTasks: 1 });
    const first = await watch.waitFor((e) => e.type === 'output' && e.task_id === task_id && e.text.includes(`first line ${task_id}`), 10_000, 'first output');
    expect(first).toMatchObject({ stream: 'stdout', worker_id: 'talker' });
    expect((await client.get(task_id)).status).toBe('leased');
    await finished;
    const done = await watch.task(task_id, 'done');
    expect(done.result).toBe(`first line ${task_id}\nsecond line`);
    const live = watch.events.filter((e) => e.type === 'output' && e.task_id === task_id).map((e) => (e.type === 'output' ? e.text : '')).join('');
    expect(live).toBe(`first line ${task_id}\nsecond line\n`);
  });

  it('cancel kills the whole process tree at once and the task stays cancelled', async () => {
    const { task_id } = await client.enqueue({ prompt: 'forever', backend: 'tree' });
    const { agent, finished, logs } = startAgent({
      address: address(),
      backends: [servedFolder(backends, 'tree')],
      workerId: 'canceller',
      leaseSeconds: 30,
      run: { killGraceMs: 300 },
    });
    await watch.waitFor((e) => e.type === 'output' && e.task_id === task_id && e.text.includes('ready'), 10_000, 'tree ready');
    const pids = fs.readFileSync(path.join(backends.dir, 'tree', 'pids'), 'utf8').trim().split(' ').map(Number);
    expect(pids).toHaveLength(2);
    const cancelledAt = Date.now();
    await client.cancel(task_id);
    expect(await waitGone(pids, 5000)).toBe(true);
    expect(Date.now() - cancelledAt).toBeLessThan(5000);
    await agent.stop();
    expect(await finished).toMatchObject({ done: 0, failed: 0, running: [] });
    expect(logs.join('\n')).toContain(`task ${task_id} cancelled; not acked`);
    expect(await client.get(task_id)).toMatchObject({ status: 'cancelled', result: null, error: null });
  });
});

describe('concurrency caps', () => {
  it('a backend capped at 2 never runs more than 2 of 5 tasks at once', async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await client.enqueue({ prompt: `s${i}`, backend: 'slow' })).task_id);
    const { finished } = startAgent({ address: address(), backends: [servedFolder(backends, 'slow', { concurrency: 2 })], workerId: 'capped', leaseSeconds: 30, maxTasks: 5 });
    expect(await finished).toMatchObject({ done: 5 });
    const log = backends.log('slow');
    expect(log).toHaveLength(10);
    expect(maxOverlap(log)).toBe(2);
  });

  it('the total cap holds across backends whose own caps add up to more', async () => {
    for (let i = 0; i < 3; i++) {
      await client.enqueue({ prompt: `l${i}`, backend: 'left' });
      await client.enqueue({ prompt: `r${i}`, backend: 'right' });
    }
    const { finished } = startAgent({
      address: address(),
      backends: [servedFolder(backends, 'left', { concurrency: 2 }), servedFolder(backends, 'right', { concurrency: 2 })],
      workerId: 'total',
      concurrency: 2,
      leaseSeconds: 30,
      maxTasks: 6,
    });
    expect(await finished).toMatchObject({ done: 6 });
    const log = fs.readFileSync(path.join(backends.dir, 'shared.log'), 'utf8').split('\n').filter((l) => l !== '');
    expect(log).toHaveLength(12);
    expect(maxOverlap(log)).toBe(2);
  });
});
