/**
 * What comparing two runs produces: the summary first (counts per category and per backend, CLI
 * version and model changes), then one entry per pair of tasks. The CLI prints it, the UI renders it,
 * `--format json` is this object as is.
 */
import type { FailureClass } from '../../drivers/types.js';
import type { TaskStatus } from '../queue/types.js';
import type { CheckResult } from '../runs/expect.js';
import type { RunPreset, RunRollup } from '../runs/types.js';
import type { WorkspaceComparison } from './workspace.js';

export const PAIR_CATEGORIES = ['new_failure', 'fixed', 'changed', 'still_failing', 'only_in_a', 'only_in_b', 'unchanged'] as const;
/**
 * - `unchanged`: both ok (done, every check passes), same answer (a check added between the runs
 *   that passes does not make a difference).
 * - `changed`: both ok, answers differ.
 * - `new_failure`: A ok and B not (failed, not finished, or a check fails), or any check that passed
 *   in A fails in B (a check regression), whatever A's other checks did.
 * - `fixed`: A not ok, B ok. `still_failing`: neither ok (and no check regressed).
 * - `only_in_a` / `only_in_b`: no counterpart in the other run.
 */
export type PairCategory = (typeof PAIR_CATEGORIES)[number];
export type CategoryCounts = Record<PairCategory, number>;

/** A value on each side and how B differs from A; null wherever a side did not report it (unknown is not 0). */
export interface NumberDelta {
  a: number | null;
  b: number | null;
  delta: number | null;
  /** (b - a) / a in percent, rounded to 0.1; null when a is 0 or unknown. */
  pct: number | null;
}

export interface PairDeltas {
  latency_ms: NumberDelta;
  cost_usd: NumberDelta;
  input_tokens: NumberDelta;
  output_tokens: NumberDelta;
}

/** One side of a pair: the task as far as comparison needs it (the full answer stays in the run). */
export interface PairSide {
  task_id: number;
  status: TaskStatus;
  /** Done and every check passes. */
  ok: boolean;
  answer_chars: number | null;
  /** The answer's beginning (at most ANSWER_EXCERPT_CHARS), for pairs without a diff. */
  answer_excerpt: string | null;
  answer_excerpt_truncated: boolean;
  /** The task's error, or the artifact's failure message (at most ERROR_CHARS). */
  error: string | null;
  failure_class: FailureClass | null;
  cli_version: string | null;
  model: string | null;
  checks: CheckResult[];
}

export interface ValueChange {
  from: string;
  to: string;
}

export type DiffLineKind = 'context' | 'removed' | 'added';

/** A piece of a changed line: `same` is in both answers, `removed` only in A, `added` only in B. */
export interface DiffSegment {
  kind: 'same' | 'removed' | 'added';
  text: string;
}

export interface DiffLine {
  kind: DiffLineKind;
  /** The line without its line break; shortened (see `elided`) when very long. */
  text: string;
  /** 1-based line numbers; null on the side the line is not in. */
  a_line: number | null;
  b_line: number | null;
  /** Word-level pieces of a changed line (they join to `text`); absent when not computed. */
  segments?: DiffSegment[];
  /** The line was longer than MAX_LINE_CHARS and its unchanged stretches were cut to their ends. */
  elided?: boolean;
}

export interface DiffHunk {
  /** 1-based first line and line count on each side, as in a unified diff header. */
  a_start: number;
  a_count: number;
  b_start: number;
  b_count: number;
  lines: DiffLine[];
}

export interface TextDiff {
  a_lines: number;
  b_lines: number;
  /** Lines only in A / only in B over the whole answers (not only what `hunks` shows). */
  removed: number;
  added: number;
  hunks: DiffHunk[];
  /** Diff lines past the display cap (MAX_DIFF_LINES), left out of `hunks`. */
  omitted_lines: number;
  /** Null when the diff is exact; else why it is coarser (a region shown as replaced whole). */
  simplified: string | null;
  /** Changed blocks shown without word highlights (too large, or too different to be worth it). */
  blocks_without_word_diff: number;
  /** Set when the answers differ in a way lines do not show (line endings, final newline). */
  note: string | null;
}

