/**
 * A run whose backend loses its (remote) agent does not wait in silence: `mittelo run` says which
 * backend has no agent and what to do, and Ctrl-C then cancels the run's open tasks.
 */
import { spawn } from 'node:child_process';
import { afterEach, expect, it } from 'vitest';
import { cliPath, connect, startTestHub } from '../helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('says when no agent serves a backend that still has waiting tasks, and Ctrl-C cancels them', async () => {
  const hub = await startTestHub();
  cleanups.push(() => hub.stop());
  const remote = await connect(hub);
  cleanups.push(() => remote.close());
  // A "remote agent" waiting for work on `faraway`: the run sees it and starts no agent of its own.
  const leasing = remote.lease({ worker_id: 'remote-agent', backends: ['faraway'], wait_seconds: 30 });

  const child = spawn(process.execPath, [cliPath, 'run', '--no-embedded', '--port', String(hub.port), '--backend', 'faraway', '--prompt', 'one'], { stdio: ['ignore', 'pipe', 'pipe'] });
  cleanups.push(() => void child.kill('SIGKILL'));
  let stderr = '';
  const warned = new Promise<void>((resolve) =>
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('no agent serves faraway')) resolve();
    }),
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  // The remote agent takes the task and then goes away without acking: its lease is released by
  // hand (as an agent that stops does), so the task waits again with nobody serving it.
  const [task] = await leasing;
  expect(task?.prompt).toBe('one');
  await remote.release(task?.task_id ?? 0, task?.lease_token ?? '');

  await warned;
  expect(stderr).toContain('its 1 task(s) wait. Start one (mittelo agent --backend faraway) or press Ctrl-C to cancel the run');
  child.kill('SIGINT');
  expect(await exited).toBe(130);
  expect(stderr).toContain('cancelled 1 unfinished task(s)');
  expect(hub.queue.get(task?.task_id ?? 0).status).toBe('cancelled');
}, 40_000);

it('runs the waiting tasks in its own process when the remote agent of a backend it can run goes away', async () => {
  const hub = await startTestHub();
  cleanups.push(() => hub.stop());
  const remote = await connect(hub);
  cleanups.push(() => remote.close());
  const leasing = remote.lease({ worker_id: 'remote-agent', backends: ['echo'], wait_seconds: 30 });

  const child = spawn(process.execPath, [cliPath, 'run', '--no-embedded', '--port', String(hub.port), '--backend', 'echo', '--prompt', 'one', '--repeat', '2'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanups.push(() => void child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  // The remote agent takes one task, then gives it back and leaves: two tasks wait, nobody serves echo.
  const [task] = await leasing;
  expect(task).toBeDefined();
  await remote.release(task?.task_id ?? 0, task?.lease_token ?? '');

  expect(await exited, stderr).toBe(0);
  expect(stderr).toContain('no agent serves echo any more: its 2 waiting task(s) now run in this process');
  expect(stderr).not.toContain('Start one');
  expect(stderr).not.toContain('in-process agent for echo'); // none at the start: the remote one served it
  const runTasks = hub.queue.list({ backend: 'echo', limit: 0 });
  expect(runTasks.map((t) => [t.status, t.result]).sort()).toEqual([
    ['done', 'echo:one'],
    ['done', 'echo:one'],
  ]);
}, 40_000);
