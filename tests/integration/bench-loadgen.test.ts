/**
 * The compiled load generator of scripts/bench/pipeline.ts (scripts/bench/loadgen.c) against a real
 * hub: it drives original-style clients to the end and its checks catch a hub that answers wrongly.
 * Skipped where no C compiler is installed (the bench then falls back to its Node generator).
 */
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningHub } from '../../core/hub.js';
import { buildLoadgen, runLoadgen } from '../../scripts/bench/compiled-loadgen.js';
import { connect, startTestHub } from '../helpers.js';

const hasCompiler = !spawnSync(process.env.CC ?? 'cc', ['--version']).error;

describe.skipIf(!hasCompiler)('compiled load generator', () => {
  let hub: RunningHub | undefined;
  afterEach(async () => {
    await hub?.stop();
    hub = undefined;
  });

  function build(): string {
    const built = buildLoadgen();
    if (!('binary' in built)) throw new Error(`expected a build: ${built.unavailable}`);
    return built.binary;
  }

  it('runs every task once through enqueue, lease and ack, one request in flight per connection', async () => {
    hub = await startTestHub();
    let started = 0;
    const result = await runLoadgen(build(), { port: hub.port, tasks: 300, producers: 3, workers: 5, backlog: 16, waitSeconds: 0.5, onStart: () => started++ });
    expect(started).toBe(1);
    expect(result).toMatchObject({ enqueued: 300, acked: 300, leased_twice: 0, acked_twice: 0, protocol_errors: 0 });
    expect(result.latency_ms.max).toBeGreaterThanOrEqual(result.latency_ms.p50);
    const client = await connect(hub);
    const { tasks } = await client.list({ limit: 0 });
    client.close();
    expect(tasks).toHaveLength(300);
    expect(tasks.every((task) => task.status === 'done' && task.result === `echo:${task.prompt}`)).toBe(true);
    // Original clients ack without a lease token: every ack was accepted on the task being leased.
    expect(new Set(tasks.map((task) => task.prompt)).size).toBe(300);
  });

  it('counts error answers as protocol errors (a hub that wants a token refuses every request)', async () => {
    hub = await startTestHub({ token: 'secret-token' });
    const result = await runLoadgen(build(), { port: hub.port, tasks: 10, producers: 1, workers: 1, backlog: 4, waitSeconds: 0.1, onStart: () => undefined });
    expect(result.protocol_errors).toBeGreaterThan(0);
    expect(result.acked).toBe(0);
  });
});
