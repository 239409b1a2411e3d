/**
 * The app's upgrade rehearsals (core/app/upgrade-jobs.ts) and how a pack's result folds into a CLI's
 * verdict (withPack), with the rehearsal itself replaced: no npm, no CLI.
 */
import { describe, expect, it } from 'vitest';
import { UpgradeJobs } from '../../core/app/upgrade-jobs.js';
import type { PackRehearsal } from '../../core/lock/rehearse-pack.js';
import { withPack, type UpgradeCheckOptions, type UpgradeReport } from '../../core/lock/upgrade-check.js';

const REPORT: UpgradeReport = {
  cli: 'codex',
  package: '@openai/codex',
  from: '0.169.0',
  to: '0.171.0',
  verdict: 'safe',
  reasons: [],
  help_diff: null,
  contract: null,
  engine: null,
  candidate_bin: '/cache/codex',
  pack: null,
  install_command: 'npm install -g @openai/codex@0.171.0',
};

const PACK: PackRehearsal = {
  pack_name: 'smoke',
  pack_path: null,
  baseline_run: 'run-a',
  candidate_run: 'run-b',
  db: '/w/.mittelo/upgrade-check.db',
  verdict: 'pass',
  tasks: 2,
  failed: 0,
  new_failures: 0,
  fixed: 0,
  reasons: [],
  warnings: [],
};

describe("a pack's result in the CLI's verdict", () => {
  it('a pass keeps the verdict; a regression breaks and keeps the reasons that already broke it', () => {
    expect(withPack(REPORT, PACK)).toMatchObject({ verdict: 'safe', reasons: [], pack: PACK });
    const regressed = { ...PACK, verdict: 'regressed' as const, reasons: ['p1 on codex: passed 1/1 in A, 0/1 in B'] };
    expect(withPack({ ...REPORT, verdict: 'review', reasons: ['--x removed'] }, regressed)).toMatchObject({ verdict: 'breaks', reasons: ['pack smoke: p1 on codex: passed 1/1 in A, 0/1 in B'] });
    expect(withPack({ ...REPORT, verdict: 'breaks', reasons: ['--json gone'] }, regressed).reasons).toEqual(['--json gone', 'pack smoke: p1 on codex: passed 1/1 in A, 0/1 in B']);
  });

  it('no baseline or a pack that could not run asks for a review, and never hides a break', () => {
    const none = { ...PACK, verdict: 'no_baseline' as const, reasons: ['no baseline run of codex'] };
    expect(withPack(REPORT, none)).toMatchObject({ verdict: 'review', reasons: ['pack smoke: no baseline run of codex'] });
    expect(withPack({ ...REPORT, verdict: 'breaks', reasons: ['--json gone'] }, { ...PACK, verdict: 'error', reasons: ['boom'] })).toMatchObject({ verdict: 'breaks', reasons: ['--json gone'] });
  });
});

describe('rehearsals started from the app', () => {
  it('runs one at a time, keeps the progress lines and the reports, and says why one failed', async () => {
    let finish: (reports: UpgradeReport[]) => void = () => undefined;
    const seen: UpgradeCheckOptions[] = [];
    const jobs = new UpgradeJobs((options) => {
      seen.push(options);
      options.log?.('installing @openai/codex@0.171.0');
      return new Promise((resolve) => (finish = resolve));
    });
    const job = jobs.start({ workspace: '/w', backends: ['codex'], to: 'latest' });
    expect(job.state).toBe('running');
    expect(() => jobs.start({ workspace: '/w', backends: [], to: 'latest' })).toThrow('a rehearsal of codex is running');
    finish([REPORT]);
    await expect.poll(() => jobs.get(job.job_id).state).toBe('done');
    expect(jobs.get(job.job_id)).toMatchObject({ reports: [REPORT], error: null, log: [expect.stringContaining('rehearsing codex'), 'installing @openai/codex@0.171.0'] });
    expect(seen[0]?.signal).toBeInstanceOf(AbortSignal);

    const failing = new UpgradeJobs(() => Promise.reject(new Error('no lock file in /w')));
    const failed = failing.start({ workspace: '/w', backends: [], to: 'latest' });
    await expect.poll(() => failing.get(failed.job_id).state).toBe('failed');
    expect(failing.get(failed.job_id).error).toBe('no lock file in /w');
    expect(() => failing.get('nope')).toThrow('no rehearsal nope');
  });
});
