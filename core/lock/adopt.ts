/**
 * "Write lock" after a green rehearsal: the lock pins the rehearsed candidate's version. The
 * candidate was installed only in the CLI cache (or was a binary on disk), not for the user, so
 * this machine then drifts from the lock until the user installs it (the report's install command);
 * `lock check` says so, with the fix.
 */
import { HubError } from '../errors.js';
import { readLock, writeLock, type LockEntry } from './file.js';
import type { UpgradeReport } from './upgrade-check.js';

/** Rehearsals whose candidate may be pinned: nothing breaks (review: changes the driver does not use, shown first). */
export function adoptable(report: Pick<UpgradeReport, 'verdict'>): boolean {
  return report.verdict === 'safe' || report.verdict === 'review';
}

export function adoptCandidate(workspace: string, report: UpgradeReport): { lock_file: string; entry: LockEntry } {
  if (!adoptable(report)) throw new HubError('bad_request', `${report.cli} ${report.to} cannot be pinned: the rehearsal says ${report.verdict}${report.reasons[0] ? ` (${report.reasons[0]})` : ''}`);
  const lock = readLock(workspace);
  if (!lock) throw new HubError('bad_request', `no lock file in ${workspace}: write one first`);
  const entry = lock.clis.find((e) => e.name === report.cli);
  if (!entry) throw new HubError('bad_request', `${report.cli} is not in the lock`);
  if (entry.version !== report.from) throw new HubError('conflict', `the lock pins ${report.cli} ${entry.version} now, not ${report.from} as when it was rehearsed: rehearse again`);
  const adopted: LockEntry = { ...entry, version: report.to };
  const file = writeLock({ ...lock, written_at: new Date().toISOString(), clis: lock.clis.map((e) => (e.name === report.cli ? adopted : e)) }, workspace);
  return { lock_file: file, entry: adopted };
}
