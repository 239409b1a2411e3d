/**
 * Line-level edit script of two texts, fast on large answers: lines that occur exactly once on
 * each side anchor the alignment (patience diff), and only the small gaps between anchors go
 * through Myers (jsdiff's diffArrays on interned line ids). Myers work is bounded by a budget; a gap
 * over budget is reported as replaced whole and the result marked simplified.
 */
import { diffArrays } from 'diff';

export interface LineOp {
  kind: 'equal' | 'delete' | 'insert';
  /** First line (0-based) of the op in A and in B. */
  a: number;
  b: number;
  count: number;
}

export interface LineDiff {
  ops: LineOp[];
  /** Some gap was too costly for Myers and is reported as deleted + inserted whole. */
  simplified: boolean;
}

export interface LineDiffOptions {
  /**
   * Myers work allowed for the whole diff, in jsdiff steps (about the square of a gap's edit
   * distance; some 70 ns each), so the default bounds Myers to roughly 20 ms.
   */
  budget?: number;
}

const DEFAULT_BUDGET = 250_000;
/** Deeper than this, a gap goes straight to Myers (keeps recursion shallow on odd inputs). */
const MAX_DEPTH = 48;

/** Lines without their line breaks; a final line break does not start an empty line; `\r\n` counts as one break. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
  }
  return lines;
}

class Differ {
  readonly ops: LineOp[] = [];
  simplified = false;
  private budget: number;
  private call = 0;
  // Per-id scratch space for counting occurrences in a range, reset lazily by stamping with the call number.
  private readonly stamp: Int32Array;
  private readonly countA: Int32Array;
  private readonly countB: Int32Array;
  private readonly posB: Int32Array;

  constructor(
    private readonly a: Int32Array,
    private readonly b: Int32Array,
    ids: number,
    budget: number,
  ) {
    this.budget = budget;
    this.stamp = new Int32Array(ids).fill(-1);
    this.countA = new Int32Array(ids);
    this.countB = new Int32Array(ids);
    this.posB = new Int32Array(ids);
  }

  private emit(kind: LineOp['kind'], a: number, b: number, count: number): void {
    if (count === 0) return;
    const last = this.ops[this.ops.length - 1];
    if (last && last.kind === kind && last.a + (kind === 'insert' ? 0 : last.count) === a && last.b + (kind === 'delete' ? 0 : last.count) === b) {
      last.count += count;
      return;
    }
    this.ops.push({ kind, a, b, count });
  }

  solve(a0: number, a1: number, b0: number, b1: number, depth: number): void {
    let prefix = 0;
    while (a0 + prefix < a1 && b0 + prefix < b1 && this.a[a0 + prefix] === this.b[b0 + prefix]) prefix++;
    this.emit('equal', a0, b0, prefix);
    a0 += prefix;
    b0 += prefix;
    let suffix = 0;
    while (a1 - suffix > a0 && b1 - suffix > b0 && this.a[a1 - suffix - 1] === this.b[b1 - suffix - 1]) suffix++;
    a1 -= suffix;
    b1 -= suffix;

    if (a0 === a1 || b0 === b1) {
      this.emit('delete', a0, b0, a1 - a0);
      this.emit('insert', a1, b0, b1 - b0);
    } else {
      const anchors = depth < MAX_DEPTH ? this.anchors(a0, a1, b0, b1) : [];
      if (anchors.length === 0) {
        this.myers(a0, a1, b0, b1);
      } else {
        let pa = a0;
        let pb = b0;
        for (const [ai, bi] of anchors) {
          this.solve(pa, ai, pb, bi, depth + 1);
          this.emit('equal', ai, bi, 1);
          pa = ai + 1;
          pb = bi + 1;
        }
        this.solve(pa, a1, pb, b1, depth + 1);
      }
    }
    this.emit('equal', a1, b1, suffix);
  }

  /** Lines unique on both sides of the range, as the longest sequence in the same order on both. */
  private anchors(a0: number, a1: number, b0: number, b1: number): [number, number][] {
    const call = ++this.call;
    const { a, b, stamp, countA, countB, posB } = this;
    for (let i = a0; i < a1; i++) {
      const id = a[i] as number;
      if (stamp[id] !== call) {
        stamp[id] = call;
        countA[id] = 0;
        countB[id] = 0;
      }
      countA[id] = (countA[id] as number) + 1;
    }
    for (let j = b0; j < b1; j++) {
      const id = b[j] as number;
      if (stamp[id] !== call) continue; // not in A's range: cannot anchor
      countB[id] = (countB[id] as number) + 1;
      posB[id] = j;
    }
    const candidates: [number, number][] = [];
    for (let i = a0; i < a1; i++) {
      const id = a[i] as number;
      if (countA[id] === 1 && countB[id] === 1) candidates.push([i, posB[id] as number]);
    }
    return longestIncreasing(candidates);
  }

  /**
   * Myers on a gap without anchors. Lines that do not occur on the other side of the gap cannot
   * match, so they are dropped first (exact, and often most of a changed region); jsdiff aligns
   * the rest. jsdiff's work grows with the square of the edit distance, so that is what the budget
   * counts.
   */
  private myers(a0: number, a1: number, b0: number, b1: number): void {
    const call = ++this.call;
    const { a, b, stamp, countB } = this;
    for (let j = b0; j < b1; j++) {
      const id = b[j] as number;
      stamp[id] = call;
      countB[id] = 0; // reused as "occurs in A's side of the gap"
    }
    const keptA: number[] = [];
    for (let i = a0; i < a1; i++) {
      const id = a[i] as number;
      if (stamp[id] === call) {
        keptA.push(i);
        countB[id] = 1;
      }
    }
    const keptB: number[] = [];
    for (let j = b0; j < b1; j++) if (countB[b[j] as number] === 1) keptB.push(j);

    const size = keptA.length + keptB.length;
    let matches: [number, number][] | null = [];
    if (keptA.length > 0 && keptB.length > 0) {
      const maxEditLength = Math.min(size, Math.floor(Math.sqrt(this.budget)));
      // Skip Myers outright when it could not finish within its edit limit.
      const tried = maxEditLength > 0 && this.editLowerBound(keptA, keptB) <= maxEditLength;
      const changes = tried ? diffArrays(keptA.map((i) => a[i] as number), keptB.map((j) => b[j] as number), { maxEditLength }) : undefined;
      let edits = tried ? maxEditLength : 0;
      if (changes) {
        edits = 0;
        let i = 0;
        let j = 0;
        for (const change of changes) {
          if (change.added) {
            j += change.count;
            edits += change.count;
          } else if (change.removed) {
            i += change.count;
            edits += change.count;
          } else {
            for (let k = 0; k < change.count; k++) matches.push([keptA[i + k] as number, keptB[j + k] as number]);
            i += change.count;
            j += change.count;
          }
        }
      } else {
        matches = null;
      }
      this.budget -= Math.min(this.budget, edits * edits + size);
    }
    if (!matches) this.simplified = true;
    let pa = a0;
    let pb = b0;
    for (const [ai, bi] of matches ?? []) {
      this.emit('delete', pa, pb, ai - pa);
      this.emit('insert', ai, pb, bi - pb);
      this.emit('equal', ai, bi, 1);
      pa = ai + 1;
      pb = bi + 1;
    }
    this.emit('delete', pa, pb, a1 - pa);
    this.emit('insert', a1, pb, b1 - pb);
  }

  /** Every surplus occurrence of a line on one side must be deleted or inserted: a floor for the edit distance, in linear time. */
  private editLowerBound(keptA: number[], keptB: number[]): number {
    const call = ++this.call;
    const { a, b, stamp, countA } = this;
    for (const i of keptA) {
      const id = a[i] as number;
      if (stamp[id] !== call) {
        stamp[id] = call;
        countA[id] = 0;
      }
      countA[id] = (countA[id] as number) + 1;
    }
    for (const j of keptB) {
      const id = b[j] as number;
      if (stamp[id] !== call) {
        stamp[id] = call;
        countA[id] = 0;
      }
      countA[id] = (countA[id] as number) - 1;
    }
    let bound = 0;
    for (const i of keptA) {
      const id = a[i] as number;
      bound += Math.abs(countA[id] as number);
      countA[id] = 0; // count each line once
    }
    for (const j of keptB) {
      const id = b[j] as number;
      bound += Math.abs(countA[id] as number);
      countA[id] = 0;
    }
    return bound;
  }
}

