/** Compare-and-pick: badges and plain-word status of the N answers one prompt got in a run. */
import type { PickCandidate, SideBySide } from '../../api/types.js';

export type Badge = 'picked' | 'fastest' | 'cheapest';

export function badgesOf(sbs: SideBySide, c: PickCandidate): Badge[] {
  const badges: Badge[] = [];
  if (sbs.picked_task_id === c.task_id) badges.push('picked');
  if (sbs.fastest_task_id === c.task_id) badges.push('fastest');
  if (sbs.cheapest_task_id === c.task_id) badges.push('cheapest');
  return badges;
}

export const BADGE_TEXT: Record<Badge, string> = { picked: 'Picked as best', fastest: 'Fastest', cheapest: 'Cheapest' };

/** "claude_code", or "claude_code #2" when the prompt was repeated. */
export function candidateName(c: PickCandidate, all: PickCandidate[]): string {
  const repeated = all.some((o) => o.backend === c.backend && o.task_id !== c.task_id);
  return repeated ? `${c.backend} #${c.repeat_index + 1}` : c.backend;
}

/** One line on how the answer went: ok, checks failed, failed (with its class), or not finished. */
export function candidateStatus(c: PickCandidate): { tone: 'good' | 'bad' | 'neutral'; text: string } {
  if (c.ok) return { tone: 'good', text: c.checks.length > 0 ? `Passed ${c.checks.length} check${c.checks.length === 1 ? '' : 's'}` : 'Answered' };
  if (c.status === 'done') {
    const failed = c.checks.filter((k) => !k.pass).map((k) => k.check);
    return { tone: 'bad', text: `Answered, but failed: ${failed.join('; ') || 'a check'}` };
  }
  if (c.status === 'failed') return { tone: 'bad', text: `Failed${c.failure_class ? ` (${c.failure_class.replace(/_/g, ' ')})` : ''}` };
  if (c.status === 'cancelled') return { tone: 'neutral', text: 'Cancelled' };
  return { tone: 'neutral', text: 'Still running' };
}

/** Only finished answers can be picked, and not the one already picked. */
export function canPick(sbs: SideBySide, c: PickCandidate): boolean {
  return c.status === 'done' && sbs.picked_task_id !== c.task_id;
}
