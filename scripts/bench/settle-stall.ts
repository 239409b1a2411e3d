/**
 * The longest event-loop stall of the hub when a 30,000-task run settles (1,000 prompts × 3
 * backends × 10 repeats, compared with the run of its pack before it), measured in the process that
 * holds the hub's queue and runs (a 5 ms timer's longest gap between two of its callbacks) from the
 * last ack until the run is kept and read. Three ways, each on a fresh database file:
 *
 *   inline           before: the run's compare record, summary, pass counts and comparison are built
 *                    and kept on the hub's thread by the first read after it settled (run_summary).
 *   worker           now: built in the keeper's worker thread once the run settled; then the read.
 *   worker-read-now  now, with a read right after the last ack, before the worker is done (that read
 *                    still builds the run's record on the hub's thread; keeping and comparing do not).
 *
 *   node dist/scripts/bench/settle-stall.js [--prompts 1000] [--backends 3] [--repeats 10] [--modes inline,worker,worker-read-now]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { artifactSchema } from '../../core/queue/artifact.js';
import { TaskQueue } from '../../core/queue/queue.js';
import { RunService } from '../../core/runs/service.js';
import { keptWorkerScript, SettledKeeper } from '../../core/runs/settled-keeper.js';
import { watchSettling } from '../../core/runs/watch-settling.js';
import { openDatabase } from '../../core/store/database.js';
import { callMethod, type MethodContext } from '../../core/wire/methods.js';
import { benchArgs } from './bench-args.js';
import { BENCH_BACKENDS, benchRun, type BenchShape } from './compare-data.js';

type Mode = 'inline' | 'worker' | 'worker-summary-now' | 'worker-get-now';

const MODES: readonly Mode[] = ['inline', 'worker', 'worker-summary-now', 'worker-get-now'];
const values = benchArgs(
  { name: 'settle-stall', measures: "the hub's longest event-loop stall from a 30,000-task run's last ack until it is kept and read, before (inline) and now (worker)" },
  {
    prompts: { kind: 'number', default: 1000, help: 'prompts per run' },
    backends: { kind: 'number', default: 3, help: 'backends per run (at most 6)' },
    repeats: { kind: 'number', default: 10, help: 'tries per prompt and backend' },
    modes: { kind: 'text', default: MODES.join(','), help: `which ways, comma-separated, of ${MODES.join(', ')}` },
  },
);
const shape: BenchShape = { prompts: values.prompts, backends: BENCH_BACKENDS.slice(0, values.backends), repeats: values.repeats };
const modes = values.modes.split(',') as Mode[];
const unknownMode = modes.find((mode) => !MODES.includes(mode));
if (unknownMode !== undefined) {
  process.stderr.write(`bench settle-stall: --modes: unknown way ${JSON.stringify(unknownMode)} (one of ${MODES.join(', ')}); see --help\n`);
  process.exit(2);
}
const ACK_CHUNK = 1000;
const PROBE_MS = 5;

/** A timer that notes the longest gap between two of its callbacks: how long the event loop stalled. */
function stallProbe(): { stop(): { max_ms: number; gaps_over_50ms: number } } {
  let last = performance.now();
  let max = 0;
  let over50 = 0;
  const note = () => {
    const now = performance.now();
    const gap = now - last;
    max = Math.max(max, gap);
    if (gap > 50) over50++;
    last = now;
  };
  const timer = setInterval(note, PROBE_MS);
  return {
    stop() {
      note();
      clearInterval(timer);
      return { max_ms: Math.round(max), gaps_over_50ms: over50 };
    },
  };
}

interface Measured {
  mode: Mode;
  tasks: number;
  /** The longest the event loop could not run a callback, from the last ack until the run was kept and read. */
  max_stall_ms: number;
  /** How many times the loop stalled over 50 ms in that time. */
  stalls_over_50ms: number;
  /** From the last ack until the run's rows and its comparison were kept. */
  kept_after_ms: number;
  comparison_kept: boolean;
}

