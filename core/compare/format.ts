/**
 * Words and numbers shared by the text and HTML reports, so both say the same thing the same way;
 * amounts, durations and the dash for unknown read as everywhere else (core/display.ts).
 */
import { DASH, formatBeforeAfter, formatChange } from '../display.js';
export { DASH, formatCost, formatCount, formatMs } from '../display.js';
import type { ComparedPair, Comparison, DistributionDelta, GatePolicy, NumberDelta, PairCategory, PairSide, PromptRow, RowSide, RowVerdict } from './types.js';

export const VERDICT_LABELS: Record<RowVerdict, string> = {
  regressed: 'regressed',
  improved: 'improved',
  flaky: 'flaky',
  changed: 'changed',
  'stable-fail': 'stable fail',
  'stable-pass': 'stable pass',
  'only-in-a': 'only in A',
  'only-in-b': 'only in B',
};

/** Rows a report details one by one (stable passes are only counted). */
export const DETAILED_VERDICTS: readonly RowVerdict[] = ['regressed', 'only-in-b', 'flaky', 'changed', 'improved', 'only-in-a', 'stable-fail'];

/** "alpha 0.05 · max pass-rate drop 0% · min repeats 1 · flaky prompts warn". */
export function policyText(policy: GatePolicy): string {
  return `alpha ${policy.alpha} · max pass-rate drop ${Math.round(policy.max_pass_rate_drop * 100)}% · min repeats ${policy.min_repeats} · flaky prompts ${policy.allow_flaky ? 'warn' : 'fail'}`;
}

/** "GATE FAILED: 2 reasons" / "No regressions. The gate passes." */
export function gateHeadline(c: Comparison): string {
  const { gate } = c;
  if (gate.pass) return 'No regressions. The gate passes.';
  return `GATE FAILED: ${plural(gate.failures.length, 'reason')}`;
}

/** "7/10 (70%)". */
export function sideRate(side: RowSide | null): string {
  return side ? `${side.passes}/${side.n} (${Math.round(side.rate * 100)}%)` : DASH;
}

/** "REGRESSED · claude_code · p3 · A 10/10 (100%) → B 4/10 (40%)". */
export function rowTitle(row: PromptRow): string {
  return `${VERDICT_LABELS[row.verdict].toUpperCase()} · ${printable(row.backend)} · ${printable(row.prompt_id)} · A ${sideRate(row.a)} → B ${sideRate(row.b)}`;
}

/** "latency median 1.2 s → 1.5 s (p90 2.0 s → 2.4 s), rank test p = 0.031"; null when neither side reported it. */
export function distributionText(name: string, d: DistributionDelta, unit: (value: number) => string): string | null {
  if (d.a.median === null && d.b.median === null) return null;
  const v = (x: number | null) => (x === null ? DASH : unit(x));
  const p = d.p_value === null || (d.a.n < 2 && d.b.n < 2) ? '' : `, rank test p = ${d.p_value < 0.001 ? '< 0.001' : d.p_value.toFixed(3)}`;
  const p90 = d.a.n > 1 || d.b.n > 1 ? ` (p90 ${v(d.a.p90)} → ${v(d.b.p90)})` : '';
  return `${name} median ${v(d.a.median)} → ${v(d.b.median)}${p90}${p}`;
}

/** The row's example pair, when listed. */
export function examplePair(row: PromptRow, pairs: Map<string, ComparedPair>): ComparedPair | null {
  return row.example_pair === null ? null : (pairs.get(row.example_pair) ?? null);
}

export const CATEGORY_LABELS: Record<PairCategory, string> = {
  new_failure: 'new failure',
  fixed: 'fixed',
  changed: 'changed',
  still_failing: 'still failing',
  only_in_a: 'only in A',
  only_in_b: 'only in B',
  unchanged: 'unchanged',
};

/** The categories a report details pair by pair, most urgent first (unchanged pairs are only counted). */
export const DETAILED_CATEGORIES: readonly PairCategory[] = ['new_failure', 'fixed', 'changed', 'still_failing', 'only_in_a', 'only_in_b'];

/** "1 line", "2 lines". */
export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** "+300 ms (+25.0%)", "−$0.0020"; null when either side did not report it or nothing changed. */
export function formatDelta(delta: NumberDelta, unit: (value: number) => string): string | null {
  if (delta.delta === null || delta.delta === 0) return null;
  return formatChange(delta.delta, delta.pct, unit);
}

/** "1.2 s → 1.5 s", "— → $0.0100" (unknown stays the dash, never 0). */
export function formatPair(delta: NumberDelta, unit: (value: number) => string): string {
  return formatBeforeAfter(delta.a, delta.b, unit);
}

/** "done, checks pass", "done, 1 of 3 checks fail", "failed (rate_limited)", "cancelled". */
export function describeStatus(side: PairSide): string {
  const failing = side.checks.filter((check) => !check.pass).length;
  if (side.status === 'done') {
    if (side.checks.length === 0) return 'done';
    return failing === 0 ? 'done, checks pass' : `done, ${failing} of ${side.checks.length} checks fail`;
  }
  if (side.status === 'failed') return side.failure_class ? `failed (${side.failure_class})` : 'failed';
  if (side.status === 'leased') return 'still running';
  return side.status;
}

/** The first line of a prompt, cut to `max` characters. */
export function promptTitle(prompt: string, max = 72): string {
  const first = prompt.trim().split('\n')[0] ?? '';
  return first.length > max ? `${first.slice(0, max - 1)}…` : first;
}

/** Run times are epoch seconds (as the store keeps them); shown in UTC, to the minute. */
export function formatDate(epochSeconds: number): string {
  return `${new Date(epochSeconds * 1000).toISOString().replace('T', ' ').slice(0, 16)} UTC`;
}

const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;
const CONTROL_BUT_NEWLINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Control characters (ESC above all: answers are untrusted) as \xNN; tabs stay, and newlines when asked. */
export function printable(text: string, keepNewlines = false): string {
  const source = keepNewlines ? text.replace(/\r\n/g, '\n') : text;
  return source.replace(keepNewlines ? CONTROL_BUT_NEWLINE : CONTROL, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
