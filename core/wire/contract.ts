/**
 * The hub's contract: every wire method with the zod schema of its params and of its result. One
 * table serves everyone: the JSONL and REST servers check params with it (methods.ts holds the
 * handlers), the TypeScript client (client.ts) takes its types from it, so a wrong method name or a
 * wrong params or result shape fails to compile in the CLI, the app, the MCP adapter and the agent.
 *
 * Pure (zod and shared types only): clients import it without pulling in the queue or the store.
 * The wire stays PROTOCOL.md's: unknown params keys are ignored (old clients), null means "not
 * given" where null has no meaning of its own, results only ever gain keys. Results are not parsed
 * on the hub's hot path; tests/integration/hub-contract.test.ts parses every method's answer.
 *
 * Adding a method: a row here (params and result), a handler in methods.ts (the compiler asks for
 * it and checks it returns the result's type), a call in that test; announce it in EXTENSIONS.
 */
import { z } from 'zod';
import { HubError } from '../errors.js';
import { HUB_EVENT_TYPES, TASK_STATUSES } from '../queue/types.js';
import { artifactSchema } from '../queue/artifact.js';
import { packEntrySchema } from '../pack.js';
import { IMPORT_TEXT_FIELDS, RUN_PRESETS } from '../runs/types.js';
import { expectSchema } from '../runs/expect.js';
import { MAX_FIELD_DEPTH, jsonDepthWithin } from '../json-input.js';
import { routedBackendName } from '../../drivers/backend-name.js';
import { parseParamsFast } from './fast-params.js';
import {
  checkResultSchema,
  earlierAttemptSchema,
  lockEntryStateSchema,
  leasedTaskSchema,
  runRecordSchema,
  runSummarySchema,
  statsSchema,
  taskRowSchema,
  taskSchema,
  workerInfoSchema,
} from './results.js';

export const HUB_VERSION = '0.1.0';

/** Methods beyond the floor, announced by `hello` so clients can feature-detect. */
export const EXTENSIONS = [
  'get', 'cancel', 'extend', 'subscribe', 'unsubscribe', 'auth', 'hello',
  'priority', 'routing', 'max_attempts', 'lease_token', 'idempotency_key', 'wait_seconds',
  'labels', 'metadata', 'run_id', 'list_filters', 'retry_one',
  'release', 'output', 'artifact', 'subscribe_types', 'workers', 'runs', 'list_rows',
  'run_import_pieces', 'bye', 'runs_deleted',
];

const taskId = z.number().int().positive();
const leaseSeconds = z.number().positive().max(7 * 24 * 3600);
const leaseToken = z.string().min(1);
const runId = z.string().min(1);
const ok = z.literal(true);

/** The version lock as a run recorded it; any status word, so runs from other versions still import. */
const recordedLockState = z.array(lockEntryStateSchema.extend({ cli: z.string().max(200), status: z.string().max(40) })).max(100);

/** An exported run coming back (run import): checked enough that nothing malformed is stored. */
const importedRunSchema = z.object({
  run: z.object({
    run_id: z.string().regex(/^[A-Za-z0-9_.:-]{1,120}$/),
    label: z.string().max(200).nullable(),
    pack_name: z.string().min(1).max(200),
    pack_path: z.string().max(4096).nullable(),
    preset: z.enum(RUN_PRESETS),
    backends: z.array(z.string().max(64)).max(100),
    repeat: z.number().int().min(1),
    created_at: z.number(),
    finished_at: z.number().nullable(),
    host: z.string().max(255),
    lock_state: recordedLockState.nullable(),
    baseline: z.boolean(),
    picks: z.record(z.string(), z.number().int()),
  }),
  tasks: z
    .array(
      z.object({
        task_id: z.number().int(),
        prompt_id: z.string().min(1).max(200),
        prompt: z.string(),
        backend: z.string().max(64),
        repeat_index: z.number().int().min(0),
        status: z.enum(TASK_STATUSES),
        result: z.string().nullable(),
        error: z.string().nullable(),
        artifact: artifactSchema.nullable(),
        expect: expectSchema.nullable(),
        /** Kept only for `command` / `judge` results, which cannot be decided again here. */
        checks: z.array(z.object({ check: z.string().max(1000), pass: z.boolean(), detail: z.string().max(10_000), kind: z.string().max(40).optional(), reason: z.string().max(10_000).optional(), pending: z.boolean().optional() })).max(100).optional(),
      }),
    )
    .max(100_000),
});

