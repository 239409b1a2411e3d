/**
 * Compare benchmark: two runs of 1,000 prompts × 3 backends × 10 repeats (30,000 tasks a side)
 * with realistic answers (a few sentences, repeats that vary a word or two, some prompts that
 * changed or fail more in B), compared end to end (pairs, per-prompt verdicts, similarity, gate)
 * and serialised as the app receives it. Prints JSON; exits non-zero when the median misses the target.
 *
 *   node dist/scripts/bench/compare.js [--prompts 1000] [--backends 3] [--repeats 10] [--runs 5] [--target-ms 2000]
 */
import { compareRuns } from '../../core/compare/compare.js';
import { BENCH_BACKENDS, benchRun } from './compare-data.js';
import { percentile } from './hub-process.js';
import { benchArgs } from './bench-args.js';

const values = benchArgs(
  { name: 'compare', measures: '`compare` of two runs (prompts × backends × repeats a side) end to end, median wall time against a target' },
  {
    prompts: { kind: 'number', default: 1000, help: 'prompts per run' },
    backends: { kind: 'number', default: 3, help: 'backends per run (at most 6)' },
    repeats: { kind: 'number', default: 10, help: 'tries per prompt and backend' },
    runs: { kind: 'number', default: 5, help: 'timed comparisons' },
    'target-ms': { kind: 'number', default: 2000, help: 'the median must stay under this' },
    out: { kind: 'text', default: '', help: 'write the two runs as JSON to this file (for the matrix view benchmark)' },
  },
);
const shape = { prompts: Number(values.prompts), backends: BENCH_BACKENDS.slice(0, Number(values.backends)), repeats: Number(values.repeats) };
const RUNS = Number(values.runs);
const TARGET_MS = Number(values['target-ms']);

async function main(): Promise<void> {
  const a = benchRun('run-a', 'a', 1, shape);
  const b = benchRun('run-b', 'b', 2, shape);
  if (values.out) {
    const fs = await import('node:fs');
    fs.writeFileSync(values.out, JSON.stringify({ a, b }));
  }
  const times: number[] = [];
  const jsonTimes: number[] = [];
  const cpuTimes: number[] = [];
  let verdicts: unknown = null;
  let gate: unknown = null;
  for (let i = 0; i < RUNS; i++) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    const comparison = compareRuns(a, b);
    const compared = performance.now();
    const bytes = JSON.stringify(comparison).length;
    const end = performance.now();
    const used = process.cpuUsage(cpu);
    cpuTimes.push((used.user + used.system) / 1000);
    times.push(end - start);
    jsonTimes.push(end - compared);
    verdicts = comparison.summary.verdicts;
    gate = { pass: comparison.gate.pass, failures: comparison.gate.failures.length, json_mb: Math.round(bytes / 1e5) / 10 };
  }
  times.sort((x, y) => x - y);
  jsonTimes.sort((x, y) => x - y);
  cpuTimes.sort((x, y) => x - y);
  const median = percentile(times, 50);
  const result = {
    tasks_per_side: a.tasks.length,
    runs: RUNS,
    median_ms: Math.round(median),
    max_ms: Math.round(times[times.length - 1] ?? 0),
    json_median_ms: Math.round(percentile(jsonTimes, 50)),
    /** CPU time of this process (GC threads included), less sensitive to a loaded machine than wall time. */
    cpu_median_ms: Math.round(percentile(cpuTimes, 50)),
    target_ms: TARGET_MS,
    met: median <= TARGET_MS,
    verdicts,
    gate,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (!result.met) process.exitCode = 1;
}

void main();
