/**
 * The hub's methods: one zod schema per method's params and one handler, shared by the JSONL and
 * REST servers so both speak exactly the same contract. Unknown keys are ignored (old clients).
 */
import { z } from 'zod';
import { HubError } from '../errors.js';
import type { TaskQueue } from '../queue/queue.js';
import { HUB_EVENT_TYPES, TASK_STATUSES } from '../queue/types.js';
import { artifactSchema } from '../queue/artifact.js';
import { packEntrySchema } from '../pack.js';
import type { RunService } from '../runs/service.js';
import { IMPORT_TEXT_FIELDS } from '../runs/import-staging.js';
import { RUN_PRESETS, type RunRecord } from '../runs/types.js';
import { expectSchema } from '../runs/expect.js';
import { MAX_FIELD_DEPTH, jsonDepthWithin } from '../json-input.js';
import { parseParamsFast } from './fast-params.js';

/**
 * Routing names are compared in one spelling, the one the driver registry accepts: lower case with
 * `_` for `-` (`Claude-Code` routes like `claude_code`). Aliases stay distinct (`glm` is not
 * `claude_code`: the same CLI, configured for another endpoint).
 */
const backendName = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/, 'must be a backend name: letters, digits, _ . - (max 64)')
  .transform((name) => name.toLowerCase().replace(/-/g, '_'));
const taskId = z.number().int().positive();
const leaseSeconds = z.number().positive().max(7 * 24 * 3600);

