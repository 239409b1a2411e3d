/**
 * Numbers, times and money as people read them, on every page. Amounts, durations, changes and the
 * dash for a value nobody reported come from core/display.ts, so the app, the reports and the CLI
 * read the same. Hub times are seconds since the epoch.
 */
import { DASH, formatCount, isKnown } from '../../../core/display.js';

export { DASH, formatBeforeAfter, formatChange, formatCost, formatCount, formatMs } from '../../../core/display.js';

/** Hub seconds as the full local date and time (task detail). */
export function formatTime(seconds: number | null | undefined): string {
  return isKnown(seconds) ? new Date(seconds * 1000).toLocaleString() : DASH;
}

/** Hub seconds as a short local date and time (run lists). */
export function formatWhen(seconds: number | null | undefined): string {
  if (!isKnown(seconds)) return DASH;
  return new Date(seconds * 1000).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function formatClock(seconds: number): string {
  return new Date(seconds * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

export function formatAgo(seconds: number | null | undefined, now = Date.now() / 1000): string {
  if (!isKnown(seconds)) return DASH;
  const delta = Math.max(0, now - seconds);
  if (delta < 5) return 'just now';
  if (delta < 60) return `${Math.round(delta)} s ago`;
  if (delta < 3600) return `${Math.round(delta / 60)} min ago`;
  if (delta < 86_400) return `${Math.round(delta / 3600)} h ago`;
  return `${Math.round(delta / 86_400)} d ago`;
}

/** Input and output tokens as "1,200 in / 340 out"; the dash when neither was reported. */
export function formatTokens(input: number | null | undefined, output: number | null | undefined): string {
  if (!isKnown(input) && !isKnown(output)) return DASH;
  return `${formatCount(input)} in / ${formatCount(output)} out`;
}

/** A run's name for lists: its label, else its id. */
export function runName(run: { run_id: string; label: string | null }): string {
  return run.label?.trim() || run.run_id;
}

/** argv as a shell line a person could paste (single quotes where needed). */
export function shellLine(argv: readonly string[]): string {
  return argv.map((arg) => (/^[A-Za-z0-9_./:=@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}
