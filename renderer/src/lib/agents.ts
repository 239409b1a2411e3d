/** An agent's health in words, from what the hub knows of it (workers.list). */
import type { WorkerInfo } from '../api/types.js';

export type Health = 'running' | 'waiting' | 'idle' | 'silent';

/** Agents long-poll for work (10 s by default), so a minute of silence means something is wrong. */
export const SILENT_AFTER_SECONDS = 60;

export function workerHealth(worker: WorkerInfo, now: number): Health {
  if (worker.running.length > 0) return 'running';
  if (worker.waiting) return 'waiting';
  return now - worker.last_seen > SILENT_AFTER_SECONDS ? 'silent' : 'idle';
}

export const HEALTH_LABEL: Record<Health, string> = {
  running: 'running',
  waiting: 'waiting for work',
  idle: 'idle',
  silent: 'not heard from',
};
