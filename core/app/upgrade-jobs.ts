/**
 * Upgrade rehearsals started from the app: one at a time (each may install a few hundred MB and
 * run a pack), followed by polling `lock.upgradeCheck.status`, whose log lines are the progress.
 */
import { randomUUID } from 'node:crypto';
import { HubError, errorMessage } from '../errors.js';
import { upgradeCheck, type UpgradeCheckOptions, type UpgradeReport } from '../lock/upgrade-check.js';

/** Progress lines kept per job: the newest, as the page shows them. */
const LOG_LINES = 200;
/** Finished jobs kept for their reports (and "write lock"). */
const KEPT_JOBS = 20;

export interface UpgradeJob {
  job_id: string;
  state: 'running' | 'done' | 'failed';
  backends: string[];
  to: string;
  candidate_path: string | null;
  started_at: number;
  finished_at: number | null;
  log: string[];
  reports: UpgradeReport[] | null;
  error: string | null;
}

export class UpgradeJobs {
  private readonly jobs = new Map<string, UpgradeJob>();
  private readonly abort = new AbortController();

  constructor(private readonly check: (options: UpgradeCheckOptions) => Promise<UpgradeReport[]> = upgradeCheck) {}

  start(options: Omit<UpgradeCheckOptions, 'log' | 'signal'>): UpgradeJob {
    const running = [...this.jobs.values()].find((j) => j.state === 'running');
    if (running) throw new HubError('conflict', `a rehearsal of ${running.backends.join(', ') || 'every locked CLI'} is running; wait for it to finish`);
    const job: UpgradeJob = {
      job_id: randomUUID(),
      state: 'running',
      backends: options.backends,
      to: options.to,
      candidate_path: options.candidatePath ?? null,
      started_at: Date.now(),
      finished_at: null,
      log: [],
      reports: null,
      error: null,
    };
    this.jobs.set(job.job_id, job);
    for (const old of [...this.jobs.keys()].slice(0, Math.max(0, this.jobs.size - KEPT_JOBS))) this.jobs.delete(old);
    const log = (line: string) => {
      job.log.push(line);
      if (job.log.length > LOG_LINES) job.log.splice(0, job.log.length - LOG_LINES);
    };
    log(`rehearsing ${options.backends.join(', ') || 'every npm-installed CLI in the lock'} (${options.candidatePath ? `candidate ${options.candidatePath}` : `to ${options.to}`})`);
    this.check({ ...options, log, signal: this.abort.signal })
      .then((reports) => {
        job.reports = reports;
        job.state = 'done';
      })
      .catch((err: unknown) => {
        job.error = errorMessage(err);
        job.state = 'failed';
      })
      .finally(() => (job.finished_at = Date.now()));
    return job;
  }

  get(jobId: string): UpgradeJob {
    const job = this.jobs.get(jobId);
    if (!job) throw new HubError('not_found', `no rehearsal ${jobId} (the app keeps the last ${KEPT_JOBS})`);
    return job;
  }

  /** The app is stopping: a running pack run gives its tasks back. */
  stop(): void {
    this.abort.abort();
  }
}
