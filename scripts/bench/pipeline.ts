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
 * The one-in-flight shape is driven by the Node generator (this process, `HubClient`), by the
 * compiled one (scripts/bench/loadgen.c, built with `cc` into a cache folder: it leaves the hub
 * the CPU a Node generator takes on a 2-core machine), or both (`--generator`, default both). With
 * no C compiler the compiled run falls back to Node, saying so. The pipelined shape is always Node.
 *
 *   node dist/scripts/bench/pipeline.js [--mode both|pipelined|one-in-flight] [--tasks 20000]
 *     [--generator both|node|compiled] [--producers 4] [--workers 8] [--batch 8] [--backlog 64]
 *     [--pipeline 16]
 */
import { HubClient } from '../../core/wire/client.js';
import { buildLoadgen, runLoadgen } from './compiled-loadgen.js';
import { percentile, processCpuSplit, processMemoryMiB, startBenchHub, type BenchHub } from './hub-process.js';
import { benchArgs } from './bench-args.js';

const MODES = ['pipelined', 'one-in-flight'] as const;
type Mode = (typeof MODES)[number];
const GENERATORS = ['node', 'compiled'] as const;
type Generator = (typeof GENERATORS)[number];
/** Long-poll of a worker's lease when the queue is empty (both generators). */
const WAIT_SECONDS = 0.5;

const values = benchArgs(
  { name: 'pipeline', measures: 'hub throughput over TCP (tasks/s), enqueue-to-ack latency, hub memory and CPU, pipelined and one-in-flight' },
  {
    mode: { kind: 'text', default: 'both', help: 'which shapes run', choices: ['both', ...MODES] },
    generator: { kind: 'text', default: 'both', help: 'load generator of the one-in-flight shape (compiled: loadgen.c)', choices: ['both', ...GENERATORS] },
    tasks: { kind: 'number', default: 20000, help: 'tasks per shape' },
    producers: { kind: 'number', default: 4, help: 'producer connections' },
    workers: { kind: 'number', default: 8, help: 'worker connections' },
    batch: { kind: 'number', default: 8, help: 'tasks a pipelined worker leases at once' },
    backlog: { kind: 'number', default: 64, help: 'at most this many tasks enqueued and not yet acked' },
    pipeline: { kind: 'number', default: 16, help: 'enqueues a pipelined producer keeps in flight' },
  },
);

