/**
 * What the hub keeps of settled runs in the database (run_records, comparisons) so the Compare page
 * after a restart reads rows instead of every task: a restarted hub reads them, a kept row made from
 * other inputs (another version of the run, another format) is never used, and whatever is read as
 * kept equals what building it again gives (property test). Real SQLite file, the real queue.
 */
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compareRuns } from '../../core/compare/compare.js';
import { COMPARISON_FORMAT, comparisonInputs, keptHead, keptPairs } from '../../core/compare/kept.js';
import { policyForRun } from '../../core/compare/policy.js';
import { compareRow, passCounts } from '../../core/compare/row-detail.js';
import { artifactSchema } from '../../core/queue/artifact.js';
import { TaskQueue } from '../../core/queue/queue.js';
import { compactTask, RECORD_FORMAT } from '../../core/runs/compare-record.js';
import type { Expect } from '../../core/runs/expect.js';
import { RunService } from '../../core/runs/service.js';
import { keptWorkerScript, SettledKeeper } from '../../core/runs/settled-keeper.js';
import type { RunRecord } from '../../core/runs/types.js';
import { openDatabase, type Db } from '../../core/store/database.js';
import { tempDir } from '../helpers.js';

let dbPath: string;
let db: Db;
let queue: TaskQueue;
let runs: RunService;
/** `worker`: the rows are built in the hub's worker thread (core/runs/settled-keeper.ts), as the hub does on a file. */
let mode: 'inline' | 'worker';
let keeper: SettledKeeper | undefined;

function open(): void {
  db = openDatabase(dbPath);
  queue = new TaskQueue(db, { leaseSeconds: 60 });
  runs = new RunService(db, queue, keeper ? { kind: 'deferred', keeper } : { kind: 'inline' });
}

/** Whatever the worker was asked to keep is written (nothing to wait for inline). */
async function keptWritten(): Promise<void> {
  await keeper?.idle();
}

/** The hub stops and starts again on the same file: nothing in memory survives. */
function restart(): void {
  db.close();
  open();
}

function setUp(keeping: typeof mode): void {
  mode = keeping;
  dbPath = path.join(tempDir('mittelo-kept-records-'), 'hub.db');
  const script = keptWorkerScript();
  if (mode === 'worker' && !script) throw new Error('the kept-rows worker script is not built: run npm run build first');
  // One keeper for the file across restarts, as its worker outlives nothing but reads the file.
  keeper = mode === 'worker' && script ? new SettledKeeper({ dbPath, script, apply: (rows) => runs.applyKept(rows) }) : undefined;
  open();
}

afterEach(async () => {
  await keeper?.close();
  db.close();
});

interface Outcome {
  status: 'done' | 'failed' | 'cancelled';
  text: string;
  stdout: string;
  latency: number | null;
}

/** A run made as agents make one: created, leased, each task acked (with an artifact) or cancelled. */
function makeRun(pack: string, prompts: { id: string; expect?: Expect }[], repeat: number, outcomes: Outcome[]): string {
  const { run_id, task_ids } = runs.create({
    pack_name: pack,
    preset: 'custom',
    backends: ['b1', 'b2'],
    repeat,
    entries: prompts.map((p) => ({ id: p.id, prompt: `prompt ${p.id}`, ...(p.expect ? { expect: p.expect } : {}) })),
    lock_state: null,
  });
  const leased = queue.lease({ worker_id: 'w', max_tasks: task_ids.length, backends: ['b1', 'b2'] });
  for (const [i, task] of leased.entries()) {
    const outcome = outcomes[i % outcomes.length] as Outcome;
    if (outcome.status === 'cancelled') {
      queue.cancel(task.task_id);
      continue;
    }
    const artifact = artifactSchema.parse({ backend: task.backend, argv: ['cli', '-p'], env: { HOME: '/h' }, stdout: outcome.stdout, stderr: 'log', exit_code: outcome.status === 'done' ? 0 : 1, latency_ms: outcome.latency, cli_version: '1.2.3', input_tokens: 10, output_tokens: outcome.text.length, cost_usd: 0.001 });
    queue.ack({ task_id: task.task_id, lease_token: task.lease_token, status: outcome.status, result: outcome.status === 'done' ? outcome.text : null, error: outcome.status === 'failed' ? outcome.text : null, artifact });
  }
  return run_id;
}

const simpleOutcomes: Outcome[] = [
  { status: 'done', text: 'answer 1', stdout: '{"raw":1}', latency: 100 },
  { status: 'failed', text: 'it broke', stdout: '', latency: 50 },
  { status: 'done', text: 'answer 2', stdout: '{"raw":2}', latency: 120 },
];
const simplePrompts = [
  { id: 'p1', expect: { contains: '1' } },
  { id: 'p2', expect: { contains: 'answer' } },
];

