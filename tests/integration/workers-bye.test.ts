/**
 * An agent that stops says `bye`, so the hub no longer lists it: a finished agent (a run's
 * in-process agent, `--max-tasks`) is not shown as a lost one. An agent that vanishes without a
 * word stays listed, as before. Real `mittelo agent` processes against a real hub.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubClient } from '../../core/wire/client.js';
import { AgentProcess } from '../agent-helpers.js';
import { connect, startTestHub } from '../helpers.js';

let hub: Awaited<ReturnType<typeof startTestHub>>;
let client: HubClient;

beforeAll(async () => {
  hub = await startTestHub({ leaseSeconds: 30 });
  client = await connect(hub);
});

afterAll(async () => {
  client.close();
  await hub.stop();
});

const workers = async () => (await client.call('workers')).workers.map((w) => w.worker_id);

describe('bye', () => {
  it('an agent that ends after --max-tasks is no longer listed', async () => {
    await client.enqueue({ prompt: 'one', backend: 'echo' });
    const agent = AgentProcess.start(['--port', String(hub.port), '--backend', 'echo', '--worker-id', 'finishes-bye', '--max-tasks', '1', '--wait-seconds', '1']);
    const { code } = await agent.exit(30_000);
    expect(code, agent.stderr).toBe(0);
    expect(await workers()).not.toContain('finishes-bye');
  });

  it('a worker that vanishes without bye stays listed; bye removes it and a later lease brings it back', async () => {
    await client.call('lease', { worker_id: 'vanishes', max_tasks: 1, backends: ['nobody_b'] });
    expect(await workers()).toContain('vanishes');
    expect(await client.call('bye', { worker_id: 'vanishes' })).toEqual({ ok: true, known: true });
    expect(await workers()).not.toContain('vanishes');
    expect(await client.call('bye', { worker_id: 'vanishes' })).toEqual({ ok: true, known: false });
    await client.call('lease', { worker_id: 'vanishes', max_tasks: 1, backends: ['nobody_b'] });
    expect(await workers()).toContain('vanishes');
  });

  it('the end of a long poll that was waiting when bye came does not bring the worker back', async () => {
    const poller = await connect(hub);
    const waiting = poller.call('lease', { worker_id: 'polls', max_tasks: 1, backends: ['nobody_c'], wait_seconds: 1 });
    await expect.poll(async () => (await client.call('workers')).workers.find((w) => w.worker_id === 'polls')?.waiting).toBe(true);
    await client.call('bye', { worker_id: 'polls' });
    await waiting;
    expect(await workers()).not.toContain('polls');
    poller.close();
  });
});
