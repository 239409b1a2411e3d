/**
 * Names for the types the pages use, all derived from the contract (core/api.ts), so the renderer
 * imports nothing else from core and never retypes a shape.
 */
import type { ApiResult, BackendView, HubStatus, UiEvent } from '../../../core/api.js';

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

// The Runs, Compare, Backends and Version lock pages.
export type Comparison = NonNullable<ApiResult<'compare.runs'>['comparison']>;
export type ComparedPair = Comparison['pairs'][number];
export type PairCategory = ComparedPair['category'];
export type CategoryCounts = Comparison['summary']['counts'];
export type PairSide = NonNullable<ComparedPair['a']>;
export type TextDiff = NonNullable<ComparedPair['diff']>;
export type DiffLine = TextDiff['hunks'][number]['lines'][number];
export type DiffSegment = NonNullable<DiffLine['segments']>[number];
export type BackendChange = Comparison['changes'][number];
export type Gate = Comparison['gate'];
export type GateFinding = Gate['failures'][number];
export type PromptRow = Comparison['rows'][number];
export type RowVerdict = PromptRow['verdict'];
export type RowDetail = ApiResult<'compare.row'>;
export type HistoryPoint = ApiResult<'compare.history'>['points'][number];
export type SideBySide = NonNullable<ApiResult<'runs.sideBySide'>>;
export type PickCandidate = SideBySide['candidates'][number];
export type PromptEntry = ApiResult<'runs.prompts'>['prompts'][number];
export type DriftReport = NonNullable<ApiResult<'lock.check'>['report']>;
export type DriftEntry = DriftReport['entries'][number];
export type DriftStatus = DriftEntry['status'];
export type Preflight = BackendView['preflight'];
export type CheckStatus = Preflight['status'];
export type BinarySource = NonNullable<Preflight['binary']>['source'];
export type ToolPolicy = BackendView['settings']['tool_policy'];

/** Pair categories worst first; fails to compile if core adds one. */
export const CATEGORY_ORDER = ['new_failure', 'fixed', 'changed', 'still_failing', 'only_in_a', 'only_in_b', 'unchanged'] as const satisfies readonly PairCategory[];
export const CATEGORY_LIST_IS_COMPLETE: [Exclude<PairCategory, (typeof CATEGORY_ORDER)[number]>] extends [never] ? true : never = true;

export const TOOL_POLICY_ORDER = ['none', 'read-only', 'workspace-write'] as const satisfies readonly ToolPolicy[];
export const TOOL_POLICY_LIST_IS_COMPLETE: [Exclude<ToolPolicy, (typeof TOOL_POLICY_ORDER)[number]>] extends [never] ? true : never = true;
