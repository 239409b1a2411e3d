/**
 * A real hub on a real SQLite file builds what it keeps of a settled run (compare record, summary,
 * pass counts, the comparison with the run before it) in a worker thread (core/runs/settled-keeper.ts):
 * the rows equal those built inline, the hub keeps answering agents and clients while the worker
 * builds, and stopping the hub mid-build is clean.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningHub } from '../../core/hub.js';
import { artifactSchema } from '../../core/queue/artifact.js';
import { TaskQueue } from '../../core/queue/queue.js';
import { RunService } from '../../core/runs/service.js';
import { keptWorkerScript, SettledKeeper } from '../../core/runs/settled-keeper.js';
import { compareKept, comparisonInputs, comparisonRow } from '../../core/compare/kept.js';
import type { HubClient } from '../../core/wire/client.js';
import { connect, startTestHub, tempDir } from '../helpers.js';

let hub: (RunningHub & { dbPath: string }) | undefined;
let client: HubClient | undefined;

afterEach(async () => {
  client?.close();
  client = undefined;
  await hub?.stop();
  hub = undefined;
});

/** A run of `prompts` prompts on two backends, every task leased and acked as an agent would. */
function settleRun(running: RunningHub, pack: string, prompts: number): string {
  const { run_id, task_ids } = running.runs.create({
    pack_name: pack,
    preset: 'custom',
    backends: ['b1', 'b2'],
    repeat: 1,
    entries: Array.from({ length: prompts }, (_, i) => ({ id: `p${i}`, prompt: `prompt ${i}`, expect: { contains: 'yes' } })),
    lock_state: null,
  });
  for (let left = task_ids.length; left > 0; ) {
    const leased = running.queue.lease({ worker_id: 'w', max_tasks: 1000, backends: ['b1', 'b2'] });
    for (const task of leased) {
      const pass = task.task_id % 7 !== 0;
      const artifact = artifactSchema.parse({ backend: task.backend, argv: ['cli'], env: {}, stdout: 'raw output', stderr: '', exit_code: 0, latency_ms: task.task_id % 500, cli_version: '1.0.0' });
      running.queue.ack({ task_id: task.task_id, lease_token: task.lease_token, status: 'done', result: pass ? 'yes, done' : 'no', error: null, artifact });
    }
    left -= leased.length;
  }
  return run_id;
}

/** Resolves when the keeper emits `event` for `runId` (`started`: the worker began it; `kept`: its rows were handled). */
function keeperEvent(keeper: SettledKeeper, event: 'started' | 'kept', runId: string): Promise<void> {
  return new Promise((resolve) => {
    const listener = (id: string) => {
      if (id !== runId) return;
      keeper.off(event, listener);
      resolve();
    };
    keeper.on(event, listener);
  });
}

const keptOnce = (keeper: SettledKeeper, runId: string) => keeperEvent(keeper, 'kept', runId);
const startedOnce = (keeper: SettledKeeper, runId: string) => keeperEvent(keeper, 'started', runId);

