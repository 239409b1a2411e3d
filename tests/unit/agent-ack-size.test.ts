/** Smaller acks for a hub whose line limit the full ack exceeds: the artifact's output goes first, then half the answer at a time. */
import { describe, expect, it } from 'vitest';
import { HubError } from '../../core/errors.js';
import { ackFitting, smallerAck } from '../../core/agent/ack-size.js';
import type { TaskAck } from '../../core/agent/execute.js';

function ack(answer: string, stdout = answer, stderr = ''): TaskAck {
  return { status: 'done', result: answer, error: null, artifact: { backend: 'b', stdout, stderr } };
}

const tooLong = () => new HubError('line_too_long', 'request line exceeds 1000 bytes; closing the connection');

describe('smallerAck', () => {
  it('first keeps only the tails of the captured output, marked truncated, and the whole answer', () => {
    const full = ack('a'.repeat(100_000), `${'x'.repeat(100_000)}END`, 'e'.repeat(50_000));
    const slim = smallerAck(full, 1);
    expect(slim?.result).toBe(full.result);
    expect(slim?.artifact.stdout?.endsWith('END')).toBe(true);
    expect(slim?.artifact.stdout?.length).toBe(16 * 1024);
    expect(slim?.artifact).toMatchObject({ stdout_truncated: true, stderr_truncated: true });
  });

  it('then halves the answer with a marker, and gives up below 1 KiB', () => {
    const full = ack('a'.repeat(8000), 'short');
    expect(smallerAck(full, 1)?.result).toMatch(/^a{4000}\n\[cut by the agent: .*8000 characters/);
    expect(smallerAck(full, 2)?.result).toMatch(/^a{2000}\n/);
    expect(smallerAck(full, 3)).toBeNull();
  });
});

describe('ackFitting', () => {
  it('retries the full ack once (it may have been another request that was too long), then sends less', async () => {
    const sent: TaskAck[] = [];
    const limit = 50_000;
    await ackFitting(ack('a'.repeat(30_000), 'o'.repeat(30_000)), async (a) => {
      sent.push(a);
      if (JSON.stringify(a).length > limit) throw tooLong();
    });
    expect(sent.map((a) => a.artifact.stdout?.length)).toEqual([30_000, 30_000, 16 * 1024]);
    expect(sent.at(-1)?.result).toBe('a'.repeat(30_000));
  });

  it('passes other refusals through untouched', async () => {
    const refusal = new HubError('stale_lease', 'stale lease token');
    await expect(ackFitting(ack('x'), () => Promise.reject(refusal))).rejects.toBe(refusal);
  });
});
