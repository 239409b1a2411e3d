/**
 * The hub's handlers: one per method of the contract (contract.ts), shared by the JSONL and REST
 * servers so both serve exactly the same methods. Each handler gets its params checked and returns
 * its result's type (the compiler holds it to the contract); results are not parsed here.
 */
import { HubError } from '../errors.js';
import type { TaskQueue } from '../queue/queue.js';
import type { RunService } from '../runs/service.js';
import type { RunRecord } from '../runs/types.js';
import { EXTENSIONS, HUB_VERSION, isHubMethod, parseParams, type HubMethod, type HubParsedParams, type HubResult } from './contract.js';

export interface MethodContext {
  queue: TaskQueue;
  runs: RunService;
  requestShutdown: () => void;
  /** The longest request line this hub accepts, announced by `hello` (clients size their pieces by it). */
  maxLineBytes?: number;
}

/** The answer is a value, or a Promise for methods that may wait (a long-poll `lease`). */
type Handler<M extends HubMethod> = (ctx: MethodContext, params: HubParsedParams<M>, signal?: AbortSignal) => HubResult<M> | Promise<HubResult<M>>;

/** For the methods the connection serves itself (its subscription, its authentication). */
const servedByConnection = (method: string) => (): never => {
  throw new HubError('bad_request', `${method} is served by the JSONL connection${method === 'subscribe' ? ' or GET /events' : ''}`);
};

/**
 * Answers once the hub's keeper has kept those runs (every run if not given) it is building now, so
 * a run that just settled is summarised from its kept rows instead of being built on the hub's thread.
 */
function afterKeeping<T>(ctx: MethodContext, runIds: readonly string[] | undefined, answer: () => T): T | Promise<T> {
  const pending = ctx.runs.whenKept(runIds);
  return pending ? pending.then(answer) : answer();
}

const handlers: { [M in HubMethod]: Handler<M> } = {
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
  subscribe: servedByConnection('subscribe'),
  unsubscribe: servedByConnection('unsubscribe'),
  auth: servedByConnection('auth'),
  hello: (ctx) => ({ server: 'mittelo', version: HUB_VERSION, extensions: EXTENSIONS, ...(ctx.maxLineBytes ? { max_line_bytes: ctx.maxLineBytes } : {}) }),
  workers: (ctx) => ({ workers: ctx.queue.listWorkers() }),
  bye: (ctx, p) => ctx.queue.workerLeft(p.worker_id),
  run_create: (ctx, p) =>
    ctx.runs.create({ ...p, lock_state: (p.lock_state ?? null) as Parameters<RunService['create']>[0]['lock_state'] }),
  run_get: (ctx, p) => ctx.runs.get(p.run_id),
  run_summary: (ctx, p) => afterKeeping(ctx, [p.run_id], () => ctx.runs.summary(p.run_id)),
  run_task_checks: (ctx, p) => ({ checks: ctx.runs.taskChecks(p.task_id) }),
  run_list: (ctx, p) => afterKeeping(ctx, undefined, () => ({ runs: ctx.runs.list(p) })),
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

/**
 * Validate and run one method. Throws HubError with a message naming the problem. The answer is a
 * value, or a Promise for methods that may wait (a long-poll `lease`); `signal` ends such a wait.
 */
export function callMethod(ctx: MethodContext, method: string, rawParams: unknown, signal?: AbortSignal): unknown {
  if (!isHubMethod(method)) throw new HubError('unknown_method', `unknown method ${JSON.stringify(method)}`);
  const params = parseParams(method, rawParams);
  return (handlers[method] as (ctx: MethodContext, params: unknown, signal?: AbortSignal) => unknown)(ctx, params, signal);
}