describe('settled runs kept by the hub in a worker thread', () => {
  it('a run settling is kept without being read, and the rows the worker built equal those built inline', async () => {
    const logs: string[] = [];
    hub = await startTestHub({ log: (line) => logs.push(line) });
    const keeper = hub.keeper;
    expect(keeper).toBeDefined();
    if (!keeper) return;
    const a = settleRun(hub, 'pack', 20);
    await keptOnce(keeper, a);
    const bKept = new Promise<string>((resolve) => keeper.on('kept', (id: string) => resolve(id)));
    const b = settleRun(hub, 'pack', 20);
    expect(await bKept).toBe(b);

    // Nothing read the runs: the rows were built in the worker and written by the hub.
    const file = new Database(hub.dbPath, { readonly: true });
    try {
      const rows = file.prepare('SELECT run_id, version, format, summary, counts, body FROM run_records ORDER BY run_id').all() as { run_id: string }[];
      expect(rows.map((r) => r.run_id).sort()).toEqual([a, b].sort());
      const comparisons = file.prepare('SELECT run_a, run_b, key, head, pairs FROM comparisons').all() as { run_a: string; run_b: string; key: string; head: string; pairs: string }[];
      expect(comparisons.map((c) => [c.run_a, c.run_b])).toEqual([[a, b]]);

      // The same rows built inline, in this thread, from the same file.
      const inline = new RunService(file, new TaskQueue(file, { leaseSeconds: 60 }), { kind: 'none' });
      const builtA = inline.keptRows(a);
      expect(rows.find((r) => r.run_id === a)).toEqual(builtA?.record);
      // B is built against A as kept; the comparison is already kept, so inline builds none again.
      const builtB = inline.keptRows(b);
      expect(rows.find((r) => r.run_id === b)).toEqual(builtB?.record);
      expect(builtB?.comparison).toBeNull();
      // The comparison as a hub that kept none would compute it now.
      const inputs = comparisonInputs(inline, a, b);
      expect(comparisons[0]?.key).toBe(inputs.hash);
      const row = comparisonRow(inputs, compareKept(inline, inputs).comparison);
      expect({ head: comparisons[0]?.head, pairs: comparisons[0]?.pairs }).toEqual({ head: row.head, pairs: row.pairs });
    } finally {
      file.close();
    }
    expect(logs.filter((line) => /kept|keeping/.test(line))).toEqual([]);
  });

  it('answers stats and lease while a big run is being built in the worker; run_summary waits for its kept rows', async () => {
    hub = await startTestHub();
    const keeper = hub.keeper;
    if (!keeper) throw new Error('the hub has no keeper');
    const a = settleRun(hub, 'big', 1500);
    await keptOnce(keeper, a);
    client = await connect(hub);

    const order: string[] = [];
    const b = settleRun(hub, 'big', 1500);
    hub.queue.enqueue({ prompt: 'for an agent', backend: 'b1', run_id: null, priority: 0, max_attempts: null, labels: [], metadata: {} });
    const bStarted = startedOnce(keeper, b);
    const bKept = keptOnce(keeper, b).then(() => order.push('kept'));
    await bStarted;
    const stats = client.call('stats').then((answer) => {
      order.push('stats');
      return answer;
    });
    const lease = client.call('lease', { worker_id: 'agent', max_tasks: 1, backends: ['b1'] }).then((answer) => {
      order.push('lease');
      return answer;
    });
    // A summary asked meanwhile waits for the worker's rows instead of building B on the hub's thread.
    const summary = client.call('run_summary', { run_id: b }).then((answer) => {
      order.push('summary');
      return answer;
    });
    const [statsAnswer, leaseAnswer, summaryAnswer] = await Promise.all([stats, lease, summary]);
    await bKept;
    expect(summaryAnswer.run.run_id).toBe(b);
    expect(summaryAnswer.run.finished_at).not.toBeNull();
    expect(summaryAnswer).toEqual(JSON.parse(JSON.stringify(hub.runs.summary(b))));
    expect(statsAnswer.stats).toBeDefined();
    expect(leaseAnswer.tasks.map((t) => t.prompt)).toEqual(['for an agent']);
    // Both answered while the worker was still building B (B takes far longer than a round trip).
    expect(order).toEqual(['stats', 'lease', 'kept', 'summary']);
    const file = new Database(hub.dbPath, { readonly: true });
    try {
      expect(file.prepare('SELECT count(*) FROM comparisons WHERE run_a = ? AND run_b = ?').pluck().get(a, b)).toBe(1);
    } finally {
      file.close();
    }
  });

  it('stopping the hub while the worker builds is clean: the build is dropped, nothing is written or logged as failed', async () => {
    const logs: string[] = [];
    const dbPath = path.join(tempDir('mittelo-settle-stop-'), 'hub.db');
    hub = await startTestHub({ dbPath, log: (line) => logs.push(line) });
    const keeper = hub.keeper;
    if (!keeper) throw new Error('the hub has no keeper');
    const runId = settleRun(hub, 'stop', 1500);
    await startedOnce(keeper, runId);
    const stopping = hub.stop();
    hub = undefined;
    await stopping;
    await keeper.idle();
    const file = new Database(dbPath, { readonly: true });
    try {
      expect(file.prepare('SELECT count(*) FROM run_records').pluck().get()).toBe(0);
    } finally {
      file.close();
    }
    expect(logs).toEqual([]);
    // A hub started again on the file reads the run and keeps it.
    hub = await startTestHub({ dbPath });
    const again = hub.keeper;
    if (!again) throw new Error('the hub has no keeper');
    const kept = keptOnce(again, runId);
    expect(hub.runs.summary(runId).run.run_id).toBe(runId);
    await kept;
    expect(hub.runs.keptRows(runId)?.record.run_id).toBe(runId);
  });

  it('a worker that cannot read the database logs why and never takes the hub down', async () => {
    const logs: string[] = [];
    hub = await startTestHub();
    const script = keptWorkerScript();
    if (!script) throw new Error('the kept-rows worker script is not built: run npm run build first');
    const keeper = new SettledKeeper({ dbPath: path.join(tempDir('mittelo-no-db-'), 'missing.db'), script, apply: () => {}, log: (line) => logs.push(line) });
    const handled = keptOnce(keeper, 'run-x');
    keeper.schedule('run-x', '1/1/1/1/0');
    await handled;
    await keeper.close();
    expect(logs.join('\n')).toMatch(/keeping run run-x failed in the worker: .*missing\.db: .*unable to open/i);
    client = await connect(hub);
    expect((await client.call('stats')).stats).toBeDefined();
  });
});
