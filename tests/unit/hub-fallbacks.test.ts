/** The agent's fallbacks for hubs without our additions (core/agent/hub-fallbacks.ts). */
import { describe, expect, it } from 'vitest';
import { backendsToServe, fallbackNotice, leaseSecondsFor, withTaskDefaults } from '../../core/agent/hub-fallbacks.js';
import { hubFeatures } from '../../core/wire/features.js';
import { EXTENSIONS } from '../../core/wire/contract.js';

const ours = hubFeatures(EXTENSIONS);
const original = hubFeatures(null);
const floorTask = { task_id: 7, prompt: 'p', status: 'leased' as const, created_at: 1, updated_at: 2, leased_until: 62, worker_id: 'w', result: null, error: null };

describe('withTaskDefaults', () => {
  it('gives a task of the original hub our fields with their defaults, keeping what it sent', () => {
    expect(withTaskDefaults(floorTask)).toEqual({
      ...floorTask,
      backend: null,
      priority: 0,
      attempts: 1,
      max_attempts: null,
      labels: [],
      metadata: {},
      run_id: null,
      idempotency_key: null,
      leased_at: null,
      finished_at: null,
      cancelled_at: null,
      lease_token: '',
    });
  });

  it('treats null or a wrong type for metadata, labels and priority as absent, and keeps real values', () => {
    const odd = withTaskDefaults({ ...floorTask, metadata: null, labels: null, priority: null } as unknown as typeof floorTask);
    expect(odd).toMatchObject({ metadata: {}, labels: [], priority: 0 });
    const full = withTaskDefaults({ ...floorTask, metadata: { model: 'm' }, labels: ['a'], priority: 3, lease_token: 'tok', backend: 'echo' });
    expect(full).toMatchObject({ metadata: { model: 'm' }, labels: ['a'], priority: 3, lease_token: 'tok', backend: 'echo' });
  });
});

describe('leaseSecondsFor', () => {
  it('is the heartbeat lease when the hub can extend it', () => {
    expect(leaseSecondsFor({ timeoutMs: 300_000 }, ours, 60)).toBe(60);
  });

  it('covers the whole timeout, the kill and the ack when it cannot', () => {
    expect(leaseSecondsFor({ timeoutMs: 300_000 }, original, 60)).toBe(332);
    expect(leaseSecondsFor({}, original, 60)).toBe(632);
    // Never shorter than what the user asked for.
    expect(leaseSecondsFor({ timeoutMs: 1000 }, original, 120)).toBe(120);
  });
});

describe('fallbackNotice', () => {
  const backends = [{ name: 'mybot', timeoutMs: 60_000 }, { name: 'echo' }];

  it('says nothing against our own hub (every feature the agent uses is in hello)', () => {
    expect(fallbackNotice('the hub', ours, backends, 60)).toBeNull();
    expect(backendsToServe(backends, ours)).toEqual(backends);
  });

  it('names every missing feature and its fallback against the original', () => {
    expect(fallbackNotice('the hub at h:1', original, backends, 60)).toBe(
      'the hub at h:1 lacks what this agent uses; working without it: no events: polling for work every 1 s, no live cancellation; ' +
        'no lease extension: leasing each task for its timeout (92 s for mybot, 632 s for echo); no task metadata: the backend\'s own settings apply; ' +
        'no routing: every task runs on mybot; not serving echo; no live output; no artifacts: acks carry the answer only; ' +
        'no release: a task stopped before it finished is acked failed (retry_failed queues it again)',
    );
    expect(backendsToServe(backends, original)).toEqual([backends[0]]);
  });

  it('names only what is missing on a hub that has some additions', () => {
    const partial = hubFeatures(EXTENSIONS.filter((e) => e !== 'wait_seconds' && e !== 'output'));
    expect(fallbackNotice('the hub', partial, backends, 60)).toBe('the hub lacks what this agent uses; working without it: no long-poll: polling for work every 1 s; no live output');
  });
});
