/**
 * The shapes the hub answers with, as zod schemas: the result half of the contract in contract.ts.
 * The domain types (Task, RunRecord...) stay where the code that makes them lives; each schema here
 * is checked against its type at compile time (`Same` below), so neither can change alone. Results
 * are not parsed on the hub's hot path: tests parse every method's answer with these schemas.
 */
import { z } from 'zod';
import { TASK_STATUSES, type LeasedTask, type Stats, type Task } from '../queue/types.js';
import { artifactSchema } from '../queue/artifact.js';
import type { WorkerInfo } from '../queue/workers.js';
import type { EarlierAttempt } from '../store/run-attempts.js';
import { CHECK_KINDS, expectSchema, type CheckResult } from '../runs/expect.js';
import { RUN_PRESETS, type LockEntryState, type RunCheckTask, type RunFailure, type RunInfo, type RunRecord, type RunRollup, type RunTask } from '../runs/types.js';
import type { TaskRow } from '../api.js';

const taskStatus = z.enum(TASK_STATUSES);
const timestamp = z.number();

export const taskSchema = z.object({
  task_id: z.number().int(),
  prompt: z.string(),
  status: taskStatus,
  created_at: timestamp,
  updated_at: timestamp,
  leased_until: timestamp.nullable(),
  worker_id: z.string().nullable(),
  result: z.string().nullable(),
  error: z.string().nullable(),
  priority: z.number().int(),
  backend: z.string().nullable(),
  attempts: z.number().int(),
  max_attempts: z.number().int().nullable(),
  labels: z.array(z.string()),
  metadata: z.record(z.string(), z.unknown()),
  run_id: z.string().nullable(),
  idempotency_key: z.string().nullable(),
  leased_at: timestamp.nullable(),
  finished_at: timestamp.nullable(),
  cancelled_at: timestamp.nullable(),
});

export const leasedTaskSchema = taskSchema.extend({ lease_token: z.string() });

export const statsSchema = z.object({
  queued: z.number().int(),
  leased: z.number().int(),
  done: z.number().int(),
  failed: z.number().int(),
  cancelled: z.number().int(),
});

export const taskRowSchema = z.object({
  task_id: z.number().int(),
  status: taskStatus,
  backend: z.string().nullable(),
  run_id: z.string().nullable(),
  priority: z.number().int(),
  created_at: timestamp,
  updated_at: timestamp,
  prompt_preview: z.string(),
  worker_id: z.string().nullable(),
});

export const workerInfoSchema = z.object({
  worker_id: z.string(),
  backends: z.array(z.string()),
  last_seen: timestamp,
  waiting: z.boolean(),
  running: z.array(z.object({ task_id: z.number().int(), backend: z.string().nullable() })),
});

export const earlierAttemptSchema = z.object({
  attempt: z.number().int(),
  run_id: z.string(),
  task: taskSchema,
  artifact: artifactSchema.nullable(),
});

export const checkResultSchema = z.object({
  check: z.string(),
  pass: z.boolean(),
  detail: z.string(),
  kind: z.enum(CHECK_KINDS).optional(),
  reason: z.string().optional(),
  task_id: z.number().int().optional(),
  pending: z.boolean().optional(),
});

export const lockEntryStateSchema = z.object({
  cli: z.string(),
  locked_version: z.string().nullable(),
  installed_version: z.string().nullable(),
  status: z.enum(['ok', 'missing', 'older', 'newer', 'different', 'flag_missing', 'node_too_old', 'unlocked']),
});

export const runInfoSchema = z.object({
  run_id: z.string(),
  label: z.string().nullable(),
  pack_name: z.string(),
  pack_path: z.string().nullable(),
  preset: z.enum(RUN_PRESETS),
  backends: z.array(z.string()),
  repeat: z.number().int(),
  created_at: timestamp,
  finished_at: timestamp.nullable(),
  host: z.string(),
  lock_state: z.array(lockEntryStateSchema).nullable(),
  baseline: z.boolean(),
  picks: z.record(z.string(), z.number().int()),
});

export const runTaskSchema = z.object({
  task_id: z.number().int(),
  prompt_id: z.string(),
  prompt: z.string(),
  backend: z.string(),
  repeat_index: z.number().int(),
  status: taskStatus,
  result: z.string().nullable(),
  error: z.string().nullable(),
  artifact: artifactSchema.nullable(),
  expect: expectSchema.nullable(),
  checks: z.array(checkResultSchema),
  pass: z.boolean(),
  retried_after_run: z.object({ attempts: z.number().int(), status: taskStatus }).optional(),
});

export const runCheckTaskSchema = runTaskSchema.extend({
  check_of: z.number().int(),
  check_kind: z.enum(['command', 'judge']),
});

export const runRecordSchema = z.object({
  run: runInfoSchema,
  tasks: z.array(runTaskSchema),
  check_tasks: z.array(runCheckTaskSchema).optional(),
});

const nullableFigure = z.number().nullable();

export const runRollupSchema = z.object({
  backend: z.string().nullable(),
  total: z.number().int(),
  done: z.number().int(),
  failed: z.number().int(),
  running: z.number().int(),
  queued: z.number().int(),
  cancelled: z.number().int(),
  passed: z.number().int(),
  check_failures: z.number().int(),
  checks_pending: z.number().int(),
  latency_ms: z.object({ p50: nullableFigure, p95: nullableFigure, mean: nullableFigure }),
  input_tokens: nullableFigure,
  output_tokens: nullableFigure,
  cost_usd: nullableFigure,
});

export const runFailureSchema = z.object({
  task_id: z.number().int(),
  prompt_id: z.string(),
  backend: z.string(),
  repeat_index: z.number().int(),
  kind: z.enum(['task', 'checks']),
  reasons: z.array(z.string()),
});

/** A run with its figures, as `run_summary` and each entry of `run_list` give it. */
export const runSummarySchema = z.object({
  run: runInfoSchema,
  rollups: z.array(runRollupSchema),
  failures: z.array(runFailureSchema),
});

/** True when A and B are the same type (also in their optional fields), else false: Holds fails. */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Holds<T extends true> = T;

// A schema that drifts from its domain type (a field added, renamed or retyped on one side) stops
// the build here. Exported so the check is not an unused type.
export type ResultShapesMatchDomainTypes = [
  Holds<Same<z.output<typeof taskSchema>, Task>>,
  Holds<Same<z.output<typeof leasedTaskSchema>, LeasedTask>>,
  Holds<Same<z.output<typeof statsSchema>, Stats>>,
  Holds<Same<z.output<typeof taskRowSchema>, TaskRow>>,
  Holds<Same<z.output<typeof workerInfoSchema>, WorkerInfo>>,
  Holds<Same<z.output<typeof earlierAttemptSchema>, EarlierAttempt>>,
  Holds<Same<z.output<typeof checkResultSchema>, CheckResult>>,
  Holds<Same<z.output<typeof lockEntryStateSchema>, LockEntryState>>,
  Holds<Same<z.output<typeof runInfoSchema>, RunInfo>>,
  Holds<Same<z.output<typeof runTaskSchema>, RunTask>>,
  Holds<Same<z.output<typeof runCheckTaskSchema>, RunCheckTask>>,
  Holds<Same<z.output<typeof runRecordSchema>, RunRecord>>,
  Holds<Same<z.output<typeof runRollupSchema>, RunRollup>>,
  Holds<Same<z.output<typeof runFailureSchema>, RunFailure>>,
];
