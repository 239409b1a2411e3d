/**
 * The hub redacts what an artifact reveals before storing it, whoever sent it: a client that is not
 * our agent (no runner redaction) acks with a key in env, argv and output, and neither the answer to
 * `artifact` nor the database file holds the key.
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { RawConnection, rawCall, startTestHub } from '../helpers.js';

const KEY = 'sk-ant-api03-' + 'Zq7'.repeat(12);
const PASSWORD = 'hunter2-but-longer';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

describe("a foreign agent's artifact", () => {
  it('is stored without the keys its env reveals, in env, argv, output and failure message', async () => {
    const hub = await startTestHub();
    stops.push(() => hub.stop());
    const conn = await RawConnection.open(hub.port);
    stops.push(async () => conn.close());
    await rawCall(conn, 1, 'enqueue', { prompt: 'hi', backend: 'foreign' });
    const leased = await rawCall(conn, 2, 'lease', { worker_id: 'not-ours', backends: ['foreign'] });
    const [task] = (leased.result as { tasks: { task_id: number; lease_token: string }[] }).tasks;
    if (!task) throw new Error('the task was not leased');
    const ack = await rawCall(conn, 3, 'ack', {
      task_id: task.task_id,
      lease_token: task.lease_token,
      status: 'failed',
      error: 'boom',
      artifact: {
        backend: 'foreign',
        argv: ['foreign-cli', `--api-key=${KEY}`, '--proxy', `http://me:${PASSWORD}@proxy.local:3128`],
        env: { ANTHROPIC_API_KEY: KEY, HTTPS_PROXY: `http://me:${PASSWORD}@proxy.local:3128`, LANG: 'C.UTF-8' },
        stdout: `using key ${KEY}\n`,
        stderr: `proxy password ${PASSWORD} rejected\n`,
        failure_message: `auth failed for ${KEY}`,
      },
    });
    expect(ack.error).toBeNull();

    const stored = await rawCall(conn, 4, 'artifact', { task_id: task.task_id });
    const artifact = (stored.result as { artifact: Record<string, unknown> }).artifact;
    const text = JSON.stringify(artifact);
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(PASSWORD);
    expect(artifact.env).toEqual({ ANTHROPIC_API_KEY: '[REDACTED]', HTTPS_PROXY: 'http://me:[REDACTED]@proxy.local:3128', LANG: 'C.UTF-8' });
    expect(artifact.argv).toEqual(['foreign-cli', '--api-key=[REDACTED]', '--proxy', 'http://me:[REDACTED]@proxy.local:3128']);
    expect(artifact.stdout).toBe('using key [REDACTED]\n');
    expect(artifact.stderr).toBe('proxy password [REDACTED] rejected\n');
    expect(artifact.failure_message).toBe('auth failed for [REDACTED]');

    await hub.stop();
    for (const file of [hub.dbPath, `${hub.dbPath}-wal`]) {
      if (!fs.existsSync(file)) continue;
      const bytes = fs.readFileSync(file);
      expect(bytes.includes(KEY), file).toBe(false);
      expect(bytes.includes(PASSWORD), file).toBe(false);
    }
  });
});
