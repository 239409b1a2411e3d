/**
 * Our client commands against the original mittelo hub (the stand-in in tests/fixtures/original-hub),
 * over real sockets: what it can do works, a flag it would silently drop is refused before anything
 * is sent, and values it does not have print as `-`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RawConnection, rawCall, runCli, tempDir, type CliResult } from '../helpers.js';
import { startOriginalHub, type OriginalHub } from '../original-helpers.js';

let hub: OriginalHub;

beforeAll(async () => {
  hub = await startOriginalHub({ cwd: tempDir() });
});
afterAll(async () => {
  await hub.stop();
});

function mittelo(args: string[]): Promise<CliResult> {
  return runCli([...args, '--port', String(hub.port)]);
}

async function call(method: string, params?: unknown): Promise<Record<string, unknown>> {
  const conn = await RawConnection.open(hub.port);
  try {
    const answer = await rawCall(conn, 1, method, params);
    if (answer.error) throw new Error(JSON.stringify(answer.error));
    return answer.result as Record<string, unknown>;
  } finally {
    conn.close();
  }
}

async function taskCount(): Promise<number> {
  return ((await call('list', { limit: 0 })).tasks as unknown[]).length;
}

const REFUSAL = /^mittelo: the hub at 127\.0\.0\.1:\d+ \(an original mittelo hub: floor methods only\) cannot do what (.+) needs? \(it would ignore (it|them)\); nothing was sent/;

describe('client commands against the original hub', () => {
  let tasksBefore: number;
  beforeEach(async () => {
    tasksBefore = await taskCount();
  });

  it('enqueue --backend --priority --label is refused naming all three, and nothing is queued', async () => {
    const result = await mittelo(['enqueue', '--prompt', 'p', '--backend', 'echo', '--priority', '5', '--label', 'a']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(REFUSAL);
    expect(REFUSAL.exec(result.stderr)?.[1]).toBe('--backend, --priority, --label');
    expect(await taskCount()).toBe(tasksBefore);
  });

  it('enqueue --idempotency-key is refused (the hub would queue the same prompt twice)', async () => {
    const result = await mittelo(['enqueue', '--prompt', 'once only', '--idempotency-key', 'k1']);
    expect(result.code).toBe(1);
    expect(REFUSAL.exec(result.stderr)?.[1]).toBe('--idempotency-key');
    expect(await taskCount()).toBe(tasksBefore);
  });

  it('enqueue --max-attempts and --run-id are refused; so is a pack whose entries carry a backend', async () => {
    const flags = await mittelo(['enqueue', '--prompt', 'p', '--max-attempts', '2', '--run-id', 'r1']);
    expect(REFUSAL.exec(flags.stderr)?.[1]).toBe('--max-attempts, --run-id');
    const pack = path.join(tempDir(), 'pack.jsonl');
    fs.writeFileSync(pack, '{"prompt":"one"}\n{"prompt":"two","backend":"echo"}\n');
    const routed = await mittelo(['enqueue', '--jsonl', pack]);
    expect(routed.code).toBe(1);
    expect(REFUSAL.exec(routed.stderr)?.[1]).toBe('the pack\'s "backend"');
    expect(await taskCount()).toBe(tasksBefore);
  });

  it('a plain prompt and a plain pack (the original pack format) are queued', async () => {
    expect(await mittelo(['enqueue', '--prompt', 'hello there'])).toMatchObject({ code: 0, stdout: `queued task ${tasksBefore + 1}\n` });
    const pack = path.join(tempDir(), 'pack.jsonl');
    fs.writeFileSync(pack, '{"prompt":"one"}\n{"prompt":"two"}\n');
    expect((await mittelo(['enqueue', '--jsonl', pack])).stdout).toBe(`queued 2 tasks (${tasksBefore + 2}..${tasksBefore + 3})\n`);
    expect(await taskCount()).toBe(tasksBefore + 3);
  });

  it('status prints the dash (—) for the backend and priority it does not have, and for the cancelled count', async () => {
    await call('enqueue', { prompt: 'shown in the table' });
    const result = await mittelo(['status', '--limit', '1']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const [header, row, , stats] = result.stdout.split('\n');
    expect(header).toMatch(/^ID\s+STATUS\s+BACKEND\s+PRI\s+UPDATED\s+PROMPT/);
    expect(row).toMatch(/^\d+\s+queued\s+—\s+—\s+\d+s ago\s+shown in the table/);
    expect(stats).toMatch(/^queued \d+ {2}leased \d+ {2}done \d+ {2}failed \d+ {2}cancelled —$/);
    expect(result.stdout).not.toContain('undefined');
    expect((await mittelo(['stats'])).stdout).toMatch(/cancelled —\n$/);
  });

  it('status --backend and --run-id are refused; status --status works', async () => {
    const backend = await mittelo(['status', '--backend', 'echo']);
    expect(backend.code).toBe(1);
    expect(REFUSAL.exec(backend.stderr)?.[1]).toBe('--backend');
    expect(REFUSAL.exec((await mittelo(['status', '--run-id', 'r'])).stderr)?.[1]).toBe('--run-id');
    const { tasks } = JSON.parse((await mittelo(['status', '--status', 'queued', '--limit', '0', '--json'])).stdout) as { tasks: { status: string }[] };
    expect(tasks.length).toBeGreaterThan(0);
    expect(tasks.every((t) => t.status === 'queued')).toBe(true);
  });

  it('retry of one id is refused (the hub would retry every failed task); plain retry retries them all', async () => {
    const ids = [];
    for (const prompt of ['f1', 'f2']) ids.push((await call('enqueue', { prompt })).task_id as number);
    const leased = (await call('lease', { worker_id: 'w', max_tasks: 100 })).tasks as { task_id: number }[];
    for (const task of leased) await call('ack', { task_id: task.task_id, status: 'failed', error: 'x' });
    const one = await mittelo(['retry', String(ids[0])]);
    expect(one.code).toBe(1);
    expect(REFUSAL.exec(one.stderr)?.[1]).toBe('retry <task-id>');
    expect(((await call('stats')).stats as { failed: number }).failed).toBe(leased.length);
    const all = await mittelo(['retry']);
    expect(all).toMatchObject({ code: 0, stdout: `retried ${leased.length} tasks\n` });
  });

  it('get shows the task from the list (no get method), with the dash (—) for what the hub does not have', async () => {
    const { task_id: taskId } = (await call('enqueue', { prompt: 'look me up' })) as { task_id: number };
    const result = await mittelo(['get', String(taskId)]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain(`task ${taskId}: queued\n  backend:   —    priority: —    attempts: —\n`);
    expect(result.stdout).toContain('    look me up');
    expect((await mittelo(['get', '99999'])).stderr).toBe('mittelo: no task 99999\n');
  });

  it('cancel is refused with a clear message instead of "Unknown method"', async () => {
    const result = await mittelo(['cancel', '1']);
    expect(result.code).toBe(1);
    expect(REFUSAL.exec(result.stderr)?.[1]).toBe('cancel');
  });

  it('--token is refused: the original hub has no tokens', async () => {
    const result = await mittelo(['stats', '--token', 'secret']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/has no tokens \(an original mittelo hub: Unknown method: auth\); connect without --token/);
  });
});
