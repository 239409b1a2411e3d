/**
 * `mittelo swarm` as a real process tree against an in-process hub: its agents serve tasks, a
 * killed agent is started again, SIGTERM stops them all (twice: they give their tasks back), and
 * agents do not outlive a swarm killed with SIGKILL. Needs `npm run build` first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../core/queue/types.js';
import type { HubClient } from '../../core/wire/client.js';
import { cliPath, connect, runCli, startTestHub, tempDir } from '../helpers.js';

type TestHub = Awaited<ReturnType<typeof startTestHub>>;

let hub: TestHub;
let client: HubClient;
const swarms: ChildProcess[] = [];
const pidsSeen = new Set<number>();

beforeAll(async () => {
  if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` before the CLI tests`);
  hub = await startTestHub();
  client = await connect(hub);
});

afterAll(async () => {
  for (const swarm of swarms) if (swarm.exitCode === null && swarm.signalCode === null) swarm.kill('SIGKILL');
  for (const pid of pidsSeen) if (alive(pid)) process.kill(pid, 'SIGKILL');
  client.close();
  await hub.stop();
  fs.rmSync(path.dirname(hub.dbPath), { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface RunningSwarm {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Pid of the agent process `name` (e.g. echo-1) as last started, once it is up. */
  pidOf: (name: string, after?: number) => Promise<number>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startSwarm(args: string[], cwd = tempDir('mittelo-swarm-cwd-')): RunningSwarm {
  const child = spawn(process.execPath, [cliPath, 'swarm', '--port', String(hub.port), '--wait-seconds', '2', ...args], {
    cwd,
    env: { ...process.env, MITTELO_HOST: '127.0.0.1', MITTELO_TOKEN: '', MITTELO_BACKENDS_DIR: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  swarms.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const pidOf = (name: string, after = 0) =>
    until(`${name} to start`, () => {
      const pids = [...out.matchAll(new RegExp(`^${name}: started, pid (\\d+)$`, 'gm'))].map((m) => Number(m[1]));
      const pid = pids[pids.length - 1];
      if (pid !== undefined && pid !== after) {
        pidsSeen.add(pid);
        return pid;
      }
      return undefined;
    });
  return { child, stdout: () => out, stderr: () => err, pidOf, exit };
}

async function waitDone(ids: number[], timeoutMs = 10_000): Promise<Task[]> {
  return until(`tasks ${ids.join(',')} to be done`, async () => {
    const tasks = await Promise.all(ids.map((id) => client.get(id)));
    return tasks.every((t) => t.status === 'done') && tasks;
  }, timeoutMs);
}

async function enqueueEcho(prompts: string[]): Promise<number[]> {
  return Promise.all(prompts.map(async (prompt) => (await client.enqueue({ prompt, backend: 'echo' })).task_id));
}

describe('mittelo swarm', () => {
  it('serves echo tasks with two agents, restarts a killed one, and stops every agent on SIGTERM with exit 0', async () => {
    const swarm = startSwarm(['--agent', 'echo=2']);
    const [first, second] = await Promise.all([swarm.pidOf('echo-1'), swarm.pidOf('echo-2')]);

    const prompts = ['one', 'two', 'three', 'four', 'five', 'six'];
    const tasks = await waitDone(await enqueueEcho(prompts));
    expect(tasks.map((t) => t.result)).toEqual(prompts.map((p) => `echo:${p}`));
    for (const task of tasks) expect(task.worker_id).toMatch(/-swarm-echo-[12]$/);

    process.kill(first, 'SIGKILL');
    const restarted = await swarm.pidOf('echo-1', first);
    expect(restarted).not.toBe(first);
    expect(alive(first)).toBe(false);
    expect(swarm.stdout()).toMatch(/^echo-1: exited \(signal SIGKILL\); restarting in 1 s$/m);
    // Both agents keep serving, the new one included.
    const more = await waitDone(await enqueueEcho(['seven', 'eight', 'nine', 'ten']));
    expect(more.map((t) => t.result)).toEqual(['echo:seven', 'echo:eight', 'echo:nine', 'echo:ten']);

    swarm.child.kill('SIGTERM');
    const { code, signal } = await swarm.exit;
    expect({ code, signal }, swarm.stderr()).toEqual({ code: 0, signal: null });
    for (const pid of [restarted, second]) expect(alive(pid), `agent ${pid} still running`).toBe(false);
    expect(swarm.stdout()).toContain('mittelo swarm: all agents stopped');
    expect(swarm.stderr()).toMatch(/^\[echo-2\] serving echo×1 as .+-swarm-echo-2$/m);
  });

  it('a second SIGTERM makes the agents give their running tasks back', async () => {
    const swarm = startSwarm(['--agent', 'shell=1', '--shell-cmd', 'sleep 30']);
    await swarm.pidOf('shell-1');
    const { task_id } = await client.enqueue({ prompt: 'slow', backend: 'shell' });
    await until('the task to be leased', async () => (await client.get(task_id)).status === 'leased');

    swarm.child.kill('SIGTERM');
    await until('the first stop to reach the agent', () => swarm.stderr().includes('[shell-1] SIGTERM: finishing running tasks'));
    expect((await client.get(task_id)).status).toBe('leased');
    swarm.child.kill('SIGTERM');
    const { code } = await swarm.exit;
    expect(code, swarm.stderr()).toBe(0);
    expect(swarm.stderr()).toContain(`[shell-1] released task ${task_id}`);
    expect((await client.get(task_id)).status).toBe('queued');
    await client.cancel(task_id);
  });

  it('agents exit by themselves when the swarm is killed with SIGKILL', async () => {
    const swarm = startSwarm(['--agent', 'echo=2']);
    const pids = await Promise.all([swarm.pidOf('echo-1'), swarm.pidOf('echo-2')]);
    await until('the agents to report', () => (swarm.stdout().match(/: idle \| done 0 \| failed 0$/gm) ?? []).length >= 2);
    swarm.child.kill('SIGKILL');
    await swarm.exit;
    await until('the orphaned agents to exit', () => pids.every((pid) => !alive(pid)), 5000);
  });

  it('refuses bad --agent values and unknown backends in one line', async () => {
    const [zero, unknown, twice, missing] = await Promise.all([
      runCli(['swarm', '--agent', 'echo=0', '--port', String(hub.port)]),
      runCli(['swarm', '--agent', 'nope=1', '--port', String(hub.port)]),
      runCli(['swarm', '--agent', 'echo', '--agent', 'echo=2', '--port', String(hub.port)]),
      runCli(['swarm', '--agent', 'shell=1', '--port', String(hub.port)]),
    ]);
    expect(zero).toMatchObject({ code: 1, stderr: 'mittelo: --agent echo: COUNT must be 1..64, got 0\n' });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^mittelo: unknown backend "nope"/);
    expect(twice.stderr).toBe('mittelo: --agent echo is given twice; give it once with the total count\n');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('mittelo: not ready: shell (backend shell needs a command line (--shell-cmd "..."))');
  });

  it('documents restarts and the stop signals in --help', async () => {
    const help = await runCli(['swarm', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--agent <backend[=n]>');
    expect(help.stdout).toContain('A crashed agent is started again after 1 s, doubling up to 30 s');
  });
});
