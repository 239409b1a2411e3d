/**
 * Numbers as the Runs, Compare and Backends pages show them, over lib/format. Unknown is not zero:
 * a value a CLI did not report is shown as "–", never as 0.
 */
import * as base from '../../lib/format.js';

export const DASH = '–';

const known = (n: number | null | undefined): n is number => n !== null && n !== undefined && Number.isFinite(n);

export function formatMs(ms: number | null | undefined): string {
  return known(ms) ? base.formatMs(ms) : DASH;
}

export function formatCost(usd: number | null | undefined): string {
  if (!known(usd)) return DASH;
  return usd === 0 ? '$0' : base.formatCost(usd);
}

export function formatCount(n: number | null | undefined): string {
  return known(n) ? base.formatCount(n) : DASH;
}

/** Input and output tokens as "1,200 in / 340 out"; "–" when neither was reported. */
export function formatTokens(input: number | null | undefined, output: number | null | undefined): string {
  if (!known(input) && !known(output)) return DASH;
  return `${formatCount(input)} in / ${formatCount(output)} out`;
}

/** A signed change: "+120 ms (+12.5%)"; "–" when either side is unknown. */
export function formatDelta(delta: number | null, pct: number | null, unit: (n: number) => string): string {
  if (delta === null) return DASH;
  const sign = delta > 0 ? '+' : delta < 0 ? '−' : '±';
  const pctText = pct === null ? '' : ` (${pct > 0 ? '+' : ''}${pct}%)`;
  return `${sign}${unit(Math.abs(delta))}${pctText}`;
}

/** Hub seconds as a short local date and time. */
export function formatWhen(seconds: number | null | undefined): string {
  if (!known(seconds)) return DASH;
  return new Date(seconds * 1000).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** A run's name for lists: its label, else its id. */
export function runName(run: { run_id: string; label: string | null }): string {
  return run.label?.trim() || run.run_id;
}