/** Patience sorting: the longest run of candidates whose B positions increase (they come in A order). */
function longestIncreasing(candidates: [number, number][]): [number, number][] {
  if (candidates.length === 0) return [];
  const tails: number[] = []; // index into candidates of the smallest tail of each pile
  const previous = new Int32Array(candidates.length).fill(-1);
  for (let k = 0; k < candidates.length; k++) {
    const bPos = (candidates[k] as [number, number])[1];
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((candidates[tails[mid] as number] as [number, number])[1] < bPos) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) previous[k] = tails[lo - 1] as number;
    tails[lo] = k;
  }
  const result: [number, number][] = [];
  for (let k = tails[tails.length - 1] as number; k >= 0; k = previous[k] as number) result.push(candidates[k] as [number, number]);
  return result.reverse();
}

/** The edit script turning lines `a` into lines `b`. */
export function diffLineArrays(a: readonly string[], b: readonly string[], options: LineDiffOptions = {}): LineDiff {
  const intern = new Map<string, number>();
  const toIds = (lines: readonly string[]): Int32Array => {
    const ids = new Int32Array(lines.length);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as string;
      let id = intern.get(line);
      if (id === undefined) {
        id = intern.size;
        intern.set(line, id);
      }
      ids[i] = id;
    }
    return ids;
  };
  const ia = toIds(a);
  const ib = toIds(b);
  const differ = new Differ(ia, ib, intern.size, options.budget ?? DEFAULT_BUDGET);
  differ.solve(0, ia.length, 0, ib.length, 0);
  return { ops: differ.ops, simplified: differ.simplified };
}