export interface ComparedPair {
  /** Unique within the comparison: `<task id in A or ->:<task id in B or ->`. */
  key: string;
  category: PairCategory;
  prompt_id: string;
  /** B's prompt text when both exist (see prompt_changed). */
  prompt: string;
  backend: string;
  repeat_index: number;
  /** How the tasks were paired: by prompt id, or by prompt text when the ids differ; null when unpaired. */
  matched_by: 'id' | 'text' | null;
  /** Paired by id but the prompt text differs between the runs. */
  prompt_changed: boolean;
  a: PairSide | null;
  b: PairSide | null;
  /** Checks that passed in A and fail in B (by check name). */
  check_regressions: CheckResult[];
  /** Checks that failed in A and pass in B. */
  check_fixes: string[];
  deltas: PairDeltas;
  /** Null when either answer is missing or the answers are identical. */
  diff: TextDiff | null;
  cli_version_change: ValueChange | null;
  model_change: ValueChange | null;
  /** System tests: both workdirs' diffs and checks, the files touched differently, the diff of the diffs (absent otherwise). */
  workspace?: WorkspaceComparison;
  /** On a changed or new_failure pair: the version or model change that most likely caused it, e.g. "claude_code 2.1.197 → 2.2.0". */
  likely_cause: string | null;
}

/** The CLI versions (or models) a backend's artifacts reported in each run, when they differ. */
export interface BackendChange {
  backend: string;
  kind: 'cli_version' | 'model';
  a: string[];
  b: string[];
  /** "claude_code 2.1.197 → 2.2.0" or "claude_code model sonnet → opus". */
  text: string;
}

export interface BackendSummary {
  backend: string;
  pairs: number;
  counts: CategoryCounts;
  /** The backend's tasks in each run (all of them, not only the paired ones). */
  a: RunRollup;
  b: RunRollup;
  latency_p50_ms: NumberDelta;
  /** Summed over the pairs where both runs reported a cost (like for like; the rollups hold the run totals). */
  cost_usd: NumberDelta;
}

export interface RunRef {
  run_id: string;
  label: string | null;
  pack_name: string;
  preset: RunPreset;
  created_at: number;
  host: string;
  tasks: number;
}

export interface ComparisonSummary {
  pairs: number;
  /** Pairs in `pairs`: all of them, or above MAX_LISTED_PAIRS each row's example pair only. */
  listed_pairs: number;
  counts: CategoryCounts;
  /** The gate failed (see `gate`): the CLI exits non-zero. */
  regressions: boolean;
  by_backend: BackendSummary[];
  /** Prompt × backend rows per verdict. */
  verdicts: VerdictCounts;
}

export const ROW_VERDICTS = ['regressed', 'improved', 'flaky', 'changed', 'stable-fail', 'stable-pass', 'only-in-a', 'only-in-b'] as const;
/**
 * One verdict per (prompt, backend) over all its repeats on each side:
 * - `regressed`: the pass rate dropped and the drop is significant (Fisher's exact test below the
 *   policy's alpha and larger than max_pass_rate_drop), or a check's pass rate did; with one try a
 *   side, any pass → fail (there is no spread to judge noise by).
 * - `improved`: the same the other way.
 * - `flaky`: mixed results on a side, or a difference too small to be significant.
 * - `changed`: passes (or fails) throughout on both sides, and the answers moved beyond their own spread.
 * - `stable-pass` / `stable-fail`: passes (fails) throughout on both sides, answers within their spread.
 * - `only-in-a` / `only-in-b`: the prompt ran on that backend in one run only.
 */
export type RowVerdict = (typeof ROW_VERDICTS)[number];
export type VerdictCounts = Record<RowVerdict, number>;

/** Median and 90th percentile of what the tasks of a side reported (null when none did). */
export interface Distribution {
  n: number;
  median: number | null;
  p90: number | null;
}

export interface DistributionDelta {
  a: Distribution;
  b: Distribution;
  /** B's median − A's median. */
  median_delta: number | null;
  /** Two-sided Mann-Whitney U p-value: small means the distributions really differ. */
  p_value: number | null;
}

/** One side of a row: the repeats of a prompt on a backend in one run. */
export interface RowSide {
  /** Tries, passes (done and every check passes), pass rate. */
  n: number;
  passes: number;
  rate: number;
  /** 95% Wilson interval of the pass rate. */
  interval: [number, number];
  /** pass@k and pass^k with the row's k. */
  pass_at_k: number;
  pass_hat_k: number;
  task_ids: number[];
}