const importedRun = z.object({ run_id: z.string(), tasks: z.number().int() });

/** Every hub method: what it takes and what it answers. */
export const HUB_METHODS = {
  enqueue: {
    params: z.object({
      prompt: z.string().refine((s) => s.trim().length > 0, 'must not be blank'),
      backend: routedBackendName.nullish(),
      priority: z.number().int().min(-1_000_000).max(1_000_000).optional(),
      max_attempts: z.number().int().positive().nullish(),
      labels: z.array(z.string().max(200)).max(100).optional(),
      metadata: z
        .record(z.string(), z.unknown())
        .refine((m) => jsonDepthWithin(m, MAX_FIELD_DEPTH), `must not nest deeper than ${MAX_FIELD_DEPTH} levels`)
        .optional(),
      run_id: z.string().min(1).max(200).nullish(),
      idempotency_key: z.string().min(1).max(200).nullish(),
    }),
    /** `duplicate`: an earlier enqueue with the same idempotency_key made this task. */
    result: z.object({ task_id: z.number().int(), duplicate: z.boolean() }),
  },
  lease: {
    params: z.object({
      worker_id: z.string().min(1).max(200).default('anonymous'),
      max_tasks: z.number().int().positive().max(1000).default(1),
      lease_seconds: leaseSeconds.optional(),
      backends: z.array(routedBackendName).max(100).optional(),
      wait_seconds: z.number().min(0).max(300).optional(),
      routed_only: z.boolean().optional(),
    }),
    result: z.object({ tasks: z.array(leasedTaskSchema) }),
  },
  ack: {
    params: z.object({
      task_id: taskId,
      status: z.enum(['done', 'failed'], { message: 'must be "done" or "failed"' }),
      result: z.string().nullish().transform((v) => v ?? null),
      error: z.string().nullish().transform((v) => v ?? null),
      lease_token: leaseToken.optional(),
      artifact: artifactSchema.optional(),
    }),
    /** `duplicate`: the same ack arrived before (a retry after a lost answer). */
    result: z.object({ ok, duplicate: ok.optional() }),
  },
  release: { params: z.object({ task_id: taskId, lease_token: leaseToken }), result: z.object({ ok }) },
  output: {
    params: z.object({
      task_id: taskId,
      lease_token: leaseToken,
      stream: z.enum(['stdout', 'stderr']).default('stdout'),
      text: z.string().max(1024 * 1024),
    }),
    /** `status` is `cancelled` once the task was cancelled: the worker stops it. */
    result: z.object({ ok, status: z.enum(TASK_STATUSES) }),
  },
  artifact: { params: z.object({ task_id: taskId }), result: z.object({ artifact: artifactSchema.nullable() }) },
  /** Served by the connection (JSONL) or GET /events (REST); events follow as `{"event": ...}` lines. */
  subscribe: {
    params: z.object({ types: z.array(z.enum(HUB_EVENT_TYPES as [string, ...string[]])).min(1).optional() }),
    result: z.object({ ok }),
  },
  unsubscribe: { params: z.object({}), result: z.object({ ok }) },
  /** Served by the JSONL connection: the token of a hub that requires one. */
  auth: { params: z.object({ token: z.string() }), result: z.object({ ok }) },
  list: {
    params: z.object({
      status: z.enum(TASK_STATUSES).optional(),
      limit: z.number().int().default(50),
      backend: routedBackendName.optional(),
      run_id: z.string().min(1).optional(),
      before_id: taskId.optional(),
    }),
    result: z.object({ tasks: z.array(taskSchema), stats: statsSchema }),
  },
  list_rows: {
    params: z.object({
      status: z.enum(TASK_STATUSES).optional(),
      limit: z.number().int().min(0).max(1_000_000).default(1000),
      backend: routedBackendName.optional(),
      run_id: z.string().min(1).optional(),
      search: z.string().max(200).optional(),
    }),
    result: z.object({ rows: z.array(taskRowSchema), stats: statsSchema }),
  },
  stats: { params: z.object({}), result: z.object({ stats: statsSchema }) },
  retry_failed: { params: z.object({ task_id: taskId.optional() }), result: z.object({ retried: z.number().int() }) },
  get: {
    params: z.object({ task_id: taskId }),
    /** `earlier_attempts` only for a task retried after its run ended. */
    result: z.object({ task: taskSchema, earlier_attempts: z.array(earlierAttemptSchema).optional() }),
  },
  cancel: { params: z.object({ task_id: taskId }), result: z.object({ ok, task: taskSchema }) },
  extend: {
    params: z.object({ task_id: taskId, lease_token: leaseToken, lease_seconds: leaseSeconds.optional() }),
    result: z.object({ ok, leased_until: z.number() }),
  },
  hello: {
    params: z.object({}),
    result: z.object({ server: z.string(), version: z.string(), extensions: z.array(z.string()), max_line_bytes: z.number().int().optional() }),
  },
  workers: { params: z.object({}), result: z.object({ workers: z.array(workerInfoSchema) }) },
  bye: { params: z.object({ worker_id: z.string().min(1).max(200) }), result: z.object({ ok, known: z.boolean() }) },
  run_create: {
    params: z.object({
      run_id: z.string().regex(/^[A-Za-z0-9_.:-]{1,120}$/, 'letters, digits and _ . : - only').optional(),
      label: z.string().max(200).nullish(),
      pack_name: z.string().min(1).max(200),
      pack_path: z.string().max(4096).nullish(),
      preset: z.enum(RUN_PRESETS).default('custom'),
      backends: z.array(routedBackendName).min(1).max(100),
      repeat: z.number().int().min(1).max(1000).default(1),
      entries: z.array(packEntrySchema).min(1).max(100_000),
      lock_state: recordedLockState.nullish(),
    }),
    result: z.object({ run_id: z.string(), task_ids: z.array(z.number().int()) }),
  },
  run_get: { params: z.object({ run_id: runId }), result: runRecordSchema },
  run_summary: { params: z.object({ run_id: runId }), result: runSummarySchema },
  run_task_checks: { params: z.object({ task_id: taskId }), result: z.object({ checks: z.array(checkResultSchema) }) },
  run_list: {
    params: z.object({ pack_name: z.string().min(1).optional(), limit: z.number().int().default(50) }),
    result: z.object({ runs: z.array(runSummarySchema) }),
  },
  run_baseline: { params: z.object({ run_id: runId }), result: z.object({ ok, pack_name: z.string() }) },
  run_baseline_of: { params: z.object({ pack_name: z.string().min(1) }), result: z.object({ run_id: z.string().nullable() }) },
  run_pick: {
    params: z.object({ run_id: runId, prompt_id: z.string().min(1), task_id: taskId }),
    result: z.object({ ok, picks: z.record(z.string(), z.number().int()) }),
  },
  run_import: { params: z.object({ record: importedRunSchema }), result: importedRun },
  // A run too large for one request line, in pieces (see core/runs/import-staging.ts).
  run_import_begin: { params: z.object({ run: importedRunSchema.shape.run }), result: z.object({ import_id: z.string() }) },
  run_import_tasks: {
    params: z.object({ import_id: z.string().min(1), tasks: z.array(importedRunSchema.shape.tasks.element).min(1).max(100_000) }),
    result: z.object({ tasks: z.number().int() }),
  },
  run_import_text: {
    params: z.object({ import_id: z.string().min(1), task_index: z.number().int().min(0), field: z.enum(IMPORT_TEXT_FIELDS), text: z.string() }),
    result: z.object({ length: z.number().int() }),
  },
  run_import_commit: { params: z.object({ import_id: z.string().min(1) }), result: importedRun },
  run_import_abort: { params: z.object({ import_id: z.string().min(1) }), result: z.object({ ok }) },
  run_prune: { params: z.object({ keep: z.number().int().min(0) }), result: z.object({ deleted: z.array(z.string()), kept_in_progress: z.array(z.string()) }) },
  run_cancel: { params: z.object({ run_id: runId }), result: z.object({ cancelled: z.number().int() }) },
  run_delete: { params: z.object({ run_id: runId }), result: z.object({ deleted: z.string(), tasks: z.number().int() }) },
  shutdown: { params: z.object({}), result: z.object({ ok }) },
} as const satisfies Record<string, { params: z.ZodObject; result: z.ZodType }>;

