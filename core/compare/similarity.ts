/**
 * How far answers moved: a normalised edit distance on tokens (0 same, 1 nothing in common), the
 * spread of one side's own repeats (its noise floor), and how far B's answers are from A's beyond
 * that floor. Only a move beyond the floor makes a prompt `changed`.
 */
import type { Movement } from './types.js';

/** Tokens compared per answer: the beginning says whether an answer moved, and it bounds the cost. */
export const MAX_TOKENS = 300;
/** Answer pairs measured per side and across: enough for a mean, bounded for 10+ repeats. */
const MAX_PAIRS = 12;

const TOKEN = /[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu;

export function tokenize(text: string): string[] {
  const tokens = text.match(TOKEN) ?? [];
  return tokens.length > MAX_TOKENS ? tokens.slice(0, MAX_TOKENS) : tokens;
}

/**
 * Levenshtein distance on token lists divided by the longer length; 0 for two empty answers. The
 * common beginning and end are cut first (that leaves the distance as it is, and repeats that vary
 * a word or two leave almost nothing to compare).
 */
export function tokenDistance(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 && b.length === 0) return 0;
  if (a.length === 0 || b.length === 0) return 1;
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const n = endA - start;
  const m = endB - start;
  const longer = Math.max(a.length, b.length);
  if (n === 0 || m === 0) return Math.max(n, m) / longer;
  let prev = new Int32Array(m + 1);
  let row = new Int32Array(m + 1);
  for (let j = 0; j <= m; j++) prev[j] = j;
  for (let i = 1; i <= n; i++) {
    row[0] = i;
    const token = a[start + i - 1];
    for (let j = 1; j <= m; j++) {
      const substitute = (prev[j - 1] ?? 0) + (token === b[start + j - 1] ? 0 : 1);
      row[j] = Math.min(substitute, (prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1);
    }
    [prev, row] = [row, prev];
  }
  return (prev[m] ?? 0) / longer;
}

/** Distances computed once per distinct pair of answers (repeats often answer word for word the same). */
export class DistanceCache {
  /** Each distinct answer once, by number: cheap keys for the distance table. */
  private readonly ids = new Map<string, number>();
  private readonly tokens: string[][] = [];
  private readonly distances = new Map<number, number>();

  distance(a: string, b: string): number {
    if (a === b) return 0;
    const i = this.idOf(a);
    const j = this.idOf(b);
    const key = i < j ? i * 0x4000000 + j : j * 0x4000000 + i;
    let d = this.distances.get(key);
    if (d === undefined) {
      d = tokenDistance(this.tokens[i] ?? [], this.tokens[j] ?? []);
      this.distances.set(key, d);
    }
    return d;
  }

  private idOf(text: string): number {
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.tokens.length;
      this.ids.set(text, id);
      this.tokens.push(tokenize(text));
    }
    return id;
  }
}

function mean(values: number[]): number | null {
  return values.length === 0 ? null : values.reduce((s, v) => s + v, 0) / values.length;
}

/** All pairs within one side when few, else each answer with the next (cyclic). */
function withinPairs(n: number): [number, number][] {
  const pairs: [number, number][] = [];
  if (n * (n - 1) <= 2 * MAX_PAIRS) {
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) pairs.push([i, j]);
  } else {
    for (let i = 0; i < Math.min(n, MAX_PAIRS); i++) pairs.push([i, (i + 1) % n]);
  }
  return pairs;
}

/** All pairs across when few, else answer i of A with answers i and i+1 of B. */
function acrossPairs(n: number, m: number): [number, number][] {
  const pairs: [number, number][] = [];
  if (n * m <= MAX_PAIRS) {
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) pairs.push([i, j]);
  } else {
    for (let i = 0; i < Math.min(Math.max(n, m), MAX_PAIRS / 2); i++) {
      pairs.push([i % n, i % m], [i % n, (i + 1) % m]);
    }
  }
  return pairs;
}

/** How far B's answers moved from A's beyond their own spread; null when a side has no answer. */
export function movement(a: readonly string[], b: readonly string[], cache: DistanceCache): Movement | null {
  if (a.length === 0 || b.length === 0) return null;
  const spread = (answers: readonly string[]) => mean(withinPairs(answers.length).map(([i, j]) => cache.distance(answers[i] ?? '', answers[j] ?? '')));
  const spreadA = spread(a);
  const spreadB = spread(b);
  const between = mean(acrossPairs(a.length, b.length).map(([i, j]) => cache.distance(a[i] ?? '', b[j] ?? ''))) ?? 0;
  const floor = Math.max(spreadA ?? 0, spreadB ?? 0);
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return {
    between: round(between),
    spread_a: spreadA === null ? null : round(spreadA),
    spread_b: spreadB === null ? null : round(spreadB),
    floor: round(floor),
    beyond: round(Math.max(0, between - floor)),
  };
}