async function measure(mode: Mode): Promise<Measured> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mittelo-settle-stall-'));
  const dbPath = path.join(dir, 'hub.db');
  const db = openDatabase(dbPath);
  const queue = new TaskQueue(db, { leaseSeconds: 600 });
  const script = keptWorkerScript();
  if (mode !== 'inline' && !script) throw new Error('the kept-rows worker script is missing: run npm run build');
  const keeper = mode !== 'inline' && script ? new SettledKeeper({ dbPath, script, apply: (rows) => service.applyKept(rows), log: (line) => process.stderr.write(`${line}\n`) }) : undefined;
  const service = new RunService(db, queue, keeper ? { kind: 'deferred', keeper } : { kind: 'inline' });
  const stopWatching = keeper ? watchSettling(queue.events, service) : () => {};
  try {
    // The run before it, as kept when it settled.
    const a = benchRun('run-a', 'a', 1, { ...shape });
    service.import({ ...a, run: { ...a.run, pack_name: 'settle' } });
    await keeper?.idle();

    // The run that settles: created, leased and acked as agents do, in chunks (the loop runs between).
    const answers = benchRun('run-b', 'b', 2, { ...shape });
    const byKey = new Map(answers.tasks.map((t) => [`${t.prompt_id}/${t.backend}/${t.repeat_index}`, t]));
    const { run_id: b, task_ids } = service.create({
      pack_name: 'settle',
      preset: 'custom',
      backends: shape.backends,
      repeat: shape.repeats,
      entries: Array.from({ length: shape.prompts }, (_, p) => ({ id: `p${p}`, prompt: `prompt number ${p}`, expect: { contains: 'answer' } })),
      lock_state: null,
    });
    for (let left = task_ids.length; left > 0; ) {
      const leased = queue.lease({ worker_id: 'agent', max_tasks: ACK_CHUNK, backends: shape.backends });
      queue.batch(() => {
        for (const task of leased) {
          const meta = task.metadata as { prompt_id: string; repeat_index: number };
          const answer = byKey.get(`${meta.prompt_id}/${task.backend}/${meta.repeat_index}`);
          const artifact = artifactSchema.parse({ ...answer?.artifact, stdout: answer?.result ?? '', stderr: '' });
          queue.ack({ task_id: task.task_id, lease_token: task.lease_token, status: 'done', result: answer?.result ?? '', error: null, artifact });
        }
      });
      left -= leased.length;
      await new Promise((resolve) => setImmediate(resolve));
    }

    const probe = stallProbe();
    await sleep(4 * PROBE_MS);
    const settledAt = performance.now();
    let keptAfter = 0;
    const context: MethodContext = { queue, runs: service, requestShutdown: () => {} };
    const read = async (method: 'run_summary' | 'run_get') => callMethod(context, method, { run_id: b });
    if (mode === 'inline') {
      await new Promise((resolve) => setImmediate(resolve));
      await read('run_summary'); // the first read after it settled builds and keeps everything
      keptAfter = performance.now() - settledAt;
    } else {
      const kept = new Promise<void>((resolve) => keeper?.on('kept', (id: string) => id === b && resolve()));
      if (mode === 'worker-summary-now' || mode === 'worker-get-now') {
        await new Promise((resolve) => setImmediate(resolve));
        // The run is handed to the keeper when it settles (the settling watch waits a quiet moment).
        service.keepIfSettled(b);
        await read(mode === 'worker-get-now' ? 'run_get' : 'run_summary');
      }
      await kept;
      keptAfter = performance.now() - settledAt;
      await read('run_summary');
    }
    await sleep(200);
    const stall = probe.stop();
    const comparisonKept = (db.prepare('SELECT count(*) FROM comparisons WHERE run_b = ?').pluck().get(b) as number) === 1;
    return {
      mode,
      tasks: task_ids.length,
      max_stall_ms: stall.max_ms,
      stalls_over_50ms: stall.gaps_over_50ms,
      kept_after_ms: Math.round(keptAfter),
      comparison_kept: comparisonKept,
    };
  } finally {
    stopWatching();
    await keeper?.close();
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const results: Measured[] = [];
  for (const mode of modes) results.push(await measure(mode));
  process.stdout.write(`${JSON.stringify({ load_average: os.loadavg().map((l) => Math.round(l * 10) / 10), results }, null, 2)}\n`);
}

void main();
