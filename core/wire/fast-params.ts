/**
 * Hand-written parsers for the params of the three methods every task goes through (`enqueue`,
 * `lease`, `ack`), tried before zod: with one request in flight per connection, zod's generic walk
 * was a visible share of the hub's CPU per task. Each accepts only the plainest well-formed shape
 * (the floor's params and the common extensions) and returns exactly what the method's zod schema
 * returns for it; anything else (a missing or wrong field, a null, any other known param) returns
 * undefined and goes through zod, which also writes the error message. Unknown keys are ignored, as
 * zod strips them. tests/unit/fast-params.test.ts checks both agree on generated inputs.
 */
import type { HubMethod, HubParsedParams } from './contract.js';

type FastParser<M extends HubMethod> = (params: Record<string, unknown>) => HubParsedParams<M> | undefined;

const MAX_LEASE_SECONDS = 7 * 24 * 3600;

const isSafePositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Other params each method knows: present, they need zod (their checks, transforms or null rules). */
const SLOW_KEYS = {
  enqueue: new Set(['backend', 'priority', 'max_attempts', 'labels', 'metadata', 'run_id', 'idempotency_key']),
  lease: new Set(['backends', 'routed_only']),
  ack: new Set(['artifact']),
};

function hasSlowKey(params: Record<string, unknown>, slow: ReadonlySet<string>): boolean {
  for (const key in params) if (slow.has(key)) return true;
  return false;
}

const enqueue: FastParser<'enqueue'> = (params) => {
  const { prompt } = params;
  if (typeof prompt !== 'string' || prompt.trim().length === 0 || hasSlowKey(params, SLOW_KEYS.enqueue)) return undefined;
  return { prompt };
};

const lease: FastParser<'lease'> = (params) => {
  const { worker_id: workerId, max_tasks: maxTasks, lease_seconds: leaseSeconds, wait_seconds: waitSeconds } = params;
  if (workerId !== undefined && (typeof workerId !== 'string' || workerId.length < 1 || workerId.length > 200)) return undefined;
  if (maxTasks !== undefined && (!isSafePositiveInt(maxTasks) || maxTasks > 1000)) return undefined;
  if (leaseSeconds !== undefined && (!isFiniteNumber(leaseSeconds) || leaseSeconds <= 0 || leaseSeconds > MAX_LEASE_SECONDS)) return undefined;
  if (waitSeconds !== undefined && (!isFiniteNumber(waitSeconds) || waitSeconds < 0 || waitSeconds > 300)) return undefined;
  if (hasSlowKey(params, SLOW_KEYS.lease)) return undefined;
  const parsed: HubParsedParams<'lease'> = { worker_id: workerId ?? 'anonymous', max_tasks: maxTasks ?? 1 };
  if (leaseSeconds !== undefined) parsed.lease_seconds = leaseSeconds;
  if (waitSeconds !== undefined) parsed.wait_seconds = waitSeconds;
  return parsed;
};

const isStringOrNull = (v: unknown): v is string | null | undefined => v === undefined || v === null || typeof v === 'string';

const ack: FastParser<'ack'> = (params) => {
  const { task_id: taskId, status, result, error, lease_token: leaseToken } = params;
  if (!isSafePositiveInt(taskId) || (status !== 'done' && status !== 'failed')) return undefined;
  if (!isStringOrNull(result) || !isStringOrNull(error)) return undefined;
  if (leaseToken !== undefined && (typeof leaseToken !== 'string' || leaseToken.length < 1)) return undefined;
  if (hasSlowKey(params, SLOW_KEYS.ack)) return undefined;
  const parsed: HubParsedParams<'ack'> = { task_id: taskId, status, result: result ?? null, error: error ?? null };
  if (leaseToken !== undefined) parsed.lease_token = leaseToken;
  return parsed;
};

const FAST_PARSERS: { [M in HubMethod]?: FastParser<M> } = { enqueue, lease, ack };

/** The params parsed without zod, or undefined when they need the full schema (or are wrong). */
export function parseParamsFast<M extends HubMethod>(method: M, params: object): HubParsedParams<M> | undefined {
  const parser = FAST_PARSERS[method] as FastParser<M> | undefined;
  return parser?.(params as Record<string, unknown>);
}