/** The compare record built from the tasks again, as a hub that keeps nothing would. */
function rebuiltCompareRecord(runId: string): RunRecord {
  db.prepare('DELETE FROM run_records').run();
  restart();
  const full = runs.get(runId);
  return { ...full, tasks: full.tasks.map(compactTask) };
}

describe.each(['inline', 'worker'] as const)('%s keeping', (keeping) => {
  beforeEach(() => setUp(keeping));

  describe('kept run records', () => {
    it('a settled run is kept on its first read and a restarted hub reads the kept row', async () => {
      const runId = makeRun('kept', simplePrompts, 2, simpleOutcomes);
      expect(db.prepare('SELECT count(*) FROM run_records').pluck().get()).toBe(0);
      const first = runs.compareRecord(runId);
      await keptWritten();
      expect(db.prepare('SELECT format FROM run_records WHERE run_id = ?').pluck().get(runId)).toBe(RECORD_FORMAT);
      // The raw output, argv and environment are not part of it; the figures are.
      expect(first.tasks[0]?.artifact).toMatchObject({ stdout: '', stderr: '', argv: [], env: {}, latency_ms: 100, cli_version: '1.2.3' });

      // Marked in the database: a hub that reads the kept row sees the mark.
      db.prepare("UPDATE run_records SET body = replace(body, 'answer 1', 'KEPT ROW') WHERE run_id = ?").run(runId);
      restart();
      const again = runs.compareRecord(runId);
      expect(again.tasks.map((t) => t.result)).toContain('KEPT ROW');
      expect(again.run).toEqual(first.run);
    });

    it('a kept row of another format is ignored and built again', async () => {
      const runId = makeRun('kept', simplePrompts, 1, simpleOutcomes);
      runs.compareRecord(runId);
      await keptWritten();
      db.prepare("UPDATE run_records SET body = replace(body, 'answer 1', 'OLD FORMAT'), format = format - 1 WHERE run_id = ?").run(runId);
      restart();
      const record = runs.compareRecord(runId);
      expect(record.tasks.map((t) => t.result)).not.toContain('OLD FORMAT');
      expect(record.tasks.map((t) => t.result)).toContain('answer 1');
      await keptWritten();
      expect(db.prepare('SELECT format FROM run_records WHERE run_id = ?').pluck().get(runId)).toBe(RECORD_FORMAT);
    });

    it('a retry after the run ended is a new version: the kept row is not used, the record shows the retry and what the run recorded', async () => {
      const runId = makeRun('kept', simplePrompts, 1, simpleOutcomes);
      const before = runs.compareRecord(runId);
      const failed = before.tasks.find((t) => t.status === 'failed');
      expect(failed).toBeDefined();
      restart();
      expect(queue.retryFailed(failed?.task_id)).toEqual({ retried: 1 });
      const [task] = queue.lease({ worker_id: 'w', max_tasks: 1, backends: ['b1', 'b2'] });
      queue.ack({ task_id: task?.task_id ?? 0, lease_token: task?.lease_token ?? '', status: 'done', result: 'fixed', error: null });
      restart();
      const after = runs.compareRecord(runId);
      expect(after.tasks.find((t) => t.task_id === failed?.task_id)).toMatchObject({ status: 'failed', retried_after_run: { attempts: 1, status: 'done' } });
      expect(after.run.finished_at).toBe(before.run.finished_at);
      // The summary follows: it is the summary of the record as it is now.
      expect(runs.summary(runId).run.finished_at).toBe(before.run.finished_at);
    });

    it('a kept summary is the summary built from the tasks', async () => {
      const runId = makeRun('kept', simplePrompts, 2, simpleOutcomes);
      const built = runs.summary(runId);
      await keptWritten();
      restart();
      db.prepare("UPDATE run_records SET body = '{}' WHERE run_id = ?").run(runId); // only the summary may be read
      expect(runs.summary(runId)).toEqual(built);
      expect(runs.list({}).map((s) => s.run.run_id)).toEqual([runId]);
    });
  });

  describe('kept comparisons', () => {
    it('when the newest run of a pack settles, its comparison with the run before it is kept, and read after a restart', async () => {
      const a = makeRun('pack', simplePrompts, 2, simpleOutcomes);
      const b = makeRun('pack', simplePrompts, 2, [...simpleOutcomes].reverse());
      runs.summary(a);
      runs.summary(b); // the first read of B after it settled
      await keptWritten();
      restart();
      const inputs = comparisonInputs(runs, a, b);
      const head = keptHead(runs, inputs);
      expect(head).not.toBeNull();
      const recordA = runs.compareRecord(a);
      const recordB = runs.compareRecord(b);
      const { policy, source } = policyForRun(recordB);
      const fresh = compareRuns(recordA, recordB, { policy, policySource: source });
      expect(head).toEqual({ ...fresh, pairs: [] });
      expect(keptPairs(runs, inputs)).toEqual(fresh.pairs);
    });

    it('is not read once its inputs change (a new label, another format), and goes with a deleted run', async () => {
      const a = makeRun('pack', simplePrompts, 1, simpleOutcomes);
      const b = makeRun('pack', simplePrompts, 1, simpleOutcomes);
      runs.summary(a);
      runs.summary(b);
      await keptWritten();
      const inputs = comparisonInputs(runs, a, b);
      expect(keptHead(runs, inputs)).not.toBeNull();
      db.prepare('UPDATE runs SET label = ? WHERE run_id = ?').run('renamed', b);
      expect(keptHead(runs, comparisonInputs(runs, a, b))).toBeNull();
      db.prepare('UPDATE runs SET label = NULL WHERE run_id = ?').run(b);
      expect(keptHead(runs, comparisonInputs(runs, a, b))).not.toBeNull();
      expect(inputs.key.startsWith(`[${COMPARISON_FORMAT},${RECORD_FORMAT},`)).toBe(true);
      runs.delete(b);
      expect(db.prepare('SELECT count(*) FROM comparisons').pluck().get()).toBe(0);
      expect(db.prepare('SELECT count(*) FROM run_records WHERE run_id = ?').pluck().get(b)).toBe(0);
    });
  });

  const outcome: fc.Arbitrary<Outcome> = fc.record({
    status: fc.constantFrom('done' as const, 'done' as const, 'failed' as const, 'cancelled' as const),
    text: fc.oneof(fc.constantFrom('answer 1', 'the answer', '{"a":1}', ''), fc.string({ maxLength: 30, unit: 'grapheme' })),
    stdout: fc.string({ maxLength: 50 }),
    latency: fc.option(fc.integer({ min: 0, max: 5000 }), { nil: null }),
  });
  const expectation: fc.Arbitrary<Expect | undefined> = fc.constantFrom(undefined, { contains: 'answer' }, { regex: '\\d' }, { json: true }, { max_latency_ms: 1000 }, { not_contains: '1' });

  describe('kept equals built (property)', () => {
    it('the kept compare record, summary, pass counts and comparison equal those built again from the tasks; compacting changes no comparison; a cell read alone is the cell of the whole runs', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.uniqueArray(fc.record({ id: fc.constantFrom('p1', 'p2', 'p3', 'p4'), expect: expectation }), { minLength: 1, maxLength: 3, selector: (p) => p.id }),
          fc.integer({ min: 1, max: 3 }),
          fc.array(outcome, { minLength: 1, maxLength: 12 }),
          fc.array(outcome, { minLength: 1, maxLength: 12 }),
          async (prompts, repeat, outcomesA, outcomesB) => {
            const a = makeRun('prop', prompts, repeat, outcomesA);
            const b = makeRun('prop', prompts, repeat, outcomesB);
            const fullA = runs.get(a);
            const fullB = runs.get(b);
            const summaries = [runs.summary(a), runs.summary(b)];
            await keptWritten();
            restart();
            const keptA = runs.compareRecord(a);
            const keptB = runs.compareRecord(b);
            expect([runs.summary(a), runs.summary(b)]).toEqual(summaries);
            const inputs = comparisonInputs(runs, a, b);
            const head = keptHead(runs, inputs);
            const { policy, source } = policyForRun(keptB);
            const fromKept = compareRuns(keptA, keptB, { policy, policySource: source });
            expect(head).toEqual({ ...fromKept, pairs: [] });
            expect(keptPairs(runs, inputs)).toEqual(fromKept.pairs);
            // The full records compare the same: what compacting leaves out is never compared.
            expect(compareRuns(fullA, fullB, { policy, policySource: source })).toEqual(fromKept);
            // A matrix cell read from its own tasks is the cell of the whole runs; kept pass counts are counted ones.
            for (const prompt of prompts) {
              for (const backend of ['b1', 'b2']) {
                const options = { policy, policySource: source };
                expect(compareRow(runs.rowRecord(a, prompt.id, backend), runs.rowRecord(b, prompt.id, backend), prompt.id, backend, options)).toEqual(compareRow(fullA, fullB, prompt.id, backend, options));
              }
            }
            expect(runs.passCounts(a)).toEqual(passCounts(keptA));
            expect(rebuiltCompareRecord(a)).toEqual(keptA);
            expect(rebuiltCompareRecord(b)).toEqual(keptB);
            await keptWritten();
          },
        ),
        // Each case restarts a hub over real files: shrinking a failure took over 10 minutes, so the
        // first counterexample (small already) is reported as found.
        { numRuns: 25, endOnFailure: true },
      );
    });
  });
});
