/**
 * Agent benchmarks against a hub child process:
 * 1. overhead: per-task time of a trivial folder backend run through hub + agent (lease → spawn →
 *    ack, one task at a time, the queue already full) against spawning the same script directly,
 *    one after another (target ≤ 1.5×); with the same script through execa alone and through the
 *    runner alone, to show where the difference goes;
 * 2. echo throughput: tasks/s through hub + one `mittelo agent --backend echo=N` process (target
 *    ≥ 2,000 tasks/s), every task verified done with the right answer.
 *
 *   node dist/scripts/bench/agent.js [--spawns 200] [--echo-tasks 20000] [--echo-concurrency 64]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { HubClient } from '../../core/wire/client.js';
import { runProcess } from '../../drivers/run/runner.js';
import { processCpuSeconds, startBenchHub } from './hub-process.js';
import { benchArgs } from './bench-args.js';

const values = benchArgs(
  { name: 'agent', measures: 'hub + agent overhead per task against spawning the script directly, and echo throughput through one agent process (tasks/s)' },
  {
    spawns: { kind: 'number', default: 200, help: 'tasks (and direct spawns) timed for the overhead' },
    'echo-tasks': { kind: 'number', default: 20000, help: 'tasks for the echo throughput' },
    'echo-concurrency': { kind: 'number', default: 64, help: 'echo tasks the agent runs at once' },
  },
);
const SPAWNS = Number(values.spawns);
const ECHO_TASKS = Number(values['echo-tasks']);
const ECHO_CONCURRENCY = Number(values['echo-concurrency']);
const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'core', 'cli', 'main.js');

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mittelo-bench-agent-'));
const backendsDir = path.join(work, 'backends');
const runPath = path.join(backendsDir, 'trivial', 'run');
fs.mkdirSync(path.dirname(runPath), { recursive: true });
fs.writeFileSync(runPath, '#!/bin/sh\ncat\n', { mode: 0o755 });

/** The baseline: the same script, prompt on stdin, spawned directly one after another. */
async function bareSpawnMs(): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < SPAWNS; i++) {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(runPath, [], { stdio: ['pipe', 'pipe', 'pipe'] });
      child.stdout.resume();
      child.stderr.resume();
      child.once('error', reject);
      child.once('close', () => resolve());
      child.stdin.end(`prompt ${i}`);
    });
  }
  return (performance.now() - started) / SPAWNS;
}

/** The same script through execa alone, with the options the runner uses (own process group, streams read by us). */
async function execaSpawnMs(): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < SPAWNS; i++) {
    const child = execa(runPath, [], { stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', encoding: 'buffer', buffer: false, reject: false, detached: true });
    child.stdout.resume();
    child.stderr.resume();
    child.stdin.end(`prompt ${i}`);
    await child;
  }
  return (performance.now() - started) / SPAWNS;
}

/** The same script through the runner (execa + process group, env allowlist, capture, redaction), no hub. */
async function runnerSpawnMs(): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < SPAWNS; i++) await runProcess({ command: runPath, args: [], stdin: `prompt ${i}` });
  return (performance.now() - started) / SPAWNS;
}

