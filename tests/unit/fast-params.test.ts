/**
 * The hand-written params parsers of enqueue/lease/ack (core/wire/fast-params.ts) must be exactly as
 * strict as the zod schemas: for any input they either step aside (undefined) or return what zod
 * returns, and they never accept what zod refuses.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseParamsFast } from '../../core/wire/fast-params.js';
import { HUB_METHODS, parseParams } from '../../core/wire/contract.js';

type HotMethod = 'enqueue' | 'lease' | 'ack';

/** Values near every edge the schemas draw: blank, lengths 200/201, 0, negatives, fractions, the safe-integer limit, wrong types. */
const anyValue = fc.oneof(
  fc.constantFrom('', ' ', '\t\n', 'x', ' x ', 'done', 'failed', 'DONE', 'w'.repeat(200), 'w'.repeat(201)),
  fc.string({ maxLength: 8 }),
  fc.constantFrom(0, -0, 1, -1, 0.5, 1.5, 300, 300.1, 1000, 1001, 604800, 604801, 2 ** 53 - 1, 2 ** 53, Infinity, -Infinity, NaN),
  fc.double(),
  fc.constantFrom(null, true, false, [], {}, ['echo'], { a: 1 }),
);
/** Per key, values near its own bounds (often valid, so the fast path is taken) or anything at all. */
const near = (...values: unknown[]) => fc.oneof({ arbitrary: fc.constantFrom(...values), weight: 3 }, { arbitrary: anyValue, weight: 1 });
const positiveInts = [1, 2, 999, 1000, 1001, 0, -1, 1.5, 2 ** 53 - 1, 2 ** 53];
const seconds = [0, -0, 0.5, 1, 299.9, 300, 300.1, 604800, 604801, -1, Infinity, NaN];

const PARAMS: Record<HotMethod, fc.Arbitrary<Record<string, unknown>>> = {
  enqueue: fc.record(
    { prompt: near('p', ' p ', '', '  ', '\n', 'bench task 0-1'), backend: near('echo', null), priority: near(1, null), labels: near([], null), token: anyValue, extra: anyValue },
    { requiredKeys: [] },
  ),
  lease: fc.record(
    {
      worker_id: near('w', '', 'w'.repeat(200), 'w'.repeat(201)),
      max_tasks: near(...positiveInts),
      lease_seconds: near(...seconds),
      wait_seconds: near(...seconds),
      backends: near(['echo'], null),
      routed_only: near(true, null),
      token: anyValue,
    },
    { requiredKeys: [] },
  ),
  ack: fc.record(
    {
      task_id: near(...positiveInts),
      status: near('done', 'failed', 'cancelled', 'Done'),
      result: near('r', '', null),
      error: near('e', '', null),
      lease_token: near('tok', '', null),
      artifact: near(null, {}),
      extra: anyValue,
    },
    { requiredKeys: [] },
  ),
};

function zodResult(method: HotMethod, params: object): { ok: true; data: unknown } | { ok: false } {
  try {
    return { ok: true, data: parseParams(method, params) };
  } catch {
    return { ok: false };
  }
}

describe('fast params parsers for enqueue, lease and ack', () => {
  for (const method of ['enqueue', 'lease', 'ack'] as const) {
    it(`${method}: on generated params, the fast parser steps aside or answers exactly as the zod schema`, () => {
      fc.assert(
        fc.property(PARAMS[method], (params) => {
          const fast = parseParamsFast(method, params);
          if (fast === undefined) return;
          const strict = HUB_METHODS[method].params.safeParse(params);
          expect(strict.success).toBe(true);
          // toEqual: an explicit undefined (never on the wire: JSON has none) may come back as a missing key.
          expect(fast).toEqual(strict.data);
        }),
        { numRuns: 5000 },
      );
    });
  }

  it('the requests of the original clients and of our agents take the fast path', () => {
    const cases: [HotMethod, object][] = [
      ['enqueue', { prompt: 'bench task 0-1' }],
      ['enqueue', { prompt: 'hi', token: 'secret' }],
      ['lease', { worker_id: 'bench-0', max_tasks: 1 }],
      ['lease', { worker_id: 'w', max_tasks: 8, wait_seconds: 0.5, lease_seconds: 30 }],
      ['lease', {}],
      ['ack', { task_id: 7, status: 'done', result: 'echo:x', error: null }],
      ['ack', { task_id: 7, status: 'failed', error: 'boom', lease_token: 'abc' }],
    ];
    for (const [method, params] of cases) {
      const fast = parseParamsFast(method, params);
      expect(fast, `${method} ${JSON.stringify(params)}`).toBeDefined();
      expect(fast).toStrictEqual(HUB_METHODS[method].params.safeParse(params).data);
    }
  });

  it('what the fast parser refuses still gets zod\'s error, naming the field', () => {
    expect(parseParamsFast('ack', { task_id: 1, status: 'cancelled' })).toBeUndefined();
    expect(zodResult('ack', { task_id: 1, status: 'cancelled' })).toEqual({ ok: false });
    expect(() => parseParams('ack', { task_id: 1, status: 'cancelled' })).toThrow(/bad params for ack: status: must be "done" or "failed"/);
    expect(() => parseParams('enqueue', { prompt: '  ' })).toThrow(/bad params for enqueue: prompt: must not be blank/);
    expect(() => parseParams('lease', { worker_id: 'w', max_tasks: 1001 })).toThrow(/bad params for lease: max_tasks/);
  });

  it('params the fast parser leaves to zod still parse there (nulls of old clients, routing, artifacts)', () => {
    expect(parseParamsFast('lease', { worker_id: 'w', lease_seconds: null })).toBeUndefined();
    expect(parseParams('lease', { worker_id: 'w', lease_seconds: null })).toEqual({ worker_id: 'w', max_tasks: 1 });
    expect(parseParamsFast('enqueue', { prompt: 'p', backend: 'Claude-Code' })).toBeUndefined();
    expect(parseParams('enqueue', { prompt: 'p', backend: 'Claude-Code' })).toMatchObject({ prompt: 'p', backend: 'claude_code' });
  });
});
