/** An upgrade rehearsal's report in plain words (lock.upgradeCheck), for the Version lock page. */
import type { ApiResult } from '../../api/types.js';
import type { Tone } from '../../components/bits.js';

export type UpgradeJob = ApiResult<'lock.upgradeCheck.status'>['job'];
export type UpgradeReport = NonNullable<UpgradeJob['reports']>[number];
export type PackRehearsal = NonNullable<UpgradeReport['pack']>;

export const VERDICT_INFO: Record<UpgradeReport['verdict'], { label: string; tone: Tone }> = {
  safe: { label: 'Safe to upgrade', tone: 'good' },
  review: { label: 'Review before upgrading', tone: 'warn' },
  breaks: { label: 'Breaks', tone: 'bad' },
  current: { label: 'Already the locked version', tone: 'neutral' },
};

export const PACK_INFO: Record<PackRehearsal['verdict'], { label: string; tone: Tone }> = {
  pass: { label: 'No regression against the baseline', tone: 'good' },
  regressed: { label: 'Regressed against the baseline', tone: 'bad' },
  no_baseline: { label: 'No baseline to compare with', tone: 'warn' },
  error: { label: 'The pack could not run', tone: 'bad' },
};

/** Same rule as core/lock/adopt.ts adoptable (kept here so the page does not import core's runtime). */
export function adoptable(report: UpgradeReport): boolean {
  return report.verdict === 'safe' || report.verdict === 'review';
}

export function packCounts(pack: PackRehearsal): string {
  if (pack.candidate_run === null) return 'no run';
  return `${pack.tasks - pack.failed} of ${pack.tasks} passed · ${pack.new_failures} prompt${pack.new_failures === 1 ? '' : 's'} regressed · ${pack.fixed} improved`;
}

export function engineText(report: UpgradeReport): string | null {
  const engine = report.engine;
  if (!engine) return null;
  const declares = engine.requires ? `${report.package} ${report.to} declares Node ${engine.requires}` : 'declares no Node version';
  const found = engine.node ?? (engine.runs_as === 'native' ? 'none needed (native)' : 'none found');
  return `${declares}; it would run on ${found}`;
}

/** Where the candidate came from, for the "write lock" question: never installed for the user. */
export function candidateWhere(job: UpgradeJob, report: UpgradeReport): string {
  return job.candidate_path ? `the program at ${job.candidate_path}` : `a side cache of the app (${report.candidate_bin ?? 'the CLI cache'})`;
}