/** An exported run coming back (run import): checked enough that nothing malformed is stored. */
const runRecordSchema = z.object({
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
    lock_state: z.array(z.record(z.string(), z.unknown())).nullable(),
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

export const paramSchemas = {
  enqueue: z.object({
    prompt: z.string().refine((s) => s.trim().length > 0, 'must not be blank'),
    backend: backendName.nullish(),
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
  lease: z.object({
    worker_id: z.string().min(1).max(200).default('anonymous'),
    max_tasks: z.number().int().positive().max(1000).default(1),
    lease_seconds: leaseSeconds.optional(),
    backends: z.array(backendName).max(100).optional(),
    wait_seconds: z.number().min(0).max(300).optional(),
    routed_only: z.boolean().optional(),
  }),
  ack: z.object({
    task_id: taskId,
    status: z.enum(['done', 'failed'], { message: 'must be "done" or "failed"' }),
    result: z.string().nullish().transform((v) => v ?? null),
    error: z.string().nullish().transform((v) => v ?? null),
    lease_token: z.string().min(1).optional(),
    artifact: artifactSchema.optional(),
  }),
  release: z.object({ task_id: taskId, lease_token: z.string().min(1) }),
  output: z.object({
    task_id: taskId,
    lease_token: z.string().min(1),
    stream: z.enum(['stdout', 'stderr']).default('stdout'),
    text: z.string().max(1024 * 1024),
  }),
  artifact: z.object({ task_id: taskId }),
  subscribe: z.object({ types: z.array(z.enum(HUB_EVENT_TYPES as [string, ...string[]])).min(1).optional() }),
  list: z.object({
    status: z.enum(TASK_STATUSES).optional(),
    limit: z.number().int().default(50),
    backend: backendName.optional(),
    run_id: z.string().min(1).optional(),
    before_id: taskId.optional(),
  }),
  list_rows: z.object({
    status: z.enum(TASK_STATUSES).optional(),
    limit: z.number().int().min(0).max(1_000_000).default(1000),
    backend: backendName.optional(),
    run_id: z.string().min(1).optional(),
    search: z.string().max(200).optional(),
  }),
  stats: z.object({}),
  retry_failed: z.object({ task_id: taskId.optional() }),
  get: z.object({ task_id: taskId }),
  cancel: z.object({ task_id: taskId }),
  extend: z.object({ task_id: taskId, lease_token: z.string().min(1), lease_seconds: leaseSeconds.optional() }),
  hello: z.object({}),
  workers: z.object({}),
  bye: z.object({ worker_id: z.string().min(1).max(200) }),
  run_create: z.object({
    run_id: z.string().regex(/^[A-Za-z0-9_.:-]{1,120}$/, 'letters, digits and _ . : - only').optional(),
    label: z.string().max(200).nullish(),
    pack_name: z.string().min(1).max(200),
    pack_path: z.string().max(4096).nullish(),
    preset: z.enum(RUN_PRESETS).default('custom'),
    backends: z.array(backendName).min(1).max(100),
    repeat: z.number().int().min(1).max(1000).default(1),
    entries: z.array(packEntrySchema).min(1).max(100_000),
    lock_state: z.array(z.record(z.string(), z.unknown())).nullish(),
  }),
  run_get: z.object({ run_id: z.string().min(1) }),
  run_summary: z.object({ run_id: z.string().min(1) }),
  run_task_checks: z.object({ task_id: taskId }),
  run_list: z.object({ pack_name: z.string().min(1).optional(), limit: z.number().int().default(50) }),
  run_baseline: z.object({ run_id: z.string().min(1) }),
  run_baseline_of: z.object({ pack_name: z.string().min(1) }),
  run_pick: z.object({ run_id: z.string().min(1), prompt_id: z.string().min(1), task_id: taskId }),
  run_import: z.object({ record: runRecordSchema }),
  // A run too large for one request line, in pieces (see core/runs/import-staging.ts).
  run_import_begin: z.object({ run: runRecordSchema.shape.run }),
  run_import_tasks: z.object({ import_id: z.string().min(1), tasks: z.array(runRecordSchema.shape.tasks.element).min(1).max(100_000) }),
  run_import_text: z.object({ import_id: z.string().min(1), task_index: z.number().int().min(0), field: z.enum(IMPORT_TEXT_FIELDS), text: z.string() }),
  run_import_commit: z.object({ import_id: z.string().min(1) }),
  run_import_abort: z.object({ import_id: z.string().min(1) }),
  run_prune: z.object({ keep: z.number().int().min(0) }),
  run_cancel: z.object({ run_id: z.string().min(1) }),
  run_delete: z.object({ run_id: z.string().min(1) }),
  shutdown: z.object({}),
};

export type MethodName = keyof typeof paramSchemas;
export type MethodParams<M extends MethodName> = z.output<(typeof paramSchemas)[M]>;

export interface MethodContext {
  queue: TaskQueue;
  runs: RunService;
  requestShutdown: () => void;
  /** The longest request line this hub accepts, announced by `hello` (clients size their pieces by it). */
  maxLineBytes?: number;
}

export const HUB_VERSION = '0.1.0';

/** Methods beyond the floor, announced by `hello` so clients can feature-detect. */
export const EXTENSIONS = [
  'get', 'cancel', 'extend', 'subscribe', 'unsubscribe', 'auth', 'hello',
  'priority', 'routing', 'max_attempts', 'lease_token', 'idempotency_key', 'wait_seconds',
  'labels', 'metadata', 'run_id', 'list_filters', 'retry_one',
  'release', 'output', 'artifact', 'subscribe_types', 'workers', 'runs', 'list_rows',
  'run_import_pieces', 'bye', 'runs_deleted',
];

type Handler<M extends MethodName> = (ctx: MethodContext, params: MethodParams<M>, signal?: AbortSignal) => unknown;

const handlers: { [M in MethodName]: Handler<M> } = {
  enqueue: (ctx, p) => ctx.queue.enqueue(p),
  lease: (ctx, p, signal) => {
    const tasks = ctx.queue.leaseOrWait(p, signal);
    return tasks instanceof Promise ? tasks.then((waited) => ({ tasks: waited })) : { tasks };
  },
  ack: (ctx, p) => ctx.queue.ack(p),
  list: (ctx, p) => ({ tasks: ctx.queue.list(p), stats: ctx.queue.stats() }),
  stats: (ctx) => ({ stats: ctx.queue.stats() }),
  list_rows: (ctx, p) => ({ rows: ctx.queue.rows(p), stats: ctx.queue.stats() }),
  retry_failed: (ctx, p) => ctx.queue.retryFailed(p.task_id),
  get: (ctx, p) => {
    // Additive: only a task retried after its run ended has earlier attempts to show.
    const earlier = ctx.queue.earlierAttempts(p.task_id);
    return { task: ctx.queue.get(p.task_id), ...(earlier.length > 0 ? { earlier_attempts: earlier } : {}) };
  },
  cancel: (ctx, p) => ctx.queue.cancel(p.task_id),
  extend: (ctx, p) => ctx.queue.extend(p.task_id, p.lease_token, p.lease_seconds),
  release: (ctx, p) => ctx.queue.release(p.task_id, p.lease_token),
  output: (ctx, p) => ctx.queue.output(p.task_id, p.lease_token, p.stream, p.text),
  artifact: (ctx, p) => ({ artifact: ctx.queue.artifact(p.task_id) }),
  // Served by the connection (JSONL) or the event stream (REST); here only for its params schema.
  subscribe: () => {
    throw new HubError('bad_request', 'subscribe is served by the JSONL connection or GET /events');
  },
  hello: (ctx) => ({ server: 'mittelo', version: HUB_VERSION, extensions: EXTENSIONS, ...(ctx.maxLineBytes ? { max_line_bytes: ctx.maxLineBytes } : {}) }),
  workers: (ctx) => ({ workers: ctx.queue.listWorkers() }),
  bye: (ctx, p) => ctx.queue.workerLeft(p.worker_id),
  run_create: (ctx, p) =>
    ctx.runs.create({ ...p, lock_state: (p.lock_state ?? null) as Parameters<RunService['create']>[0]['lock_state'] }),
  run_get: (ctx, p) => ctx.runs.get(p.run_id),
  run_summary: (ctx, p) => ctx.runs.summary(p.run_id),
  run_task_checks: (ctx, p) => ({ checks: ctx.runs.taskChecks(p.task_id) }),
  run_list: (ctx, p) => ({ runs: ctx.runs.list(p) }),
  run_baseline: (ctx, p) => ctx.runs.setBaseline(p.run_id),
  run_baseline_of: (ctx, p) => ({ run_id: ctx.runs.baselineOf(p.pack_name) }),
  run_pick: (ctx, p) => ctx.runs.pick(p.run_id, p.prompt_id, p.task_id),
  run_import: (ctx, p) => ctx.runs.import(p.record as RunRecord),
  run_import_begin: (ctx, p) => ctx.runs.staging.begin(p.run as RunRecord['run']),
  run_import_tasks: (ctx, p) => ctx.runs.staging.addTasks(p.import_id, p.tasks as RunRecord['tasks']),
  run_import_text: (ctx, p) => ctx.runs.staging.appendText(p.import_id, p.task_index, p.field, p.text),
  // The pieces were checked one by one; the whole is checked again now that the texts are complete.
  run_import_commit: (ctx, p) => ctx.runs.import(parseParams('run_import', { record: ctx.runs.staging.take(p.import_id) }).record as RunRecord),
  run_import_abort: (ctx, p) => ctx.runs.staging.abort(p.import_id),
  run_prune: (ctx, p) => ctx.runs.prune(p.keep),
  run_cancel: (ctx, p) => ctx.runs.cancel(p.run_id),
  run_delete: (ctx, p) => ctx.runs.delete(p.run_id),
  shutdown: (ctx) => {
    ctx.requestShutdown();
    return { ok: true };
  },
};

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(paramSchemas, name);
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
const nullMeansAbsent = new Map<MethodName, ReadonlySet<string>>();

function keysWhereNullMeansAbsent(method: MethodName): ReadonlySet<string> {
  let keys = nullMeansAbsent.get(method);
  if (!keys) {
    const shape = paramSchemas[method].shape as Record<string, z.ZodType>;
    keys = new Set(Object.keys(shape).filter((key) => {
      const field = shape[key];
      return field !== undefined && field.safeParse(undefined).success && !field.safeParse(null).success;
    }));
    nullMeansAbsent.set(method, keys);
  }
  return keys;
}

function dropAbsentNulls(method: MethodName, params: object): object {
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

export function parseParams<M extends MethodName>(method: M, raw: unknown): MethodParams<M> {
  const input = raw === undefined || raw === null ? {} : raw;
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new HubError('bad_request', `bad params for ${method}: params must be an object`);
  }
  const fast = parseParamsFast(method, input);
  if (fast !== undefined) return fast;
  const parsed = paramSchemas[method].safeParse(dropAbsentNulls(method, input));
  if (!parsed.success) throw new HubError('bad_request', describeIssues(method, parsed.error));
  return parsed.data as MethodParams<M>;
}

/**
 * Validate and run one method. Throws HubError with a message naming the problem. The answer is a
 * value, or a Promise for methods that may wait (a long-poll `lease`); `signal` ends such a wait.
 */
export function callMethod(ctx: MethodContext, method: string, rawParams: unknown, signal?: AbortSignal): unknown {
  if (!isMethodName(method)) throw new HubError('unknown_method', `unknown method ${JSON.stringify(method)}`);
  const params = parseParams(method, rawParams);
  return (handlers[method] as (ctx: MethodContext, params: unknown, signal?: AbortSignal) => unknown)(ctx, params, signal);
}
