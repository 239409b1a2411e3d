/**
 * The MCP adapter as a client sees it: the SDK's own client over stdio, spawning `mittelo mcp`
 * (the built CLI) against a real hub.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../core/queue/types.js';
import { cliPath, connect, startTestHub } from '../helpers.js';

interface ToolResult {
  content: { type: string; text: string }[];
  isError?: boolean;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function mcpClient(port: number, extraEnv: Record<string, string> = {}, options: { cwd?: string; args?: string[] } = {}): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [cliPath, 'mcp', '--port', String(port), ...(options.args ?? [])],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...extraEnv },
    stderr: 'pipe',
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  const client = new Client({ name: 'mittelo-test', version: '1.0.0' });
  await client.connect(transport);
  cleanups.push(() => client.close());
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<ToolResult> {
  return (await client.callTool({ name, arguments: args })) as ToolResult;
}

function json<T>(result: ToolResult): T {
  expect(result.isError, result.content[0]?.text).toBeFalsy();
  return JSON.parse(result.content[0]?.text ?? 'null') as T;
}

beforeAll(() => {
  // The CLI under test is the built one (`npm test` builds first).
  expect(cliPath).toMatch(/dist/);
});

describe('mittelo mcp (SDK client over stdio, real hub)', () => {
  it('lists the tools with input schemas', async () => {
    const hub = await startTestHub();
    cleanups.push(() => hub.stop());
    const client = await mcpClient(hub.port);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['compare_runs', 'enqueue_task', 'get_run_summary', 'get_task', 'list_tasks', 'start_run', 'wait_for_task']);
    const enqueue = tools.find((t) => t.name === 'enqueue_task');
    expect(enqueue?.inputSchema.required).toEqual(['prompt']);
  });

  it('enqueues a routed task, waits for it while a worker acks, and reads it back', async () => {
    const hub = await startTestHub();
    cleanups.push(() => hub.stop());
    const client = await mcpClient(hub.port);
    const { task_id } = json<{ task_id: number }>(await call(client, 'enqueue_task', { prompt: 'say hi', backend: 'echo', priority: 3 }));
    const waiting = call(client, 'wait_for_task', { task_id, timeout_seconds: 20 });
    const worker = await connect(hub);
    cleanups.push(() => worker.close());
    const [leased] = await worker.lease({ worker_id: 'w', backends: ['echo'] });
    expect(leased?.task_id).toBe(task_id);
    await worker.ack({ task_id, status: 'done', result: 'hi!', lease_token: leased?.lease_token ?? '' });
    const waited = json<{ task: Task; timed_out: boolean }>(await waiting);
    expect(waited).toMatchObject({ timed_out: false, task: { task_id, status: 'done', result: 'hi!', backend: 'echo', priority: 3 } });
    const listed = json<{ tasks: Task[] }>(await call(client, 'list_tasks', { status: 'done' }));
    expect(listed.tasks.map((t) => t.task_id)).toEqual([task_id]);
    expect(json<{ task: Task }>(await call(client, 'get_task', { task_id })).task.result).toBe('hi!');
  });

  it('wait_for_task gives up after its timeout and says so', async () => {
    const hub = await startTestHub();
    cleanups.push(() => hub.stop());
    const client = await mcpClient(hub.port);
    const { task_id } = json<{ task_id: number }>(await call(client, 'enqueue_task', { prompt: 'nobody serves this' }));
    const waited = json<{ task: Task; timed_out: boolean }>(await call(client, 'wait_for_task', { task_id, timeout_seconds: 0.3 }));
    expect(waited).toMatchObject({ timed_out: true, task: { task_id, status: 'queued' } });
  });

  it('starts a run on echo, follows it to the summary, and compares two runs', async () => {
    const hub = await startTestHub();
    cleanups.push(() => hub.stop());
    const client = await mcpClient(hub.port);
    const started = json<{ run_id: string; tasks: number }>(await call(client, 'start_run', { prompts: ['one', 'two'], backends: ['echo'], label: 'from mcp' }));
    expect(started.tasks).toBe(2);
    const events = await connect(hub);
    cleanups.push(() => events.close());
    // The server's in-process agent runs the tasks; poll the summary tool as an MCP client would.
    let summary: { rollups: { backend: string | null; done: number; total: number }[]; failures: unknown[] } | undefined;
    for (let i = 0; i < 100; i++) {
      summary = json(await call(client, 'get_run_summary', { run_id: started.run_id }));
      if (summary?.rollups[0]?.done === 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(summary?.rollups[0]).toMatchObject({ backend: null, total: 2, done: 2 });
    expect(summary?.failures).toEqual([]);
    const { tasks } = await events.list({ run_id: started.run_id, limit: 0 });
    expect(tasks.map((t) => t.result).sort()).toEqual(['echo:one', 'echo:two']);

    const second = json<{ run_id: string }>(await call(client, 'start_run', { prompts: ['one', 'two'], backends: ['echo'] }));
    for (let i = 0; i < 100; i++) {
      const s = json<{ rollups: { done: number }[] }>(await call(client, 'get_run_summary', { run_id: second.run_id }));
      if (s.rollups[0]?.done === 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const compared = json<{ regressions: boolean; report: string }>(await call(client, 'compare_runs', { run_a: started.run_id, run_b: second.run_id }));
    expect(compared.regressions, compared.report).toBe(false);
    expect(compared.report).toContain(started.run_id);
  });

  it('a hub that is not there, a wrong token and bad input are tool errors, and the server keeps serving', async () => {
    const hub = await startTestHub({ token: 'right-token' });
    cleanups.push(() => hub.stop());
    const wrongToken = await mcpClient(hub.port, { MITTELO_TOKEN: 'wrong-token' });
    const denied = await call(wrongToken, 'list_tasks', {});
    expect(denied.isError).toBe(true);
    expect(denied.content[0]?.text).toMatch(/token/i);

    const nowhere = await mcpClient(1);
    const unreachable = await call(nowhere, 'get_task', { task_id: 1 });
    expect(unreachable.isError).toBe(true);
    expect(unreachable.content[0]?.text).toMatch(/unreachable at 127\.0\.0\.1:1/);

    const good = await mcpClient(hub.port, { MITTELO_TOKEN: 'right-token' });
    const badInput = await call(good, 'get_task', { task_id: 'seven' });
    expect(badInput.isError).toBe(true);
    const missing = await call(good, 'get_task', { task_id: 424242 });
    expect(missing.isError).toBe(true);
    expect(missing.content[0]?.text).toMatch(/task 424242 not found/);
    // Still serving after the errors.
    expect(json<{ tasks: Task[] }>(await call(good, 'list_tasks', {})).tasks).toEqual([]);
  });
});

describe('start_run repeat: repeat > pack header > packs.<pack>.repeat of mittelo.config.json > 1 (as `mittelo run`)', () => {
  /** Starts a run through the tool, waits until it has settled, and returns its repeat and task count. */
  async function started(client: Client, args: Record<string, unknown>): Promise<{ repeat: number; tasks: number }> {
    const run = json<{ run_id: string; tasks: number }>(await call(client, 'start_run', { backends: ['echo'], ...args }));
    let summary: { run: { repeat: number }; rollups: { done: number; total: number }[] } | undefined;
    for (let i = 0; i < 200; i++) {
      summary = json(await call(client, 'get_run_summary', { run_id: run.run_id }));
      if (summary?.rollups[0]?.done === run.tasks) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(summary?.rollups[0]?.done).toBe(run.tasks);
    return { repeat: summary?.run.repeat ?? 0, tasks: run.tasks };
  }

  it('reads the workspace config from the working directory (or --config), for packs and prompt lists', async () => {
    const hub = await startTestHub();
    cleanups.push(() => hub.stop());
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mittelo-mcp-repeat-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const twoPrompts = '{"id":"a","prompt":"alpha"}\n{"id":"b","prompt":"beta"}\n';
    fs.writeFileSync(path.join(dir, 'plain.jsonl'), twoPrompts);
    fs.writeFileSync(path.join(dir, 'other.jsonl'), twoPrompts);
    fs.writeFileSync(path.join(dir, 'headed.jsonl'), `{"pack": {"repeat": 2}}\n${twoPrompts}`);
    fs.writeFileSync(path.join(dir, 'mittelo.config.json'), JSON.stringify({ packs: { plain: { repeat: 3 }, headed: { repeat: 5 }, mcp: { repeat: 2 } } }));
    const client = await mcpClient(hub.port, {}, { cwd: dir });
    expect(await started(client, { pack: 'plain.jsonl' })).toEqual({ repeat: 3, tasks: 6 });
    expect(await started(client, { pack: path.join(dir, 'other.jsonl') })).toEqual({ repeat: 1, tasks: 2 });
    expect(await started(client, { pack: 'headed.jsonl' })).toEqual({ repeat: 2, tasks: 4 });
    expect(await started(client, { pack: 'plain.jsonl', repeat: 1 })).toEqual({ repeat: 1, tasks: 2 });
    // A prompt list runs as the pack "mcp".
    expect(await started(client, { prompts: ['one'] })).toEqual({ repeat: 2, tasks: 2 });

    // --config names another file; a broken one is a tool error naming the file and field, and nothing is queued.
    const nightly = path.join(dir, 'nightly.config.json');
    fs.writeFileSync(nightly, JSON.stringify({ packs: { plain: { repeat: 4 } } }));
    const other = await mcpClient(hub.port, {}, { cwd: os.tmpdir(), args: ['--config', nightly] });
    expect(await started(other, { pack: path.join(dir, 'plain.jsonl') })).toEqual({ repeat: 4, tasks: 8 });
    fs.writeFileSync(nightly, JSON.stringify({ packs: { plain: { repeats: 4 } } }));
    const before = await connect(hub);
    cleanups.push(() => before.close());
    const queued = (await before.list({ limit: 0 })).tasks.length;
    const refused = await call(other, 'start_run', { pack: path.join(dir, 'plain.jsonl'), backends: ['echo'] });
    expect(refused.isError).toBe(true);
    expect(refused.content[0]?.text).toContain(`config file ${nightly}: packs.plain: `);
    expect((await before.list({ limit: 0 })).tasks.length).toBe(queued);
  });
});
