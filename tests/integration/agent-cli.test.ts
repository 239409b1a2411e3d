/**
 * `mittelo agent` as a child process (the built CLI), where exit codes and signals matter: preflight
 * of missing CLIs, SIGTERM (finish, then kill and release), --once, --max-tasks, `name=N` caps and
 * the per-backend rate limit from mittelo.config.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HubClient } from '../../core/wire/client.js';
import { AgentProcess, BackendsDir, EventWatch, alive, maxOverlap, sleeperScript } from '../agent-helpers.js';
import { closedPort, connect, startTestHub, tempDir } from '../helpers.js';

let hub: Awaited<ReturnType<typeof startTestHub>>;
let client: HubClient;
let watch: EventWatch;
const backends = new BackendsDir();
const agents: AgentProcess[] = [];
const scratch = tempDir('mittelo-agent-cli-');

beforeAll(async () => {
  hub = await startTestHub({ leaseSeconds: 30 });
  client = await connect(hub);
  watch = await EventWatch.open(hub);
  backends.add('quick', sleeperScript(0.2));
  backends.add('paced', sleeperScript(0));
  // Says it started (live output), then sleeps in a child. On SIGINT it takes half a second to wind
  // down, as a CLI saving its session would; its pid lets the test see when it is gone.
  backends.add(
    'long',
    ['trap "sleep 0.5; exit 130" INT', 'prompt=$(cat)', 'echo "$$" > "$MITTELO_BACKEND_DIR/pid"', 'echo started', 'sleep 1.5', 'printf "finished:%s" "$prompt"'].join('\n'),
  );
});

afterEach(async () => {
  // A failed test must not leave an agent running into the next one.
  await Promise.all(agents.splice(0).map((a) => a.kill()));
});

afterAll(async () => {
  watch.close();
  client.close();
  await hub.stop();
  fs.rmSync(backends.dir, { recursive: true, force: true });
  fs.rmSync(scratch, { recursive: true, force: true });
});

function agent(args: string[], env: NodeJS.ProcessEnv = {}): AgentProcess {
  const started = AgentProcess.start(['--port', String(hub.port), '--wait-seconds', '1', ...args], { ...backends.env, ...env });
  agents.push(started);
  return started;
}

/** Until the `long` backend says it started task `id` (its live output); fails with the agent's stderr. */
async function untilStarted(proc: AgentProcess, id: number): Promise<void> {
  try {
    await watch.waitFor((e) => e.type === 'output' && e.task_id === id && e.text.includes('started'), 10_000, `task ${id} started`);
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}\nagent stderr:\n${proc.stderr}`, { cause: err });
  }
}

/** Tasks still queued and never leased, after everything else of the test is over. */
async function expectUntouched(ids: number[]): Promise<void> {
  for (const id of ids) {
    expect(await client.get(id)).toMatchObject({ status: 'queued', attempts: 0, worker_id: null });
    expect(watch.count((e) => e.type === 'leased' && e.task.task_id === id)).toBe(0);
    await client.cancel(id);
  }
}

describe('preflight', () => {
  function configWith(settings: object): string {
    const file = path.join(scratch, `config-${Math.random().toString(36).slice(2)}.json`);
    fs.writeFileSync(file, JSON.stringify({ backends: settings }));
    return file;
  }
  /** No vendor CLI anywhere: bare PATH, empty HOME, no login shell, an empty npm prefix. */
  const bareMachine = (): NodeJS.ProcessEnv => ({ PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: fs.mkdtempSync(path.join(scratch, 'home-')), SHELL: '', npm_config_prefix: fs.mkdtempSync(path.join(scratch, 'npm-')) });
  const cliInstalledSystemWide = ['/usr/local/bin/claude', '/opt/homebrew/bin/claude', '/usr/bin/claude', '/bin/claude'].some((f) => fs.existsSync(f));

  it('--require-ready exits non-zero with one clear line when the configured CLI path does not exist', async () => {
    const missing = path.join(scratch, 'nowhere', 'claude');
    const proc = agent(['--backend', 'claude_code', '--require-ready', '--config', configWith({ claude_code: { binary_path: missing } })]);
    const { code } = await proc.exit();
    expect(code).toBe(1);
    const last = proc.stderr.trim().split('\n').at(-1) ?? '';
    expect(last).toMatch(/^mittelo: backend claude_code is not ready \(--require-ready\): /);
    expect(last).toContain(missing);
  });

  it.skipIf(cliInstalledSystemWide)('--require-ready exits non-zero when the CLI is on no PATH or install place', async () => {
    const proc = agent(['--backend', 'claude_code', '--require-ready'], bareMachine());
    expect((await proc.exit()).code).toBe(1);
    expect(proc.stderr).toMatch(/mittelo: backend claude_code is not ready \(--require-ready\): claude not found on PATH/);
  });

  it.skipIf(cliInstalledSystemWide)('without --require-ready a backend that fails preflight is skipped and the others are served', async () => {
    const forClaude = await client.enqueue({ prompt: 'needs claude', backend: 'claude_code' });
    const forEcho = await client.enqueue({ prompt: 'hello', backend: 'echo' });
    const proc = agent(['--backend', 'claude_code', '--backend', 'echo', '--once'], bareMachine());
    expect((await proc.exit()).code).toBe(0);
    expect(proc.stderr).toMatch(/FAIL claude_code: not ready\n\s+claude not found on PATH/);
    expect(proc.stderr).toMatch(/not serving claude_code/);
    expect(await client.get(forEcho.task_id)).toMatchObject({ status: 'done', result: 'echo:hello' });
    await expectUntouched([forClaude.task_id]);
  });

  it('a folder backend whose run file is not executable fails preflight', async () => {
    const folder = backends.add('noexec', 'cat');
    fs.chmodSync(path.join(folder, 'run'), 0o644);
    const proc = agent(['--backend', 'noexec', '--require-ready']);
    expect((await proc.exit()).code).toBe(1);
    expect(proc.stderr).toMatch(/mittelo: backend noexec is not ready \(--require-ready\): .*not executable/);
  });

  it('with no backend left to serve it exits non-zero', async () => {
    const proc = agent(['--backend', 'claude_code', '--config', configWith({ claude_code: { binary_path: path.join(scratch, 'nope') } })]);
    expect((await proc.exit()).code).toBe(1);
    expect(proc.stderr).toMatch(/mittelo: no backend is ready to serve/);
  });
});

describe('stopping', () => {
  it('SIGTERM while the hub is not reachable yet exits 0 at once', async () => {
    const proc = AgentProcess.start(['--port', String(await closedPort()), '--backend', 'echo'], backends.env);
    agents.push(proc);
    await proc.waitForStderr(/retrying with backoff/);
    const stoppedAt = Date.now();
    proc.child.kill('SIGTERM');
    expect((await proc.exit(5000)).code).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(3000); // not after the backoff runs out; generous for a loaded CI machine
  });

  it('SIGTERM stops leasing, lets the running task finish and ack, and exits 0', async () => {
    const running = await client.enqueue({ prompt: 'one', backend: 'long' });
    const waiting = await client.enqueue({ prompt: 'two', backend: 'long' });
    const proc = agent(['--backend', 'long', '--lease-seconds', '30']);
    await untilStarted(proc, running.task_id);
    proc.child.kill('SIGTERM');
    const { code, signal } = await proc.exit();
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(await client.get(running.task_id)).toMatchObject({ status: 'done', result: 'started\nfinished:one', attempts: 1 });
    await expectUntouched([waiting.task_id]);
  });

  it('a second SIGTERM kills the running task and releases its lease: queued again, the attempt not counted', async () => {
    const { task_id } = await client.enqueue({ prompt: 'interrupted', backend: 'long' });
    const proc = agent(['--backend', 'long', '--lease-seconds', '30']);
    await untilStarted(proc, task_id);
    const pid = Number(fs.readFileSync(path.join(backends.dir, 'long', 'pid'), 'utf8'));
    proc.child.kill('SIGTERM');
    await proc.waitForStderr(/finishing running tasks/);
    // Evaluated as the event arrives: the lease must come back only once the process is gone.
    let aliveAtRelease: boolean | undefined;
    const released = watch.waitFor((e) => {
      if (e.type !== 'released' || e.task.task_id !== task_id) return false;
      aliveAtRelease ??= alive(pid);
      return true;
    }, 10_000, 'released');
    proc.child.kill('SIGTERM');
    const { code } = await proc.exit();
    expect(code).toBe(0);
    await released;
    expect(aliveAtRelease).toBe(false);
    expect(await client.get(task_id)).toMatchObject({ status: 'queued', attempts: 0, worker_id: null, result: null });
    expect(watch.count((e) => e.type === 'acked' && e.task.task_id === task_id)).toBe(0);
    await client.cancel(task_id);
  });
});

describe('how many tasks', () => {
  it('--once runs one lease round without waiting and exits 0', async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await client.enqueue({ prompt: `once${i}`, backend: 'quick' })).task_id);
    const proc = agent(['--backend', 'quick', '--once']);
    expect((await proc.exit()).code).toBe(0);
    expect(await client.get(ids[0] ?? 0)).toMatchObject({ status: 'done', result: 'done:once0' });
    await expectUntouched(ids.slice(1));
  });

  it('--once with no hub to talk to exits non-zero at once instead of waiting for one', async () => {
    const proc = AgentProcess.start(['--port', String(await closedPort()), '--backend', 'echo', '--once'], backends.env);
    agents.push(proc);
    const { code } = await proc.exit(5000);
    expect(code).toBe(1);
    expect(proc.stderr.trim().split('\n').at(-1)).toMatch(/^mittelo: hub unreachable at 127\.0\.0\.1:\d+: connection refused/);
  });

  it('--max-tasks exits 0 after that many tasks', async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await client.enqueue({ prompt: `max${i}`, backend: 'quick' })).task_id);
    const proc = agent(['--backend', 'quick', '--max-tasks', '2', '--json']);
    expect((await proc.exit()).code).toBe(0);
    expect(JSON.parse(proc.stdout.trim().split('\n').at(-1) ?? '{}')).toMatchObject({ done: 2, failed: 0, running: [] });
    for (const id of ids.slice(0, 2)) expect((await client.get(id)).status).toBe('done');
    await expectUntouched(ids.slice(2));
  });

  it('--max-tasks counts across backends: two backends leasing at once still run only that many', async () => {
    const a = await client.enqueue({ prompt: 'for quick', backend: 'quick' });
    const b = await client.enqueue({ prompt: 'for paced', backend: 'paced' });
    const proc = agent(['--backend', 'quick', '--backend', 'paced', '--max-tasks', '1', '--json']);
    expect((await proc.exit()).code).toBe(0);
    expect(JSON.parse(proc.stdout.trim().split('\n').at(-1) ?? '{}')).toMatchObject({ done: 1, running: [] });
    const states = [await client.get(a.task_id), await client.get(b.task_id)];
    expect(states.map((t) => t.status).sort()).toEqual(['done', 'queued']);
    const left = states.find((t) => t.status === 'queued');
    // A task leased beyond the budget was given back at once, its attempt not counted.
    expect(left).toMatchObject({ attempts: 0, worker_id: null });
    if (left) await client.cancel(left.task_id);
  });

  it('--backend name=2 runs at most 2 of 5 at once', async () => {
    for (let i = 0; i < 5; i++) await client.enqueue({ prompt: `cap${i}`, backend: 'quick' });
    const before = backends.log('quick').length;
    const proc = agent(['--backend', 'quick=2', '--max-tasks', '5']);
    expect((await proc.exit()).code).toBe(0);
    const log = backends.log('quick').slice(before);
    expect(log).toHaveLength(10);
    expect(maxOverlap(log)).toBe(2);
  });

  it('rate_per_minute from mittelo.config.json: only that many start within the minute, and SIGTERM still exits at once', async () => {
    const cwd = tempDir('mittelo-workspace-');
    fs.writeFileSync(path.join(cwd, 'mittelo.config.json'), JSON.stringify({ backends: { paced: { rate_per_minute: 2, concurrency: 3 } } }));
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push((await client.enqueue({ prompt: `rate${i}`, backend: 'paced' })).task_id);
    const proc = AgentProcess.start(['--port', String(hub.port), '--wait-seconds', '1', '--backend', 'paced'], backends.env, cwd);
    agents.push(proc);
    await watch.task(ids[0] ?? 0, 'done');
    await watch.task(ids[1] ?? 0, 'done');
    // Absence needs a window: the third would start right away without the limit.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const stoppedAt = Date.now();
    proc.child.kill('SIGTERM');
    expect((await proc.exit(5000)).code).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(4000); // not after the next 30 s rate slot
    await expectUntouched(ids.slice(2));
    fs.rmSync(cwd, { recursive: true, force: true });
  });
});
