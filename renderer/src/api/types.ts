/**
 * Names for the types the pages use, all derived from the contract (core/api.ts), so the renderer
 * imports nothing else from core and never retypes a shape.
 */
import type { ApiResult, HubStatus, UiEvent } from '../../../core/api.js';

export type { ApiError, ApiInput, ApiName, ApiResult, BackendView, HubStatus, PackInfo, TaskRow, UiEvent } from '../../../core/api.js';

export type HubEvent = Extract<UiEvent, { kind: 'hub' }>['event'];
export type ConnectionEvent = Extract<UiEvent, { kind: 'connection' }>;
export type Task = ApiResult<'tasks.get'>['task'];
export type TaskStatus = Task['status'];
export type Artifact = NonNullable<ApiResult<'tasks.get'>['artifact']>;
export type Stats = HubStatus['stats'];
export type WorkerInfo = ApiResult<'workers.list'>['workers'][number];
export type RunSummary = ApiResult<'runs.list'>['runs'][number];
export type RunInfo = RunSummary['run'];
export type RunRollup = RunSummary['rollups'][number];
export type RunRecord = ApiResult<'runs.get'>;
/** Why a task of a run did not pass, in words (absent from hubs that predate it). */
export type RunFailure = NonNullable<RunSummary['failures']>[number];
export type CheckResult = NonNullable<ApiResult<'tasks.get'>['checks']>[number];

/** The statuses in the order the UI lists them; the check below fails to compile if core adds one. */
export const TASK_STATUS_ORDER = ['queued', 'leased', 'done', 'failed', 'cancelled'] as const satisfies readonly TaskStatus[];
export const STATUS_LIST_IS_COMPLETE: [Exclude<TaskStatus, (typeof TASK_STATUS_ORDER)[number]>] extends [never] ? true : never = true;
