/**
 * Every run that exports imports back identically (property test): runs made on one hub over the
 * wire with odd prompt ids and backend names, unicode, empty and missing answers, large answers and
 * outputs, failures, cancellations, checks and picks; exported to a folder, read back and sent to
 * another hub, whose request line is small enough that large texts travel in pieces.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { RunningHub } from '../../core/hub.js';
import type { ArtifactInput } from '../../core/queue/artifact.js';
import { exportRun, readExport } from '../../core/runs/export.js';
import type { Expect } from '../../core/runs/expect.js';
import { sendRun } from '../../core/session/import-client.js';
import type { RunRecord } from '../../core/runs/types.js';
import type { HubClient } from '../../core/wire/client.js';
import { connect, startTestHub, tempDir } from '../helpers.js';
import { portable } from '../run-record-helpers.js';
import { stopTestHub } from '../runs-helpers.js';

/** The importing hub's request line: a 64 KiB text already needs pieces. */
const SMALL_LINE_BYTES = 64 * 1024;

let source: RunningHub & { dbPath: string };
let target: RunningHub & { dbPath: string };
let toSource: HubClient;
let toTarget: HubClient;
const folders = tempDir('mittelo-roundtrip-');
let exports = 0;

beforeAll(async () => {
  [source, target] = await Promise.all([startTestHub(), startTestHub({ maxLineBytes: SMALL_LINE_BYTES })]);
  [toSource, toTarget] = await Promise.all([connect(source), connect(target)]);
});

afterAll(async () => {
  toSource?.close();
  toTarget?.close();
  await Promise.all([stopTestHub(source), stopTestHub(target)]);
  fs.rmSync(folders, { recursive: true, force: true });
});

const oddIds = fc.constantFrom('compare v1..v2', '..', '.', '../../etc/passwd', 'a\\b', 'run.json', 'tasks', ' spaced ', 'ünïcødé ✓', '😀', 'CON', 'x'.repeat(200), 'tab\there', 'line\nbreak');
const promptId = fc.oneof(oddIds, fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }), fc.string({ minLength: 1, maxLength: 30, unit: 'binary' }));
const text = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 60, unit: 'grapheme' }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40, unit: 'binary' }) },
  { weight: 1, arbitrary: fc.constant('') },
  // Large: from 20 KB to 200 KB of a repeated piece, multi-byte characters and emoji included.
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.string({ minLength: 1, maxLength: 6, unit: 'grapheme' }), fc.integer({ min: 20_000, max: 200_000 }))
      .map(([piece, chars]) => piece.repeat(Math.ceil(chars / piece.length))),
  },
);
const expectation: fc.Arbitrary<Expect | undefined> = fc.constantFrom(undefined, { contains: 'a' }, { regex: '^\\p{L}' }, { regex: '/ü|😀/i', json: true }, { max_latency_ms: 500 });
const artifact = fc.option(
  fc.record({ stdout: text, stderr: text, exit_code: fc.option(fc.integer({ min: -1, max: 255 })), latency_ms: fc.option(fc.integer({ min: 0, max: 10_000 })), seconds_ago: fc.integer({ min: 0, max: 3600 }) }),
  { nil: null },
);
const outcome = fc.oneof(
  fc.record({ status: fc.constant('done' as const), result: text, artifact }),
  fc.record({ status: fc.constant('failed' as const), error: text, artifact }),
  fc.record({ status: fc.constant('cancelled' as const) }),
);
const runShape = fc.record({
  label: fc.option(fc.string({ maxLength: 100, unit: 'grapheme' }), { nil: null }),
  entries: fc.uniqueArray(fc.record({ id: promptId, prompt: fc.string({ minLength: 1, maxLength: 50, unit: 'grapheme' }).filter((p) => p.trim() !== ''), expect: expectation }), {
    minLength: 1,
    maxLength: 4,
    selector: (entry) => entry.id,
  }),
  backends: fc.uniqueArray(fc.constantFrom('shell', 'a..b', 'x.y-z', '_u'), { minLength: 1, maxLength: 2 }),
  repeat: fc.integer({ min: 1, max: 2 }),
  outcomes: fc.array(outcome, { minLength: 16, maxLength: 16 }),
  pick: fc.nat(),
});

type RunShape = typeof runShape extends fc.Arbitrary<infer T> ? T : never;

