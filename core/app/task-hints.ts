/**
 * What the task detail explains in words: why a queued task waits (without an agent serving its
 * backend it would wait forever with no word; the app offers to start one), and how to install a
 * CLI whose absence failed the task ("spawn claude ENOENT").
 */
import type { WaitHint } from '../api.js';
import type { Task } from '../queue/types.js';
import type { WorkerInfo } from '../queue/workers.js';
import type { Driver } from '../../drivers/types.js';
import type { Artifact } from '../queue/artifact.js';
import { driverFor } from '../agent/backend.js';
import { knownBackend } from './backends-view.js';

/** Agents that take work now: in a long-poll lease or running a task (as `mittelo run` judges it). */
function activeWorkers(workers: WorkerInfo[]): WorkerInfo[] {
  return workers.filter((w) => w.waiting || w.running.length > 0);
}

function startable(backend: string): boolean {
  try {
    knownBackend(backend);
    return true;
  } catch {
    return false;
  }
}

export function waitHint(task: Pick<Task, 'status' | 'backend'>, workers: WorkerInfo[]): WaitHint | null {
  if (task.status !== 'queued') return null;
  const active = activeWorkers(workers);
  const backend = task.backend;
  if (backend === null) {
    if (active.length > 0) return null;
    return { backend: null, can_start: false, message: 'No agent is connected, so this task waits. Any agent takes it: start one on the Backends page or with `mittelo agent`.' };
  }
  if (active.some((w) => w.backends.includes(backend))) return null;
  const can = startable(backend);
  return {
    backend,
    can_start: can,
    message: can
      ? `No agent serves ${backend}, so this task waits in the queue. Start an agent for ${backend} here, or run \`mittelo agent --backend ${backend}\` on any machine.`
      : `No agent serves ${backend}, and this app knows no backend named ${backend} (no driver, no folder backend), so it cannot start one. Run \`mittelo agent --backend ${backend}\` where that backend exists, or cancel the task.`,
  };
}

/** A task that failed because its CLI is missing: the install command and where to set a path. */
export function failureHint(task: Pick<Task, 'status' | 'backend' | 'error'>, artifact: Artifact | null): string | null {
  if (task.status !== 'failed' || task.backend === null) return null;
  const missing = artifact?.failure_class === 'not_installed' || /\bENOENT\b|not found on PATH/.test(task.error ?? '');
  if (!missing) return null;
  let driver: Driver;
  try {
    driver = driverFor(task.backend);
  } catch {
    return `No backend named ${task.backend} exists where this task ran: add a folder backend of that name, or queue the task for another backend.`;
  }
  if (!driver.binary) return null;
  const install = driver.npmPackage ? `Install it with \`npm install -g ${driver.npmPackage}\`, or if` : 'If';
  return `${driver.binary} (the ${task.backend} CLI) is not installed where this task ran. ${install} it is installed elsewhere, set its path on the Backends page (Settings, Path to the CLI). Then retry the task.`;
}
