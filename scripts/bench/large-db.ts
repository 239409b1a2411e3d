/**
 * `list` (50 newest) and `stats` latency over TCP with a large database (default 1,000,000 tasks in
 * a realistic status mix), plus the hub's start time on that database.
 *
 *   node dist/scripts/bench/large-db.js [--tasks 1000000] [--repeat 500]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../core/store/database.js';
import { HubClient } from '../../core/wire/client.js';
import { percentile, processMemoryMiB, startBenchHub } from './hub-process.js';
import { benchArgs } from './bench-args.js';

const values = benchArgs(
  { name: 'large-db', measures: '`list` (50 newest) and `stats` latency over TCP on a large database, and the hub start time on it' },
  {
    tasks: { kind: 'number', default: 1000000, help: 'tasks in the database' },
    repeat: { kind: 'number', default: 500, help: 'timed calls of each method' },
  },
);
const TASKS = Number(values.tasks);
const REPEAT = Number(values.repeat);

const dbPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mittelo-bench-large-')), 'large.db');
const fillStarted = performance.now();
const db = openDatabase(dbPath);
// Bulk fill in SQL: 80% done, 10% failed, 5% cancelled, 5% queued, a few routed to backends.
db.prepare(
  `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
   INSERT INTO tasks (prompt, status, priority, backend, result, error, created_at, updated_at)
   SELECT 'prompt number ' || i,
          CASE WHEN i % 20 < 16 THEN 'done' WHEN i % 20 < 18 THEN 'failed' WHEN i % 20 = 18 THEN 'cancelled' ELSE 'queued' END,
          0,
          CASE i % 3 WHEN 0 THEN 'echo' WHEN 1 THEN 'claude_code' ELSE NULL END,
          CASE WHEN i % 20 < 16 THEN 'answer ' || i END,
          CASE WHEN i % 20 IN (16, 17) THEN 'failed ' || i END,
          1.7e9 + i, 1.7e9 + i
   FROM n`,
).run(TASKS);
db.close();
const fillSeconds = (performance.now() - fillStarted) / 1000;

const startBegan = performance.now();
const hub = await startBenchHub(dbPath);
const hubStartMs = performance.now() - startBegan;
const client = await HubClient.connect({ host: '127.0.0.1', port: hub.port });

async function time(fn: () => Promise<unknown>): Promise<{ p50: number; p99: number; max: number }> {
  for (let i = 0; i < 20; i++) await fn(); // warm up
  const samples: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  const round = (x: number | undefined) => Number((x ?? NaN).toFixed(3));
  return { p50: round(percentile(samples, 50)), p99: round(percentile(samples, 99)), max: round(samples[samples.length - 1]) };
}

const stats = await client.stats();
const report = {
  tasks: TASKS,
  fill_seconds: Number(fillSeconds.toFixed(1)),
  hub_start_ms: Math.round(hubStartMs),
  stats,
  round_trip_ms: {
    list_50_newest: await time(() => client.list({ limit: 50 })),
    list_50_failed: await time(() => client.list({ limit: 50, status: 'failed' })),
    list_50_backend: await time(() => client.list({ limit: 50, backend: 'echo' })),
    stats: await time(() => client.stats()),
  },
  hub_rss_mib: Number(processMemoryMiB(hub.child.pid ?? 0).rss.toFixed(1)),
};
client.close();
await hub.stop();
fs.rmSync(path.dirname(dbPath), { recursive: true, force: true });
console.log(JSON.stringify(report, null, 2));
const total = Object.values(stats).reduce((a, b) => a + b, 0);
if (total !== TASKS) {
  console.error(`VERIFICATION FAILED: stats count ${total} tasks, expected ${TASKS}`);
  process.exitCode = 1;
}