export type HubMethod = keyof typeof HUB_METHODS;
/** What a client sends (defaults optional, before transforms). */
export type HubParams<M extends HubMethod> = z.input<(typeof HUB_METHODS)[M]['params']>;
/** What a handler receives: checked, defaults filled, backend names normalised. */
export type HubParsedParams<M extends HubMethod> = z.output<(typeof HUB_METHODS)[M]['params']>;
export type HubResult<M extends HubMethod> = z.output<(typeof HUB_METHODS)[M]['result']>;

/** The params argument of a call: optional where every param is. */
export type HubParamsArg<M extends HubMethod> = Record<never, never> extends HubParams<M> ? [params?: HubParams<M>] : [params: HubParams<M>];

/** Anything that calls the hub by method name (the wire client, the app's open workspace). */
export type HubCall = <M extends HubMethod>(method: M, ...params: HubParamsArg<M>) => Promise<HubResult<M>>;

export const HUB_METHOD_NAMES = Object.keys(HUB_METHODS) as HubMethod[];

export function isHubMethod(name: string): name is HubMethod {
  return Object.hasOwn(HUB_METHODS, name);
}

export function describeIssues(method: string, error: z.ZodError): string {
  const details = error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : 'params'}: ${issue.message}`);
  return `bad params for ${method}: ${details.join('; ')}`;
}

/**
 * Per method, the optional params that have no meaning for null: old clients send null for "not
 * given" (the original `mittelo status` sends `"status": null`), so null there means absent.
 * Params where null means something (`backend: null` = any backend) keep it.
 */
const nullMeansAbsent = new Map<HubMethod, ReadonlySet<string>>();

function keysWhereNullMeansAbsent(method: HubMethod): ReadonlySet<string> {
  let keys = nullMeansAbsent.get(method);
  if (!keys) {
    const shape = HUB_METHODS[method].params.shape as Record<string, z.ZodType>;
    keys = new Set(Object.keys(shape).filter((key) => {
      const field = shape[key];
      return field !== undefined && field.safeParse(undefined).success && !field.safeParse(null).success;
    }));
    nullMeansAbsent.set(method, keys);
  }
  return keys;
}

function dropAbsentNulls(method: HubMethod, params: object): object {
  const keys = keysWhereNullMeansAbsent(method);
  // Checked without building entry arrays first: this runs for every request, and nulls are rare.
  let anyAbsent = false;
  for (const key in params) {
    if (Object.hasOwn(params, key) && (params as Record<string, unknown>)[key] === null && keys.has(key)) {
      anyAbsent = true;
      break;
    }
  }
  if (!anyAbsent) return params;
  return Object.fromEntries(Object.entries(params).filter(([key, value]) => !(value === null && keys.has(key))));
}

/** A method's params checked against the contract; a HubError naming each problem otherwise. */
export function parseParams<M extends HubMethod>(method: M, raw: unknown): HubParsedParams<M> {
  const input = raw === undefined || raw === null ? {} : raw;
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new HubError('bad_request', `bad params for ${method}: params must be an object`);
  }
  const fast = parseParamsFast(method, input);
  if (fast !== undefined) return fast;
  const parsed = HUB_METHODS[method].params.safeParse(dropAbsentNulls(method, input));
  if (!parsed.success) throw new HubError('bad_request', describeIssues(method, parsed.error));
  return parsed.data as HubParsedParams<M>;
}
