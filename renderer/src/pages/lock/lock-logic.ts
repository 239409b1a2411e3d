/** The version lock's drift report in plain words, drift first. */
import type { DriftEntry, DriftReport, DriftStatus } from '../common/types.js';

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

export function driftSummary(report: DriftReport): { tone: 'good' | 'bad'; text: string } {
  const drifted = report.entries.filter((e) => isDrift(e.status)).length;
  if (drifted === 0) return { tone: 'good', text: 'Every locked CLI matches the lock on this machine.' };
  return { tone: 'bad', text: `${drifted} CLI${drifted === 1 ? ' has' : 's have'} drifted from the lock. Runs on this machine may not match the team’s.` };
}

/** The flag column: "all present", or the missing ones. */
export function flagText(entry: DriftEntry): string {
  if (entry.status === 'missing') return '–';
  if (entry.status === 'unlocked') return 'not checked';
  return entry.missing_flags.length === 0 ? 'all present' : `missing: ${entry.missing_flags.join(' ')}`;
}