/** Makes the run on the source hub as agents would: run_create, lease, ack / cancel, pick. */
async function makeRun(shape: RunShape): Promise<RunRecord> {
  const entries = shape.entries.map(({ expect: check, ...entry }) => (check ? { ...entry, expect: check } : entry));
  const { run_id: runId, task_ids: taskIds } = await toSource.call('run_create', {
    pack_name: 'roundtrip',
    backends: shape.backends,
    repeat: shape.repeat,
    entries,
    ...(shape.label !== null ? { label: shape.label } : {}),
  });
  const { tasks } = await toSource.call('lease', { worker_id: 'roundtrip', max_tasks: 1000, backends: shape.backends });
  expect(tasks).toHaveLength(taskIds.length);
  for (const task of tasks) {
    const result = shape.outcomes[taskIds.indexOf(task.task_id) % shape.outcomes.length];
    if (!result || result.status === 'cancelled') {
      await toSource.call('cancel', { task_id: task.task_id });
      continue;
    }
    const made = result.artifact;
    const art: ArtifactInput | undefined = made
      ? { backend: task.backend ?? 'unrouted', stdout: made.stdout, stderr: made.stderr, exit_code: made.exit_code, latency_ms: made.latency_ms, started_at: Date.now() / 1000 - made.seconds_ago - 1, finished_at: Date.now() / 1000 - made.seconds_ago }
      : undefined;
    await toSource.call('ack', {
      task_id: task.task_id,
      lease_token: task.lease_token,
      status: result.status,
      ...(result.status === 'done' ? { result: result.result } : { error: result.error }),
      ...(art ? { artifact: art } : {}),
    });
  }
  const record = await toSource.call('run_get', { run_id: runId });
  const picked = record.tasks[shape.pick % record.tasks.length];
  if (picked) await toSource.call('run_pick', { run_id: runId, prompt_id: picked.prompt_id, task_id: picked.task_id });
  return toSource.call('run_get', { run_id: runId });
}

/** Always tried first: large texts in both answer and output (in pieces), empty ones, every status. */
const LARGE_EXAMPLE: RunShape = {
  label: 'ünïcødé ✓',
  entries: [
    { id: 'compare v1..v2', prompt: 'p', expect: { regex: '^\\p{L}' } },
    { id: '😀', prompt: 'q', expect: undefined },
  ],
  backends: ['shell', 'a..b'],
  repeat: 1,
  outcomes: [
    { status: 'done', result: 'é😀'.repeat(40_000), artifact: { stdout: 'x'.repeat(100_000), stderr: '', exit_code: 0, latency_ms: 12, seconds_ago: 5 } },
    { status: 'done', result: '', artifact: null },
    { status: 'failed', error: 'boom\n'.repeat(30_000), artifact: { stdout: '', stderr: '€'.repeat(70_000), exit_code: 1, latency_ms: null, seconds_ago: 0 } },
    { status: 'cancelled' },
    ...Array.from({ length: 12 }, () => ({ status: 'cancelled' as const })),
  ],
  pick: 1,
};

it('every run that exports imports back identically', async () => {
  const calls = vi.spyOn(toTarget, 'call');
  await fc.assert(
    fc.asyncProperty(runShape, async (shape) => {
      const original = await makeRun(shape);
      const dir = path.join(folders, `export-${++exports}`);
      exportRun(original, dir);
      const { run_id: importedId } = await sendRun(toTarget, readExport(dir));
      const back = await toTarget.call('run_get', { run_id: importedId });
      expect(portable(back)).toEqual(portable(original));
      fs.rmSync(dir, { recursive: true });
    }),
    { numRuns: 30, examples: [[LARGE_EXAMPLE]] },
  );
  // Both ways of sending were taken: whole runs in one request, large ones in pieces.
  const methods = new Set(calls.mock.calls.map(([method]) => method));
  for (const method of ['run_import', 'run_import_begin', 'run_import_tasks', 'run_import_text', 'run_import_commit']) expect(methods).toContain(method);
  calls.mockRestore();
}, 240_000);

it('a run exported before it finished comes back with its open tasks cancelled, saying why', async () => {
  const { run_id: runId } = await toSource.call('run_create', { pack_name: 'open', backends: ['shell'], entries: [{ id: 'waiting', prompt: 'p' }] });
  const original = await toSource.call('run_get', { run_id: runId });
  const dir = path.join(folders, 'open');
  exportRun(original, dir);
  const { run_id: importedId } = await sendRun(toTarget, readExport(dir));
  const back = await toTarget.call('run_get', { run_id: importedId });
  expect(back.tasks.map((t) => [t.prompt_id, t.status, t.error])).toEqual([['waiting', 'cancelled', 'not finished when the run was exported (queued)']]);
  // Imported tasks never go back to the queue: no agent of this hub runs them.
  expect(await toTarget.call('lease', { worker_id: 'w', backends: ['shell'] })).toEqual({ tasks: [] });
});