function startAgent(port: number, backend: string, extra: string[] = []): { stop: () => Promise<void>; pid: number } {
  const child = spawn(process.execPath, [cli, 'agent', '--backend', backend, '--port', String(port), '--quiet', '--wait-seconds', '1', ...extra], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, MITTELO_BACKENDS_DIR: backendsDir },
  });
  return {
    pid: child.pid ?? 0,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Counts acked tasks from the hub's event stream: waiting costs no polling delay. */
async function ackCounter(client: HubClient): Promise<(total: number) => Promise<void>> {
  let acked = 0;
  let waiter: { total: number; resolve: () => void } | undefined;
  await client.subscribe(() => {
    acked++;
    if (waiter && acked >= waiter.total) waiter.resolve();
  }, ['acked']);
  return (total) =>
    acked >= total ? Promise.resolve() : new Promise<void>((resolve) => (waiter = { total, resolve }));
}

async function throughAgentMs(): Promise<{ perTaskMs: number; failed: number }> {
  const hub = await startBenchHub();
  const client = await HubClient.connect({ host: '127.0.0.1', port: hub.port });
  const events = await HubClient.connect({ host: '127.0.0.1', port: hub.port });
  const waitAllDone = await ackCounter(events);
  const agent = startAgent(hub.port, 'trivial');
  // Warm up: the agent's preflight and first lease are not part of the per-task cost.
  await client.enqueue({ prompt: 'warm up', backend: 'trivial' });
  await waitAllDone(1);
  // Then the agent (one task at a time) goes lease → spawn → ack through a queue of SPAWNS tasks,
  // timed from the first enqueue to the last ack.
  const started = performance.now();
  for (let i = 0; i < SPAWNS; i++) await client.enqueue({ prompt: `prompt ${i}`, backend: 'trivial' });
  await waitAllDone(SPAWNS + 1);
  const perTaskMs = (performance.now() - started) / SPAWNS;
  const stats = await client.stats();
  client.close();
  events.close();
  await agent.stop();
  await hub.stop();
  return { perTaskMs, failed: stats.failed };
}

async function echoThroughput(): Promise<Record<string, unknown>> {
  const hub = await startBenchHub();
  const client = await HubClient.connect({ host: '127.0.0.1', port: hub.port });
  const events = await HubClient.connect({ host: '127.0.0.1', port: hub.port });
  const waitAllDone = await ackCounter(events);
  const agent = startAgent(hub.port, `echo=${ECHO_CONCURRENCY}`);
  await client.enqueue({ prompt: 'warm up', backend: 'echo' });
  await waitAllDone(1);
  const hubCpuBefore = processCpuSeconds(hub.child.pid ?? 0);
  const agentCpuBefore = processCpuSeconds(agent.pid);
  const started = performance.now();
  const inFlight = new Set<Promise<unknown>>();
  for (let i = 0; i < ECHO_TASKS; i++) {
    const request = client.enqueue({ prompt: `p${i}`, backend: 'echo' }).finally(() => inFlight.delete(request));
    inFlight.add(request);
    if (inFlight.size >= 256) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  await waitAllDone(ECHO_TASKS + 1);
  const seconds = (performance.now() - started) / 1000;
  const hubCpu = processCpuSeconds(hub.child.pid ?? 0) - hubCpuBefore;
  const agentCpu = processCpuSeconds(agent.pid) - agentCpuBefore;
  const { tasks } = await client.list({ limit: 0 });
  const wrong = tasks.filter((t) => t.status !== 'done' || t.result !== `echo:${t.prompt}`).length;
  client.close();
  events.close();
  await agent.stop();
  await hub.stop();
  return {
    tasks: ECHO_TASKS,
    agent_concurrency: ECHO_CONCURRENCY,
    seconds: Number(seconds.toFixed(2)),
    tasks_per_second: Math.round(ECHO_TASKS / seconds),
    hub_cpu_percent: Math.round((hubCpu / seconds) * 100),
    agent_cpu_percent: Math.round((agentCpu / seconds) * 100),
    wrong_or_not_done: wrong,
  };
}

const bare = await bareSpawnMs();
const viaExeca = await execaSpawnMs();
const viaRunner = await runnerSpawnMs();
const viaAgent = await throughAgentMs();
const echo = await echoThroughput();
fs.rmSync(work, { recursive: true, force: true });
const report = {
  overhead: {
    spawns: SPAWNS,
    bare_spawn_ms: Number(bare.toFixed(2)),
    // Where the difference goes: execa alone, then the runner, then hub + agent.
    execa_ms: Number(viaExeca.toFixed(2)),
    runner_ms: Number(viaRunner.toFixed(2)),
    hub_agent_ms_per_task: Number(viaAgent.perTaskMs.toFixed(2)),
    ratio: Number((viaAgent.perTaskMs / bare).toFixed(2)),
    failed: viaAgent.failed,
  },
  echo,
};
console.log(JSON.stringify(report, null, 2));
if (viaAgent.failed > 0 || echo.wrong_or_not_done !== 0) {
  console.error('VERIFICATION FAILED: some tasks failed or answered wrongly');
  process.exitCode = 1;
}
