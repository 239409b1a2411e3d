/**
 * Smaller acks for a hub that refuses the full one as a line too long (its --max-line-bytes, 8 MiB by
 * default, is below what an answer plus its captured output can reach). The answer matters most: the
 * artifact's copy of the output goes first, the answer is cut only when it alone is too big.
 */
import { HubError } from '../errors.js';
import type { TaskAck } from './execute.js';

/** What the artifact keeps of each stream once slimmed: the end, where errors and summaries are. */
const OUTPUT_TAIL_CHARS = 16 * 1024;
/** Below this the answer is not cut further: the hub's limit is then not about this ack. */
const MIN_ANSWER_CHARS = 1024;

/**
 * The next smaller ack after `level` refusals (1, 2, ...), or null when nothing is left to cut.
 * Level 1 keeps only the tails of stdout and stderr in the artifact; each level after halves the answer.
 */
export function smallerAck(ack: TaskAck, level: number): TaskAck | null {
  const { artifact } = ack;
  const stdout = artifact.stdout ?? '';
  const stderr = artifact.stderr ?? '';
  const slim: TaskAck = {
    ...ack,
    artifact: {
      ...artifact,
      stdout: stdout.slice(-OUTPUT_TAIL_CHARS),
      stderr: stderr.slice(-OUTPUT_TAIL_CHARS),
      stdout_truncated: (artifact.stdout_truncated ?? false) || stdout.length > OUTPUT_TAIL_CHARS,
      stderr_truncated: (artifact.stderr_truncated ?? false) || stderr.length > OUTPUT_TAIL_CHARS,
    },
  };
  const slimmed = stdout.length > OUTPUT_TAIL_CHARS || stderr.length > OUTPUT_TAIL_CHARS;
  if (slimmed && level === 1) return slim;
  const halvings = slimmed ? level - 1 : level;
  const answer = ack.result ?? '';
  const keep = Math.floor(answer.length / 2 ** halvings);
  if (keep < MIN_ANSWER_CHARS) return null;
  const cut = `${answer.slice(0, keep)}\n[cut by the agent: the hub refused the whole answer of ${answer.length} characters as too long]`;
  return { ...slim, result: cut };
}

/**
 * Sends `full`, and when the hub refuses the line as too long, smaller acks until one fits. The first
 * refusal is retried as is: the hub closes the connection on a long line, failing every request on
 * it, so this ack may only have been caught up in another one's refusal.
 */
export async function ackFitting(full: TaskAck, send: (ack: TaskAck) => Promise<unknown>, onSmaller?: () => void): Promise<void> {
  let ack = full;
  for (let refusals = 0; ; refusals++) {
    try {
      await send(ack);
      return;
    } catch (err) {
      if (!(err instanceof HubError && err.code === 'line_too_long')) throw err;
      const smaller = refusals === 0 ? full : smallerAck(full, refusals);
      if (!smaller) throw err;
      if (refusals > 0) onSmaller?.();
      ack = smaller;
    }
  }
}
