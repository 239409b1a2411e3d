/** The version lock's drift report in plain words, drift first. */
import type { DriftEntry, DriftReport, DriftStatus } from '../../api/types.js';
import { DASH } from '../../lib/format.js';

export const DRIFT_INFO: Record<DriftStatus, { label: string; tone: 'good' | 'warn' | 'bad' | 'neutral' }> = {
  ok: { label: 'Matches the lock', tone: 'good' },
  missing: { label: 'Not installed', tone: 'bad' },
  older: { label: 'Older than locked', tone: 'bad' },
  newer: { label: 'Newer than locked', tone: 'warn' },
  different: { label: 'Different version', tone: 'warn' },
  flag_missing: { label: 'A flag it needs is missing', tone: 'bad' },
  node_too_old: { label: 'Needs a newer Node', tone: 'bad' },
  unlocked: { label: 'Not in the lock', tone: 'neutral' },
};

/** Same rule as core/lock/check.ts isDrift (kept here so the page does not import core's runtime). */
export function isDrift(status: DriftStatus): boolean {
  return status !== 'ok' && status !== 'unlocked';
}

/** Drifted CLIs first, then ok, then the ones the lock does not cover; by name within each. */
export function sortEntries(entries: DriftEntry[]): DriftEntry[] {
  const rank = (e: DriftEntry) => (isDrift(e.status) ? 0 : e.status === 'ok' ? 1 : 2);
  return [...entries].sort((x, y) => rank(x) - rank(y) || x.cli.localeCompare(y.cli));
}

export function driftSummary(report: DriftReport): { tone: 'good' | 'bad' | 'warn'; text: string } {
  const drifted = report.entries.filter((e) => isDrift(e.status)).length;
  // Nothing pinned is nothing checked: never a green "every CLI matches".
  if (report.entries.every((e) => e.status === 'unlocked')) {
    return { tone: 'warn', text: 'The lock pins no CLI, so nothing is checked. Install the CLIs your team uses, then write the lock again.' };
  }
  if (drifted === 0) return { tone: 'good', text: 'Every locked CLI matches the lock on this machine.' };
  return { tone: 'bad', text: `${drifted} CLI${drifted === 1 ? ' has' : 's have'} drifted from the lock. Runs on this machine may not match the team’s.` };
}

/** The banner after writing the lock: how many CLIs it pins; none pinned is a warning, not a success. */
export function writtenSummary(clis: number): { tone: 'good' | 'warn'; text: string } {
  if (clis === 0) return { tone: 'warn', text: 'Lock written, but it pins no CLI: none of the CLIs it covers is installed on this machine.' };
  return { tone: 'good', text: `Lock written with ${clis} CLI${clis === 1 ? '' : 's'}.` };
}

/** The flag column: "all present", or the missing ones. */
export function flagText(entry: DriftEntry): string {
  if (entry.status === 'missing') return DASH;
  if (entry.status === 'unlocked') return 'not checked';
  return entry.missing_flags.length === 0 ? 'all present' : `missing: ${entry.missing_flags.join(' ')}`;
}
