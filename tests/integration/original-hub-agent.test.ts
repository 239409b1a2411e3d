/**
 * Our agent against the original mittelo hub (the stand-in in tests/fixtures/original-hub), over
 * real sockets: it finds out what the hub offers, works with the floor methods only, says once
 * which features are off, exits on --once and SIGTERM, and never leaves a task leased.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AgentProcess, BackendsDir, servedFolder, sleeperScript, startAgent as startInProcessAgent } from '../agent-helpers.js';
import { RawConnection, rawCall, tempDir } from '../helpers.js';
import { startOriginalHub, type OriginalHub } from '../original-helpers.js';

interface FloorTask {
  task_id: number;
  prompt: string;
  status: string;
  updated_at: number;
  leased_until: number | null;
  worker_id: string | null;
  result: string | null;
  error: string | null;
}

const hubs: OriginalHub[] = [];
const agents: AgentProcess[] = [];
afterEach(async () => {
  for (const agent of agents.splice(0)) await agent.kill();
  for (const hub of hubs.splice(0)) await hub.stop();
});

async function originalHub(): Promise<{ hub: OriginalHub; call: (method: string, params?: unknown) => Promise<Record<string, unknown>> }> {
  const hub = await startOriginalHub({ cwd: tempDir() });
  hubs.push(hub);
  let id = 0;
  return {
    hub,
    call: async (method, params) => {
      const conn = await RawConnection.open(hub.port);
      try {
        const answer = await rawCall(conn, ++id, method, params);
        if (answer.error) throw new Error(`${method}: ${JSON.stringify(answer.error)}`);
        return answer.result as Record<string, unknown>;
      } finally {
        conn.close();
      }
    },
  };
}

function startAgent(hub: OriginalHub, args: string[], env: NodeJS.ProcessEnv = {}): AgentProcess {
  const agent = AgentProcess.start(['--port', String(hub.port), '--worker-id', 'new-agent', '--no-preflight', ...args], env);
  agents.push(agent);
  return agent;
}

async function tasksOf(call: (method: string, params?: unknown) => Promise<Record<string, unknown>>): Promise<FloorTask[]> {
  return (await call('list', { status: null, limit: 0 })).tasks as FloorTask[];
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('our agent against the original hub', () => {
  it('--once leases with the floor methods, runs the tasks (no metadata: backend defaults), acks them and exits', async () => {
    const { hub, call } = await originalHub();
    for (const prompt of ['alpha', 'beta']) await call('enqueue', { prompt });
    const callsBefore = hub.calls().length;
    const agent = startAgent(hub, ['--backend', 'echo=2', '--once']);
    expect((await agent.exit(20_000)).code).toBe(0);
    const agentCalls = hub.calls().slice(callsBefore);
    const tasks = await tasksOf(call);
    expect(tasks.map((t) => [t.prompt, t.status, t.result, t.worker_id])).toEqual([
      ['beta', 'done', 'echo:beta', 'new-agent'],
      ['alpha', 'done', 'echo:alpha', 'new-agent'],
    ]);
    // It asked what the hub offers, and after the answer used only what the hub has.
    expect(agentCalls[0]).toBe('hello');
    expect(agentCalls.filter((m) => !['hello', 'lease', 'ack'].includes(m))).toEqual([]);
    expect(agentCalls.filter((m) => m === 'ack')).toHaveLength(2);
  });

  it('says once which features are off and how it falls back', async () => {
    const { hub } = await originalHub();
    const agent = startAgent(hub, ['--backend', 'echo', '--once', '--timeout', '90']);
    expect((await agent.exit(20_000)).code).toBe(0);
    const notices = agent.stderr.split('\n').filter((line) => line.includes('floor methods only'));
    expect(notices).toHaveLength(1);
    const notice = notices[0] ?? '';
    expect(notice).toContain(`the hub at 127.0.0.1:${hub.port} (an original mittelo hub: floor methods only)`);
    for (const off of ['no events: polling for work', 'no lease extension: leasing each task for its timeout', 'no task metadata: the backend\'s own settings apply', 'no live output', 'no artifacts']) {
      expect(notice).toContain(off);
    }
  });

  it('without extend it leases for the task timeout, so a long task keeps its lease without heartbeats', async () => {
    const { hub, call } = await originalHub();
    const backends = new BackendsDir();
    backends.add('slow', sleeperScript(1));
    await call('enqueue', { prompt: 'long one' });
    const agent = startAgent(hub, ['--backend', 'slow', '--once', '--timeout', '300', '--lease-seconds', '10'], backends.env);
    const leased = await waitFor('the task leased', async () => (await tasksOf(call)).find((t) => t.status === 'leased'));
    // The whole timeout (300 s) plus room to kill and ack, not the 10 s heartbeat lease.
    expect((leased.leased_until ?? 0) - leased.updated_at).toBeGreaterThanOrEqual(300);
    expect((await agent.exit(20_000)).code).toBe(0);
    expect((await tasksOf(call))[0]).toMatchObject({ status: 'done', result: 'done:long one' });
    expect(hub.calls()).not.toContain('extend');
  });

  it('a task that fails is acked failed with its reason, never left leased', async () => {
    const { hub, call } = await originalHub();
    const backends = new BackendsDir();
    backends.add('broken', 'cat >/dev/null\necho "broken on purpose" >&2\nexit 3');
    await call('enqueue', { prompt: 'doomed' });
    const agent = startAgent(hub, ['--backend', 'broken', '--once'], backends.env);
    expect((await agent.exit(20_000)).code).toBe(0);
    const [task] = await tasksOf(call);
    expect(task?.status).toBe('failed');
    expect(task?.error).toMatch(/broken on purpose|exit/);
    expect(task?.leased_until).toBeNull();
  });

  it('serving, it polls for new work (no events), and one SIGTERM when idle ends it promptly', async () => {
    const { hub, call } = await originalHub();
    const agent = startAgent(hub, ['--backend', 'echo']);
    await agent.waitForStderr(/floor methods only/);
    await call('enqueue', { prompt: 'arrives later' });
    const done = await waitFor('the task done', async () => (await tasksOf(call)).find((t) => t.status === 'done'));
    expect(done.result).toBe('echo:arrives later');
    agent.child.kill('SIGTERM');
    expect((await agent.exit(10_000)).code).toBe(0);
    expect(hub.calls()).not.toContain('subscribe');
  });

  it('a task whose run throws before it even starts is acked failed with the error, never left leased', async () => {
    const { hub, call } = await originalHub();
    await call('enqueue', { prompt: 'unlucky' });
    const backends = new BackendsDir();
    backends.add('upper', 'tr a-z A-Z');
    // Settings that blow up when the task reads them: what a task without metadata did before.
    const broken = Object.defineProperty(servedFolder(backends, 'upper'), 'options', {
      get: () => {
        throw new Error('options unreadable');
      },
    });
    const { finished } = startInProcessAgent({ address: { host: '127.0.0.1', port: hub.port }, backends: [broken], workerId: 'w', leaseSeconds: 30, once: true });
    await finished;
    const [task] = await tasksOf(call);
    expect(task).toMatchObject({ status: 'failed', error: 'crashed: running the task failed: options unreadable', leased_until: null });
  });

  it('a second SIGTERM while a task runs kills it and acks it failed (the hub cannot take a task back), never leaving it leased', async () => {
    const { hub, call } = await originalHub();
    const backends = new BackendsDir();
    backends.add('slow', sleeperScript(30));
    await call('enqueue', { prompt: 'stopped midway' });
    const agent = startAgent(hub, ['--backend', 'slow'], backends.env);
    await waitFor('the task started', async () => (backends.log('slow').length > 0 ? true : undefined));
    agent.child.kill('SIGTERM');
    await agent.waitForStderr(/finishing running tasks/);
    agent.child.kill('SIGTERM');
    expect((await agent.exit(20_000)).code).toBe(0);
    const [task] = await tasksOf(call);
    expect(task?.status).toBe('failed');
    expect(task?.error).toContain('stopped: the agent was stopped before the task finished');
    expect(hub.calls()).not.toContain('release');
  });

  it('serving two backends, it cannot route: it serves every task with the first and says so', async () => {
    const { hub, call } = await originalHub();
    const backends = new BackendsDir();
    backends.add('upper', 'tr a-z A-Z');
    await call('enqueue', { prompt: 'route me' });
    const agent = startAgent(hub, ['--backend', 'upper', '--backend', 'echo', '--once'], backends.env);
    expect((await agent.exit(20_000)).code).toBe(0);
    expect(agent.stderr).toContain('no routing: every task runs on upper; not serving echo');
    expect((await tasksOf(call))[0]).toMatchObject({ status: 'done', result: 'ROUTE ME' });
  });
});
