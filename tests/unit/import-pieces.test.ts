/**
 * A run imported in pieces: the client's slices fit the line and keep characters whole; the hub's
 * staging is bounded, forgets abandoned imports and names what is wrong with a bad piece.
 */
import { describe, expect, it } from 'vitest';
import { HubError } from '../../core/errors.js';
import { textSlices } from '../../core/session/import-client.js';
import { IMPORT_IDLE_MS, ImportStaging, MAX_STAGED_CHARS } from '../../core/runs/import-staging.js';
import type { RunInfo, RunTask } from '../../core/runs/types.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('textSlices', () => {
  it('cuts text into pieces whose JSON fits, never inside a surrogate pair, and loses nothing', () => {
    const text = `${'😀'.repeat(3000)}${'"\\\n\u0001'.repeat(2000)}${'é'.repeat(5000)}`;
    for (const maxBytes of [16, 17, 100, 1001, 65_536]) {
      const slices = [...textSlices(text, maxBytes)];
      expect(slices.join('')).toBe(text);
      for (const slice of slices) {
        expect(Buffer.byteLength(JSON.stringify(slice))).toBeLessThanOrEqual(maxBytes);
        expect(slice).not.toMatch(LONE_SURROGATE);
      }
    }
  });

  it('gives nothing for an empty text and refuses a line with no room', () => {
    expect([...textSlices('', 100)]).toEqual([]);
    expect(() => [...textSlices('abc', 10)]).toThrow(/no room for text/);
  });
});

const RUN: RunInfo = { run_id: 'r', label: null, pack_name: 'p', pack_path: null, preset: 'custom', backends: ['shell'], repeat: 1, created_at: 1, finished_at: 2, host: 'h', lock_state: null, baseline: false, picks: {} };

function task(overrides: Partial<RunTask> = {}): RunTask {
  return { task_id: 1, prompt_id: 'a', prompt: 'p', backend: 'shell', repeat_index: 0, status: 'done', result: '', error: null, artifact: null, expect: null, checks: [], pass: true, ...overrides };
}

function hubError(fn: () => unknown): HubError {
  try {
    fn();
  } catch (err) {
    if (err instanceof HubError) return err;
    throw err;
  }
  throw new Error('no error thrown');
}

describe('ImportStaging', () => {
  it('puts a run together from its pieces and forgets it once taken', () => {
    const staging = new ImportStaging();
    const { import_id: id } = staging.begin(RUN);
    expect(staging.addTasks(id, [task(), task({ task_id: 2, result: null, error: 'bo' })])).toEqual({ tasks: 2 });
    staging.appendText(id, 0, 'result', 'hel');
    staging.appendText(id, 0, 'result', 'lo');
    staging.appendText(id, 1, 'error', 'om');
    const record = staging.take(id);
    expect(record.run).toEqual(RUN);
    expect(record.tasks.map((t) => [t.result, t.error])).toEqual([
      ['hello', null],
      [null, 'boom'],
    ]);
    expect(hubError(() => staging.take(id)).code).toBe('not_found');
  });

  it('names a bad piece: a task not sent yet, a text that was null, output without an artifact', () => {
    const staging = new ImportStaging();
    const { import_id: id } = staging.begin(RUN);
    staging.addTasks(id, [task({ result: null })]);
    expect(hubError(() => staging.appendText(id, 3, 'result', 'x')).message).toMatch(/task 3 of import .* has not been sent \(1 so far\)/);
    expect(hubError(() => staging.appendText(id, 0, 'result', 'x')).message).toMatch(/has no result to add to/);
    expect(hubError(() => staging.appendText(id, 0, 'stdout', 'x')).message).toMatch(/has no artifact to add stdout to/);
    expect(hubError(() => staging.addTasks('import-unknown', [task()])).code).toBe('not_found');
  });

  it('drops an import no piece reached for a while, and aborts on request', () => {
    let now = 0;
    const staging = new ImportStaging(() => now);
    const { import_id: idle } = staging.begin(RUN);
    const { import_id: busy } = staging.begin(RUN);
    now += IMPORT_IDLE_MS - 1;
    staging.addTasks(busy, [task()]);
    now += 2;
    expect(hubError(() => staging.addTasks(idle, [task()])).message).toMatch(/unknown or was abandoned/);
    expect(staging.addTasks(busy, [task()])).toEqual({ tasks: 2 });
    expect(staging.abort(busy)).toEqual({ ok: true });
    expect(hubError(() => staging.take(busy)).code).toBe('not_found');
  });

  it('holds at most its limit for all imports together, and a few imports at once', () => {
    expect(MAX_STAGED_CHARS).toBe(256 * 1024 * 1024);
    const staging = new ImportStaging(Date.now, 1024 * 1024);
    const { import_id: id } = staging.begin(RUN);
    const { import_id: other } = staging.begin(RUN);
    staging.addTasks(id, [task()]);
    staging.addTasks(other, [task()]);
    const half = 'x'.repeat(512 * 1024);
    staging.appendText(id, 0, 'result', half);
    expect(hubError(() => staging.appendText(other, 0, 'result', half)).message).toMatch(/imports in progress would hold more than 1 MiB/);
    expect(staging.take(id).tasks[0]?.result).toHaveLength(half.length);
    staging.appendText(other, 0, 'result', half); // room again once the first is done
    staging.abort(other);
    const ids = Array.from({ length: 8 }, () => staging.begin(RUN).import_id);
    expect(hubError(() => staging.begin(RUN)).message).toMatch(/8 imports are already in progress/);
    staging.abort(ids[0] ?? '');
    expect(staging.begin(RUN).import_id).toMatch(/^import-/);
  });
});