interface Shape {
  mode: Mode;
  generator: Generator;
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

/** What a generator saw while it drove the hub. */
interface Drive {
  seconds: number;
  latency_ms: { p50: number; p95: number; p99: number; max: number };
  latency_samples: number;
  generator_cpu_seconds: number;
  /** Tasks the generator saw acked (or leased, for the compiled one) more than once. */
  twice: number;
  protocol_errors: number;
}

const ms = (value: number | undefined) => Number((value ?? NaN).toFixed(2));

/** The Node generator: HubClient connections in this process. */
async function driveWithNode(shape: Shape, hub: BenchHub, onStart: () => void): Promise<Drive> {
  const { tasks: TASKS, producers: PRODUCERS, workers: WORKERS, batch: BATCH, backlog: BACKLOG, pipeline: PIPELINE } = shape;
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

  onStart();
  const cpuBefore = process.cpuUsage();
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
      const tasks = await client.lease({ worker_id: `bench-${id}`, max_tasks: BATCH, wait_seconds: WAIT_SECONDS });
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
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  for (const c of [...producers, ...workers]) c.close();

  latencies.sort((a, b) => a - b);
  return {
    seconds,
    latency_ms: { p50: ms(percentile(latencies, 50)), p95: ms(percentile(latencies, 95)), p99: ms(percentile(latencies, 99)), max: ms(latencies[latencies.length - 1]) },
    latency_samples: latencies.length,
    generator_cpu_seconds: (cpu.user + cpu.system) / 1e6,
    twice: [...ackCount.values()].filter((n) => n > 1).length,
    protocol_errors: 0,
  };
}

/** The compiled generator (one-in-flight only): its own process, original-style requests. */
async function driveCompiled(shape: Shape, hub: BenchHub, binary: string, onStart: () => void): Promise<Drive> {
  const result = await runLoadgen(binary, { port: hub.port, tasks: shape.tasks, producers: shape.producers, workers: shape.workers, backlog: shape.backlog, waitSeconds: WAIT_SECONDS, onStart });
  const { p50, p95, p99, max } = result.latency_ms;
  return {
    seconds: result.seconds,
    latency_ms: { p50: ms(p50), p95: ms(p95), p99: ms(p99), max: ms(max) },
    latency_samples: result.acked,
    generator_cpu_seconds: result.cpu_seconds,
    twice: result.acked_twice + result.leased_twice,
    protocol_errors: result.protocol_errors,
  };
}

async function runShape(shape: Shape, binary: string | undefined) {
  const hub = await startBenchHub();
  const pid = hub.child.pid ?? 0;
  let hubCpuBefore = { user: 0, system: 0 };
  let peakHubRss = 0;
  const memoryProbe = setInterval(() => (peakHubRss = Math.max(peakHubRss, processMemoryMiB(pid).rss)), 100);
  const onStart = () => (hubCpuBefore = processCpuSplit(pid));
  const drive = binary === undefined ? await driveWithNode(shape, hub, onStart) : await driveCompiled(shape, hub, binary, onStart);
  const hubCpuAfter = processCpuSplit(pid);
  const hubUser = hubCpuAfter.user - hubCpuBefore.user;
  const hubSystem = hubCpuAfter.system - hubCpuBefore.system;
  const hubCpu = hubUser + hubSystem;
  clearInterval(memoryProbe);
  const hubMemory = processMemoryMiB(pid);

  // Verify through the hub itself: every task done exactly once, none lost.
  const check = await HubClient.connect({ host: '127.0.0.1', port: hub.port });
  const stats = await check.stats();
  const { tasks: all } = await check.list({ limit: 0 });
  check.close();
  await hub.stop();
  const notDone = all.filter((t) => t.status !== 'done').length;

  const TASKS = shape.tasks;
  const report = {
    mode: shape.mode,
    generator: shape.generator,
    tasks: TASKS,
    producers: shape.producers,
    workers: shape.workers,
    lease_batch: shape.batch,
    backlog: shape.backlog,
    producer_pipeline: shape.pipeline,
    latency_samples: drive.latency_samples,
    seconds: Number(drive.seconds.toFixed(3)),
    tasks_per_second: Math.round(TASKS / drive.seconds),
    latency_ms: drive.latency_ms,
    hub_rss_mib: { end: Number(hubMemory.rss.toFixed(1)), peak: Number(Math.max(peakHubRss, hubMemory.rss).toFixed(1)) },
    hub_cpu_percent: Math.round((hubCpu / drive.seconds) * 100),
    /** CPU the hub spent per task (user + system): what bounds its rate, and steadier than tasks/s on a busy machine. */
    hub_cpu_us_per_task: Math.round((hubCpu / TASKS) * 1e6),
    /** The same split: user space (JS, SQLite) and kernel (socket and WAL syscalls). */
    hub_cpu_us_per_task_user_system: [Math.round((hubUser / TASKS) * 1e6), Math.round((hubSystem / TASKS) * 1e6)],
    load_generator_cpu_percent: Math.round((drive.generator_cpu_seconds / drive.seconds) * 100),
    verified: { rows: all.length, done: stats.done, not_done: notDone, acked_twice: drive.twice, lost: TASKS - all.length, protocol_errors: drive.protocol_errors },
  };
  const ok = all.length === TASKS && notDone === 0 && drive.twice === 0 && drive.protocol_errors === 0;
  return { report, ok };
}

const common = {
  tasks: Number(values.tasks),
  producers: Number(values.producers),
  workers: Number(values.workers),
  backlog: Number(values.backlog),
};
const generators: Generator[] = values.generator === 'both' ? [...GENERATORS] : [values.generator as Generator];
let binary: string | undefined;
if (generators.includes('compiled')) {
  const built = buildLoadgen();
  if ('binary' in built) binary = built.binary;
  else console.error(`note: compiled load generator unavailable (${built.unavailable}); the Node generator runs instead`);
}
const shapes: Shape[] = [];
for (const mode of values.mode === 'both' ? MODES : [values.mode as Mode]) {
  if (mode === 'pipelined') {
    shapes.push({ mode, generator: 'node', ...common, batch: Number(values.batch), pipeline: Number(values.pipeline) });
    continue;
  }
  // Without a compiler, "both" is the Node run once, not twice.
  const chosen = binary === undefined ? (['node'] as const) : generators;
  for (const generator of chosen) shapes.push({ mode, generator, ...common, batch: 1, pipeline: 1 });
}
for (const shape of shapes) {
  const { report, ok } = await runShape(shape, shape.generator === 'compiled' ? binary : undefined);
  console.log(JSON.stringify(report, null, 2));
  if (!ok) {
    console.error(`VERIFICATION FAILED (${shape.mode}, ${shape.generator}): tasks lost, not done, done twice, or answered wrongly`);
    process.exitCode = 1;
  }
}
