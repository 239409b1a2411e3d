/**
 * An agent rides out a hub restart: the hub process is killed while a task runs and started again
 * on the same database and port; the finished result reaches the hub and leasing resumes.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { AgentStatus } from '../../core/agent/agent.js';
import { BackendsDir, EventWatch, servedFolder, sleeperScript, startAgent } from '../agent-helpers.js';
import { connect, spawnHubProcess, tempDir } from '../helpers.js';

const children: ChildProcess[] = [];
const backends = new BackendsDir();
const dir = tempDir('mittelo-reconnect-');

async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

afterAll(async () => {
  await Promise.all(children.map((child) => stopChild(child, 'SIGKILL')));
  fs.rmSync(backends.dir, { recursive: true, force: true });
  fs.rmSync(dir, { recursive: true, force: true });
});

it('a hub killed mid-task and restarted on the same DB and port gets the finished result; leasing resumes', async () => {
  backends.add('steady', sleeperScript(1));
  const dbPath = path.join(dir, 'hub.db');
  const first = await spawnHubProcess(['--db', dbPath]);
  children.push(first.child);
  const hub = { host: '127.0.0.1', port: first.port };

  const setup = await connect(hub);
  const { task_id } = await setup.enqueue({ prompt: 'survive', backend: 'steady' });
  setup.close();

  const statuses: AgentStatus[] = [];
  const waiters = new Set<() => void>();
  const untilStatus = (predicate: (s: AgentStatus) => boolean, what: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for agent status: ${what}; saw ${JSON.stringify(statuses.at(-1))}`)), 15_000);
      const check = () => {
        if (!statuses.some(predicate)) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
      check();
    });
  const { agent, finished, logs } = startAgent({
    address: hub,
    backends: [servedFolder(backends, 'steady')],
    workerId: 'survivor',
    leaseSeconds: 30,
    onStatus: (status) => {
      statuses.push(status);
      for (const wake of [...waiters]) wake();
    },
  });
  try {
    await untilStatus((s) => s.running.some((r) => r.task_id === task_id), 'task running');
    await stopChild(first.child, 'SIGKILL');
    // The task ends while the hub is away: its result waits in the agent.
    await untilStatus((s) => s.unacked === 1, 'result waiting for the hub');

    const second = await spawnHubProcess(['--db', dbPath, '--port', String(hub.port)]);
    children.push(second.child);
    expect(second.port).toBe(hub.port);
    const watch = await EventWatch.open(hub);
    try {
      expect(await watch.task(task_id, 'done', 15_000)).toMatchObject({ status: 'done', result: 'done:survive', worker_id: 'survivor', attempts: 1 });
      expect(await watch.client.artifact(task_id)).toMatchObject({ backend: 'steady', exit_code: 0, worker_id: 'survivor' });
      // The lease loop came back too.
      const next = await watch.client.enqueue({ prompt: 'after', backend: 'steady' });
      expect(await watch.task(next.task_id, 'done', 15_000)).toMatchObject({ result: 'done:after', worker_id: 'survivor' });
    } finally {
      watch.close();
    }
    expect(logs.join('\n')).toMatch(/reconnected to the hub/);
  } finally {
    await agent.stop();
    await finished;
  }
  expect((await finished).done).toBe(2);
});
