/**
 * How the agent works with a hub that lacks our additions (the original mittelo hub serves only
 * lease, ack, list, stats...): tasks get the defaults of the fields it does not send, leases last a
 * whole task when they cannot be extended, and the user is told once what is off.
 */
import { DEFAULT_KILL_GRACE_MS, DEFAULT_TIMEOUT_MS } from '../../drivers/run/runner.js';
import type { LeasedTask } from '../queue/types.js';
import type { HubFeatures } from '../wire/features.js';
import type { WireTask } from '../wire/floor.js';
import type { ReadyBackend } from './execute.js';

/** How often a hub without long-poll leases is asked for work. */
export const POLL_INTERVAL_MS = 1000;
/** Beyond the task's timeout: the kill of its process tree, then the ack. */
const ACK_MARGIN_SECONDS = 30;

/** A leased task as any hub sends it: the floor fields, the rest perhaps missing. */
export type WireLeasedTask = WireTask & Partial<Pick<LeasedTask, 'lease_token'>>;

/** A leased task with our fields filled in where the hub sent none (no metadata means the backend's settings). */
export function withTaskDefaults(task: WireLeasedTask): LeasedTask {
  return {
    backend: null,
    attempts: 1,
    max_attempts: null,
    run_id: null,
    idempotency_key: null,
    leased_at: null,
    finished_at: null,
    cancelled_at: null,
    ...task,
    // Null or a wrong type from an old hub counts as absent, like a missing key.
    priority: typeof task.priority === 'number' ? task.priority : 0,
    labels: Array.isArray(task.labels) ? task.labels : [],
    metadata: task.metadata && typeof task.metadata === 'object' && !Array.isArray(task.metadata) ? task.metadata : {},
    lease_token: typeof task.lease_token === 'string' ? task.lease_token : '',
  };
}

/** Without `extend` a lease cannot be renewed: it must cover the task's whole run and its ack. */
export function leaseSecondsFor(backend: Pick<ReadyBackend, 'timeoutMs'>, features: HubFeatures, heartbeatLeaseSeconds: number): number {
  if (features.has('extend')) return heartbeatLeaseSeconds;
  const runSeconds = Math.ceil(((backend.timeoutMs ?? DEFAULT_TIMEOUT_MS) + DEFAULT_KILL_GRACE_MS) / 1000);
  return Math.max(heartbeatLeaseSeconds, runSeconds + ACK_MARGIN_SECONDS);
}

/** The backends this agent leases for: without routing the hub cannot tell them apart, so only the first. */
export function backendsToServe<B extends { name: string }>(backends: B[], features: HubFeatures): B[] {
  return features.has('routing') ? backends : backends.slice(0, 1);
}

/** One line naming each missing feature and the fallback, or null when the hub has all the agent uses. */
export function fallbackNotice(hubName: string, features: HubFeatures, backends: (Pick<ReadyBackend, 'name' | 'timeoutMs'>)[], heartbeatLeaseSeconds: number): string | null {
  const off: string[] = [];
  const polling = `polling for work every ${POLL_INTERVAL_MS / 1000} s`;
  if (!features.has('subscribe')) off.push(`no events: ${features.has('wait_seconds') ? '' : `${polling}, `}no live cancellation`);
  else if (!features.has('wait_seconds')) off.push(`no long-poll: ${polling}`);
  if (!features.has('extend')) {
    const leases = backends.map((b) => `${leaseSecondsFor(b, features, heartbeatLeaseSeconds)} s for ${b.name}`).join(', ');
    off.push(`no lease extension: leasing each task for its timeout (${leases})`);
  }
  if (!features.has('metadata')) off.push("no task metadata: the backend's own settings apply");
  if (!features.has('routing')) {
    const [first, ...rest] = backends;
    off.push(`no routing: every task runs on ${first?.name ?? '-'}${rest.length ? `; not serving ${rest.map((b) => b.name).join(', ')}` : ''}`);
  }
  if (!features.has('output')) off.push('no live output');
  if (!features.has('artifact')) off.push('no artifacts: acks carry the answer only');
  if (!features.has('release')) off.push('no release: a task stopped before it finished is acked failed (retry_failed queues it again)');
  if (off.length === 0) return null;
  return `${hubName} lacks what this agent uses; working without it: ${off.join('; ')}`;
}
