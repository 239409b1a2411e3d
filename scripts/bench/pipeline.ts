/**
 * End-to-end pipeline benchmark over TCP: producers enqueue, workers lease (long-poll) and ack,
 * against a hub child process. Reports tasks/s, enqueue→ack latency percentiles, hub RSS and CPU
 * (also per task), the load generator's CPU, and verifies every task was done exactly once.
 *
 * Two shapes, both run by default (`--mode both`), each against a fresh hub:
 * - `pipelined`: producers keep `--pipeline` enqueues in flight, workers lease up to `--batch`.
 * - `one-in-flight`: original-style clients: a producer sends one enqueue and waits for its
 *   answer, a worker leases one task and acks it, waiting for each answer.
 *
 *   node dist/scripts/bench/pipeline.js [--mode both|pipelined|one-in-flight] [--tasks 20000]
 *     [--producers 4] [--workers 8] [--batch 8] [--backlog 64] [--pipeline 16]
 */
import { parseArgs } from 'node:util';
import { HubClient } from '../../core/wire/client.js';
import { percentile, processCpuSeconds, processMemoryMiB, startBenchHub } from './hub-process.js';

const MODES = ['pipelined', 'one-in-flight'] as const;
type Mode = (typeof MODES)[number];

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'both' },
    tasks: { type: 'string', default: '20000' },
    producers: { type: 'string', default: '4' },
    workers: { type: 'string', default: '8' },
    batch: { type: 'string', default: '8' },
    backlog: { type: 'string', default: '64' },
    pipeline: { type: 'string', default: '16' },
  },
});
if (values.mode !== 'both' && !MODES.includes(values.mode as Mode)) {
  console.error(`--mode must be both, pipelined or one-in-flight (got ${values.mode})`);
  process.exit(2);
}

interface Shape {
  mode: Mode;
  tasks: number;
  producers: number;
  workers: number;
  /** Tasks a worker leases at once. */
  batch: number;
  /** Producers hold back once this many tasks are enqueued but not yet acked (a closed loop). */
  backlog: number;
  /** Enqueues a producer keeps in flight on its connection (pipelined, as a real client batching a pack would). */
  pipeline: number;
}

async function runShape(shape: Shape) {
  const { tasks: TASKS, producers: PRODUCERS, workers: WORKERS, batch: BATCH, backlog: BACKLOG, pipeline: PIPELINE } = shape;
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
  const hubCpuBefore = processCpuSeconds(hub.child.pid ?? 0);
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
      // One in flight: each ack waits for the previous one's answer.
      const ackOne = async (task: (typeof tasks)[number]) => {
        await client.ack({ task_id: task.task_id, status: 'done', result: `echo:${task.prompt}`, lease_token: task.lease_token });
        const now = performance.now();
        const sent = sentAt.get(task.prompt);
        if (sent !== undefined) latencies.push(now - sent);
        ackCount.set(task.task_id, (ackCount.get(task.task_id) ?? 0) + 1);
        acked++;
        const waiting = backlogWaiters;
        backlogWaiters = [];
        for (const wake of waiting) wake();
      };
      if (shape.mode === 'one-in-flight') for (const task of tasks) await ackOne(task);
      else await Promise.all(tasks.map(ackOne));
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
  const ms = (value: number | undefined) => Number((value ?? NaN).toFixed(2));
  const report = {
    mode: shape.mode,
    tasks: TASKS,
    producers: PRODUCERS,
    workers: WORKERS,
    lease_batch: BATCH,
    backlog: BACKLOG,
    producer_pipeline: PIPELINE,
    latency_samples: latencies.length,
    seconds: Number(elapsedSeconds.toFixed(3)),
    tasks_per_second: Math.round(TASKS / elapsedSeconds),
    latency_ms: { p50: ms(percentile(latencies, 50)), p95: ms(percentile(latencies, 95)), p99: ms(percentile(latencies, 99)), max: ms(latencies[latencies.length - 1]) },
    hub_rss_mib: { end: Number(hubMemory.rss.toFixed(1)), peak: Number(Math.max(peakHubRss, hubMemory.rss).toFixed(1)) },
    hub_cpu_percent: Math.round((hubCpu / elapsedSeconds) * 100),
    /** CPU the hub spent per task (user + system): what bounds its rate, and steadier than tasks/s on a busy machine. */
    hub_cpu_us_per_task: Math.round((hubCpu / TASKS) * 1e6),
    load_generator_cpu_percent: Math.round(((cpu.user + cpu.system) / 1e6 / elapsedSeconds) * 100),
    verified: { rows: all.length, done: stats.done, not_done: notDone, acked_twice: duplicates, lost: TASKS - all.length },
  };
  const ok = all.length === TASKS && notDone === 0 && duplicates === 0;
  return { report, ok };
}

const common = {
  tasks: Number(values.tasks),
  producers: Number(values.producers),
  workers: Number(values.workers),
  backlog: Number(values.backlog),
};
const shapes: Shape[] = (values.mode === 'both' ? MODES : [values.mode as Mode]).map((mode) =>
  mode === 'pipelined'
    ? { mode, ...common, batch: Number(values.batch), pipeline: Number(values.pipeline) }
    : { mode, ...common, batch: 1, pipeline: 1 },
);
for (const shape of shapes) {
  const { report, ok } = await runShape(shape);
  console.log(JSON.stringify(report, null, 2));
  if (!ok) {
    console.error(`VERIFICATION FAILED (${shape.mode}): tasks lost, not done, or done twice`);
    process.exitCode = 1;
  }
}
