/** Categories of compared pairs in plain words, and the filtering the Compare page offers. */
import { CATEGORY_ORDER, type CategoryCounts, type ComparedPair, type PairCategory } from '../../api/types.js';

export { CATEGORY_ORDER };

export type Tone = 'bad' | 'good' | 'warn' | 'neutral';

export const CATEGORY_INFO: Record<PairCategory, { label: string; tone: Tone; help: string }> = {
  new_failure: { label: 'New failure', tone: 'bad', help: 'Worked in run A, fails in run B (or a check that passed now fails).' },
  fixed: { label: 'Fixed', tone: 'good', help: 'Failed in run A, works in run B.' },
  changed: { label: 'Changed', tone: 'warn', help: 'Works in both runs, but the answer is different.' },
  still_failing: { label: 'Still failing', tone: 'bad', help: 'Fails in both runs.' },
  only_in_a: { label: 'Only in A', tone: 'neutral', help: 'This prompt and backend ran only in run A.' },
  only_in_b: { label: 'Only in B', tone: 'neutral', help: 'This prompt and backend ran only in run B.' },
  unchanged: { label: 'Unchanged', tone: 'neutral', help: 'Works in both runs with the same answer.' },
};

export type CategoryFilter = PairCategory | 'all';

export function filterPairs(pairs: ComparedPair[], filter: CategoryFilter, search = ''): ComparedPair[] {
  const needle = search.trim().toLowerCase();
  return pairs.filter(
    (p) =>
      (filter === 'all' || p.category === filter) &&
      (needle === '' || p.prompt_id.toLowerCase().includes(needle) || p.backend.toLowerCase().includes(needle) || p.prompt.toLowerCase().includes(needle)),
  );
}

/** Regressions first, unchanged last (stable within a category: the runs' task order). */
export function sortWorstFirst(pairs: ComparedPair[]): ComparedPair[] {
  const rank = (c: PairCategory) => CATEGORY_ORDER.indexOf(c);
  return [...pairs].sort((x, y) => rank(x.category) - rank(y.category));
}

/** The one-line verdict at the top of a comparison. */
export function verdict(counts: CategoryCounts): { tone: Tone; text: string } {
  if (counts.new_failure > 0) {
    return { tone: 'bad', text: `${counts.new_failure} new failure${counts.new_failure === 1 ? '' : 's'}: something that worked in run A does not work in run B.` };
  }
  if (counts.changed > 0) return { tone: 'warn', text: `No new failures; ${counts.changed} answer${counts.changed === 1 ? '' : 's'} changed.` };
  if (counts.still_failing > 0) return { tone: 'warn', text: `No new failures; ${counts.still_failing} still failing.` };
  return { tone: 'good', text: 'No new failures and no changed answers.' };
}

/** Whether a pair is worth opening by default (a regression or a change). */
export function isInteresting(pair: ComparedPair): boolean {
  return pair.category === 'new_failure' || pair.category === 'changed' || pair.category === 'fixed';
}