/** A check's pass counts on each side, and whether its drop counts as a regression. */
export interface CheckTrend {
  check: string;
  a_passes: number;
  a_n: number;
  b_passes: number;
  b_n: number;
  p_value: number;
  regressed: boolean;
  /** One of B's failure details (why it failed). */
  detail: string | null;
}

export interface PromptRow {
  /** `<prompt id>` + NUL + `<backend>`; unique within the comparison. */
  key: string;
  prompt_id: string;
  prompt: string;
  backend: string;
  verdict: RowVerdict;
  /** The pass rate itself dropped significantly (a regressed row may instead owe it to a check alone). */
  rate_regressed: boolean;
  a: RowSide | null;
  b: RowSide | null;
  /** k of pass@k / pass^k: the smaller side's tries. */
  k: number;
  /** One-sided Fisher p-value that B's pass rate is lower (null when a side is missing). */
  p_drop: number | null;
  /** And that it is higher. */
  p_gain: number | null;
  /** How far the answers moved (null when a side has no answer). */
  movement: Movement | null;
  checks: CheckTrend[];
  latency_ms: DistributionDelta;
  output_tokens: DistributionDelta;
  cost_usd: DistributionDelta;
  /** Why the verdict, in words: counts, p-value, the failing checks. */
  why: string[];
  /** The row fails the gate (see Gate). */
  gating: boolean;
  /** Keys of the row's pairs (see ComparedPair.key; `pairs` may list only the example). */
  pair_keys: string[];
  /** The pair the reports show for this row (the first that fell, else moved, else the first). */
  example_pair: string | null;
}

/** How far B's answers moved from A's (normalised token edit distance: 0 same, 1 nothing shared). */
export interface Movement {
  /** Mean distance between A's answers and B's. */
  between: number;
  /** Mean distance among A's own repeats, and among B's (null with a single answer). */
  spread_a: number | null;
  spread_b: number | null;
  /** The larger spread (0 when neither side has two answers): what noise alone moves. */
  floor: number;
  /** between − floor, at least 0: how far B moved beyond the noise. */
  beyond: number;
}

/** What a pack (its header's `gate`) or the command line sets for the CI gate. */
export interface GatePolicy {
  /** Fewer tries than this on a side fails the gate (the verdicts cannot tell noise from change). */
  min_repeats: number;
  /** Significance level of the one-sided Fisher test. */
  alpha: number;
  /** A pass-rate drop up to this (0..1) is tolerated even when significant. */
  max_pass_rate_drop: number;
  /** Flaky rows (mixed results in B on a prompt A passed throughout) do not fail the gate. */
  allow_flaky: boolean;
}

export const GATE_FINDING_KINDS = ['regressed', 'check_regression', 'new_prompt_fails', 'backend_dropped', 'prompts_dropped', 'different_packs', 'too_few_repeats', 'flaky'] as const;
export type GateFindingKind = (typeof GATE_FINDING_KINDS)[number];

export interface GateFinding {
  kind: GateFindingKind;
  text: string;
  /** The row concerned, when one. */
  row_key: string | null;
}

export interface Gate {
  pass: boolean;
  policy: GatePolicy;
  /** Where the policy came from: "defaults", "pack header of smoke", "command line". */
  policy_source: string;
  /** Each reason the gate fails. */
  failures: GateFinding[];
  /** Worth a look, but not failing. */
  warnings: GateFinding[];
}

export interface Comparison {
  a: RunRef;
  b: RunRef;
  summary: ComparisonSummary;
  changes: BackendChange[];
  /** The CI verdict: fails only on significant regressions, check regressions and the gaps of one-sided rows. */
  gate: Gate;
  /** One per (prompt, backend): regressed first, then by how far the answers moved beyond their spread. */
  rows: PromptRow[];
  /** In A's task order, then the tasks only in B in B's order. */
  pairs: ComparedPair[];
}

export type ComparisonFormat = 'text' | 'json' | 'html';

export interface RenderOptions {
  format: ComparisonFormat;
  /** ANSI colour in text output (see shouldUseColor). Ignored by json and html. */
  color: boolean;
}
