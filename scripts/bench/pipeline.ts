/**
 * End-to-end pipeline benchmark over TCP: producers enqueue, workers lease (long-poll) and ack,
 * against a hub child process. Reports tasks/s, enqueue→ack latency percentiles, hub RSS and CPU,
 * the load generator's CPU, and verifies every task was done exactly once.
 *
 *   node dist/scripts/bench/pipeline.js [--tasks 20000] [--producers 4] [--workers 8] [--batch 8] [--backlog 64] [--pipeline 16]
 */
import { parseArgs } from 'node:util';
import { HubClient } from '../../core/wire/client.js';
import { percentile, processCpuSeconds, processMemoryMiB, startBenchHub } from './hub-process.js';

const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '20000' },
    producers: { type: 'string', default: '4' },
    workers: { type: 'string', default: '8' },
    batch: { type: 'string', default: '8' },
    backlog: { type: 'string', default: '64' },
    pipeline: { type: 'string', default: '16' },
  },
});
const TASKS = Number(values.tasks);
const PRODUCERS = Number(values.producers);
const WORKERS = Number(values.workers);
const BATCH = Number(values.batch);
/** Producers hold back once this many tasks are enqueued but not yet acked (a closed loop). */
const BACKLOG = Number(values.backlog);
/** Enqueues a producer keeps in flight on its connection (pipelined, as a real client batching a pack would). */
const PIPELINE = Number(values.pipeline);

const hub = await startBenchHub();
const address = { host: '127.0.0.1', port: hub.port };
/** Keyed by prompt, which is unique: an ack may come back before its enqueue's answer is read. */
const sentAt = new Map<string, number>();
const latencies: number[] = [];
const ackCount = new Map<number, number>();
let enqueued = 0;
let acked = 0;
let backlogWaiters: (() => void)[] = [];

const producers = await Promise.all(Array.from({ length: PRODUCERS }, () => HubClient.connect(address)));
const workers = await Promise.all(Array.from({ length: WORKERS }, () => HubClient.connect(address)));

const cpuBefore = process.cpuUsage();
const hubCpuBefore = processCpuSeconds(hub.port && hub.child.pid ? hub.child.pid : 0);
let peakHubRss = 0;
const memoryProbe = setInterval(() => (peakHubRss = Math.max(peakHubRss, processMemoryMiB(hub.child.pid ?? 0).rss)), 100);
const started = performance.now();

async function produce(client: HubClient, producer: number, share: number): Promise<void> {
  const inFlight = new Set<Promise<unknown>>();
  for (let i = 0; i < share; i++) {
    while (enqueued - acked >= BACKLOG) await new Promise<void>((resolve) => backlogWaiters.push(resolve));
    enqueued++;
    const prompt = `bench task ${producer}-${i}`;
    sentAt.set(prompt, performance.now());
    const request = client.enqueue({ prompt }).finally(() => inFlight.delete(request));
    inFlight.add(request);
    if (inFlight.size >= PIPELINE) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
}

async function work(client: HubClient, id: number): Promise<void> {
  while (acked < TASKS) {
    const tasks = await client.lease({ worker_id: `bench-${id}`, max_tasks: BATCH, wait_seconds: 0.5 });
    await Promise.all(
      tasks.map(async (task) => {
        await client.ack({ task_id: task.task_id, status: 'done', result: `echo:${task.prompt}`, lease_token: task.lease_token });
        const now = performance.now();
        const sent = sentAt.get(task.prompt);
        if (sent !== undefined) latencies.push(now - sent);
        ackCount.set(task.task_id, (ackCount.get(task.task_id) ?? 0) + 1);
        acked++;
        const waiting = backlogWaiters;
        backlogWaiters = [];
        for (const wake of waiting) wake();
      }),
    );
  }
}

const shares = Array.from({ length: PRODUCERS }, (_, i) => Math.floor(TASKS / PRODUCERS) + (i < TASKS % PRODUCERS ? 1 : 0));
await Promise.all([...producers.map((c, i) => produce(c, i, shares[i] ?? 0)), ...workers.map((c, i) => work(c, i))]);
const elapsedSeconds = (performance.now() - started) / 1000;
clearInterval(memoryProbe);
const cpu = process.cpuUsage(cpuBefore);
const hubCpu = processCpuSeconds(hub.child.pid ?? 0) - hubCpuBefore;
const hubMemory = processMemoryMiB(hub.child.pid ?? 0);

// Verify through the hub itself: every task done exactly once, none lost.
const check = await HubClient.connect(address);
const stats = await check.stats();
const { tasks: all } = await check.list({ limit: 0 });
check.close();
const duplicates = [...ackCount.values()].filter((n) => n > 1).length;
const notDone = all.filter((t) => t.status !== 'done').length;

for (const c of [...producers, ...workers]) c.close();
await hub.stop();

latencies.sort((a, b) => a - b);
const report = {
  tasks: TASKS,
  producers: PRODUCERS,
  workers: WORKERS,
  lease_batch: BATCH,
  backlog: BACKLOG,
  producer_pipeline: PIPELINE,
  latency_samples: latencies.length,
  seconds: Number(elapsedSeconds.toFixed(3)),
  tasks_per_second: Math.round(TASKS / elapsedSeconds),
  latency_ms: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] },
  hub_rss_mib: { end: Number(hubMemory.rss.toFixed(1)), peak: Number(Math.max(peakHubRss, hubMemory.rss).toFixed(1)) },
  hub_cpu_percent: Math.round((hubCpu / elapsedSeconds) * 100),
  load_generator_cpu_percent: Math.round(((cpu.user + cpu.system) / 1e6 / elapsedSeconds) * 100),
  verified: { rows: all.length, done: stats.done, not_done: notDone, acked_twice: duplicates, lost: TASKS - all.length },
};
for (const key of ['p50', 'p95', 'p99', 'max'] as const) report.latency_ms[key] = Number((report.latency_ms[key] ?? NaN).toFixed(2));
console.log(JSON.stringify(report, null, 2));
const ok = all.length === TASKS && notDone === 0 && duplicates === 0;
if (!ok) {
  console.error('VERIFICATION FAILED: tasks lost, not done, or done twice');
  process.exitCode = 1;
}
