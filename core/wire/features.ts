/**
 * What a hub offers beyond the floor of the protocol. Our hub lists its additions in `hello`; the
 * original mittelo hub answers `Unknown method: hello` and serves only the floor (enqueue, lease,
 * ack, list, stats, retry_failed, shutdown), so agents and commands fall back or refuse.
 */
import { HubError } from '../errors.js';
import type { HubClient } from './client.js';

/** Additions named in `hello`'s `extensions` (see EXTENSIONS in methods.ts). */
export type HubFeature =
  | 'get' | 'cancel' | 'extend' | 'subscribe' | 'priority' | 'routing' | 'max_attempts' | 'lease_token'
  | 'idempotency_key' | 'wait_seconds' | 'labels' | 'metadata' | 'run_id' | 'list_filters' | 'retry_one'
  | 'release' | 'output' | 'artifact' | 'bye' | 'runs_deleted';

export interface HubFeatures {
  /** No `hello`: a hub that serves only the floor methods (the original mittelo). */
  floorOnly: boolean;
  has(feature: HubFeature): boolean;
}

export function hubFeatures(extensions: readonly string[] | null): HubFeatures {
  const offered = new Set(extensions ?? []);
  return { floorOnly: extensions === null, has: (feature) => offered.has(feature) };
}

/** Asks the hub; `Unknown method: hello` means a floor-only hub. Other errors (auth, network) propagate. */
export async function detectHubFeatures(client: HubClient): Promise<HubFeatures> {
  try {
    const hello = await client.call('hello');
    const extensions = Array.isArray(hello?.extensions) ? hello.extensions.filter((e): e is string => typeof e === 'string') : [];
    return hubFeatures(extensions);
  } catch (err) {
    if (err instanceof HubError && err.code === 'unknown_method') return hubFeatures(null);
    throw err;
  }
}

/** How messages name a hub: "the original mittelo hub at H:P" or "the hub at H:P". */
export function describeHub(client: HubClient, features: HubFeatures): string {
  const where = `${client.address.host}:${client.address.port}`;
  return features.floorOnly ? `the hub at ${where} (an original mittelo hub: floor methods only)` : `the hub at ${where}`;
}

export interface FeatureNeed {
  feature: HubFeature;
  /** What asked for it, as the user wrote it: "--backend", "retry <task-id>". */
  what: string;
}

/**
 * Refuses, naming every flag the hub cannot honour, instead of letting the hub drop them silently
 * (the original ignores params it does not know). Asks the hub only when something is needed.
 */
export async function requireFeatures(client: HubClient, needs: FeatureNeed[]): Promise<void> {
  if (needs.length === 0) return;
  const features = await detectHubFeatures(client);
  const missing = needs.filter((need) => !features.has(need.feature));
  if (missing.length === 0) return;
  const whats = [...new Set(missing.map((m) => m.what))];
  throw new HubError(
    'bad_request',
    `${describeHub(client, features)} cannot do what ${whats.join(', ')} ${whats.length === 1 ? 'needs' : 'need'} (it would ignore ${whats.length === 1 ? 'it' : 'them'}); nothing was sent. Leave ${whats.length === 1 ? 'it' : 'them'} out, or use a Mittelo Control Center hub (\`mittelo hub\`)`,
  );
}
