/**
 * Names for the shapes the Runs, Compare, Backends and Version lock pages use, derived from the
 * contract (like api/types.ts), so these pages import nothing else from core.
 */
import type { ApiResult, BackendView } from '../../api/types.js';

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
