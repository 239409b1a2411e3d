/**
 * Workdirs kept by an agent on another machine go with their run: a real hub, a `mittelo agent`
 * child process with its own workdirs root (out of the hub's and the CLI's reach), system-test runs
 * it serves, then `mittelo runs prune`: the hub's `runs_deleted` event makes the agent remove the
 * deleted run's workdirs and keep the others.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningHub } from '../../core/hub.js';
import { AgentProcess } from '../agent-helpers.js';
import { cliPath, connect, repoRoot, startTestHub, tempDir } from '../helpers.js';
import { stopTestHub, Workspace } from '../runs-helpers.js';

let hub: RunningHub & { dbPath: string };
let ws: Workspace;
let agent: AgentProcess | undefined;
const agentRoot = tempDir('mittelo-agent-workdirs-');
const clientRoot = tempDir('mittelo-client-workdirs-');

beforeAll(async () => {
  hub = await startTestHub();
  ws = new Workspace(hub.port);
});

afterAll(async () => {
  agent?.child.kill('SIGTERM');
  await agent?.exited;
  await stopTestHub(hub);
  ws.remove();
  for (const dir of [agentRoot, clientRoot]) fs.rmSync(dir, { recursive: true, force: true });
});

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; agent stderr:\n${agent?.stderr ?? ''}`);
    await sleep(50);
  }
}

it("a remote agent removes the workdirs it kept for a run when the hub deletes the run, and keeps the others'", async () => {
  ws.wrap('claude', { FAKE_CLI_EDIT: 'fix' });
  const child = spawn(process.execPath, [cliPath, 'agent', '--port', String(hub.port), '--backend', 'claude_code', '--worker-id', 'far-agent', '--wait-seconds', '1', '--allow-workspace-checks'], {
    cwd: ws.dir,
    env: { ...process.env, ...ws.env, MITTELO_WORKDIRS: agentRoot },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  agent = new AgentProcess(child);
  const client = await connect({ host: '127.0.0.1', port: hub.port });
  try {
    await until(async () => (await client.call('workers')).workers.some((w) => w.worker_id === 'far-agent' && w.waiting), 'the agent to wait for work');
  } finally {
    client.close();
  }

  const pack = ws.pack('retention', [{ id: 'fix-test', fixture: path.join(repoRoot, 'packs', 'system', 'fix-test'), check: 'node test.js', prompt: 'fix it' }]);
  // The CLI's own workdirs root is another folder: only the agent can remove what it kept.
  const runOnAgent = async () => {
    const run = await ws.run(['--pack', pack, '--backend', 'claude_code'], { MITTELO_WORKDIRS: clientRoot });
    expect(run.code, run.stderr).toBe(0);
    const task = (await ws.show(run.runId)).tasks[0];
    expect(task?.artifact?.worker_id).toBe('far-agent');
    const workdir = task?.artifact?.workspace?.workdir ?? '';
    expect(workdir.startsWith(agentRoot)).toBe(true);
    return { runId: run.runId, runDir: path.dirname(path.dirname(workdir)) };
  };
  const older = await runOnAgent();
  const newer = await runOnAgent();
  expect(fs.existsSync(older.runDir) && fs.existsSync(newer.runDir)).toBe(true);

  const pruned = await ws.cli(['runs', 'prune', '--keep', '1', '--json'], { MITTELO_WORKDIRS: clientRoot });
  expect(pruned.code, pruned.stderr).toBe(0);
  expect((JSON.parse(pruned.stdout) as { deleted: string[] }).deleted).toEqual([older.runId]);

  await until(() => !fs.existsSync(older.runDir), `the agent to remove ${older.runDir}`);
  expect(fs.existsSync(newer.runDir)).toBe(true);
  expect(fs.readFileSync(path.join(newer.runDir, fs.readdirSync(newer.runDir).find((n) => n.startsWith('task-')) ?? '', 'work', 'math.js'), 'utf8')).toContain('a + b');
});
