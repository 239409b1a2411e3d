/**
 * The diff of two answers as comparison shows it: unified hunks with context, word highlights
 * inside changed blocks, a cap on what is shown and on the work done, so two 1 MiB answers diff in
 * well under 200 ms (scripts/bench/diff.ts).
 */
import { diffLineArrays, type LineOp, splitLines } from './line-diff.js';
import type { DiffHunk, DiffLine, DiffSegment, TextDiff } from './types.js';
import { type WordBudget, wordSegments } from './word-diff.js';

/** Unchanged lines shown around a change. */
export const CONTEXT_LINES = 3;
/** Diff lines kept in `hunks`; the rest is counted in `omitted_lines`. */
export const MAX_DIFF_LINES = 2_000;
/** Longer lines are elided: their unchanged stretches cut to their ends, the rest cut at this length. */
export const MAX_LINE_CHARS = 4_000;
const ELIDE_KEEP = 160;
const ELLIPSIS = ' … ';
const WORD_BUDGET = 8_000_000;

/** A maximal run of non-equal ops: lines a0..a1 of A replaced by lines b0..b1 of B. */
interface Block {
  a0: number;
  a1: number;
  b0: number;
  b1: number;
}

function blocksOf(ops: LineOp[]): Block[] {
  const blocks: Block[] = [];
  let open: Block | null = null;
  for (const op of ops) {
    if (op.kind === 'equal') {
      open = null;
      continue;
    }
    if (!open) {
      open = { a0: op.a, a1: op.a, b0: op.b, b1: op.b };
      blocks.push(open);
    }
    if (op.kind === 'delete') open.a1 = op.a + op.count;
    else open.b1 = op.b + op.count;
  }
  return blocks;
}

/** Cuts a long line down: long unchanged segments keep their ends, and the whole is capped. */
function elide(line: DiffLine): DiffLine {
  if (line.text.length <= MAX_LINE_CHARS) return line;
  if (!line.segments) return { ...line, text: line.text.slice(0, MAX_LINE_CHARS) + ELLIPSIS.trimEnd(), elided: true };
  const segments: DiffSegment[] = line.segments.map((segment, index, all) => {
    if (segment.kind !== 'same' || segment.text.length <= 2 * ELIDE_KEEP + ELLIPSIS.length) return segment;
    // Keep the ends that touch a change: the first segment only needs its end, the last its start.
    const keepHead = index > 0 || all.length === 1;
    const keepTail = index < all.length - 1 || all.length === 1;
    const head = keepHead ? segment.text.slice(0, ELIDE_KEEP) : '';
    const tail = keepTail ? segment.text.slice(-ELIDE_KEEP) : '';
    const text = keepHead && keepTail ? head + ELLIPSIS + tail : keepHead ? head + ELLIPSIS.trimEnd() : ELLIPSIS.trimStart() + tail;
    return { kind: 'same', text };
  });
  let budget = MAX_LINE_CHARS;
  const capped: DiffSegment[] = [];
  for (const segment of segments) {
    if (budget <= 0) break;
    capped.push(segment.text.length > budget ? { kind: segment.kind, text: segment.text.slice(0, budget) + ELLIPSIS.trimEnd() } : segment);
    budget -= segment.text.length;
  }
  return { ...line, text: capped.map((s) => s.text).join(''), segments: capped, elided: true };
}

/** Line diff of two answers with word highlights in the changed blocks that are shown. */
export function diffAnswers(a: string, b: string): TextDiff {
  const aLines = splitLines(a);
  const bLines = splitLines(b);
  const { ops, simplified } = diffLineArrays(aLines, bLines);
  let removed = 0;
  let added = 0;
  for (const op of ops) {
    if (op.kind === 'delete') removed += op.count;
    else if (op.kind === 'insert') added += op.count;
  }

  // Group blocks into hunks: blocks closer than two contexts share one.
  const blocks = blocksOf(ops);
  const groups: Block[][] = [];
  for (const block of blocks) {
    const group = groups[groups.length - 1];
    const previous = group?.[group.length - 1];
    if (group && previous && block.a0 - previous.a1 <= 2 * CONTEXT_LINES) group.push(block);
    else groups.push([block]);
  }

  const hunks: DiffHunk[] = [];
  const words: WordBudget = { remaining: WORD_BUDGET };
  let shown = 0;
  let total = 0;
  let withoutWords = 0;
  for (const group of groups) {
    const first = group[0] as Block;
    const last = group[group.length - 1] as Block;
    const before = Math.min(CONTEXT_LINES, first.a0);
    const after = Math.min(CONTEXT_LINES, aLines.length - last.a1);
    const lines: DiffLine[] = [];
    const room = () => shown + lines.length < MAX_DIFF_LINES;
    const context = (ai: number, bi: number, count: number) => {
      for (let k = 0; k < count && room(); k++) lines.push(elide({ kind: 'context', text: aLines[ai + k] as string, a_line: ai + k + 1, b_line: bi + k + 1 }));
    };
    let count = before + after;
    context(first.a0 - before, first.b0 - before, before);
    group.forEach((block, index) => {
      const removedLines = aLines.slice(block.a0, block.a1);
      const addedLines = bLines.slice(block.b0, block.b1);
      count += removedLines.length + addedLines.length;
      const fits = shown + lines.length + removedLines.length + addedLines.length <= MAX_DIFF_LINES;
      const segments = fits ? wordSegments(removedLines, addedLines, words) : null;
      if (removedLines.length > 0 && addedLines.length > 0 && !segments && room()) withoutWords++;
      removedLines.forEach((text, k) => {
        if (room()) lines.push(elide({ kind: 'removed', text, a_line: block.a0 + k + 1, b_line: null, ...(segments ? { segments: segments.a[k] } : {}) }));
      });
      addedLines.forEach((text, k) => {
        if (room()) lines.push(elide({ kind: 'added', text, a_line: null, b_line: block.b0 + k + 1, ...(segments ? { segments: segments.b[k] } : {}) }));
      });
      const next = group[index + 1];
      if (next) {
        count += next.a0 - block.a1;
        context(block.a1, block.b1, next.a0 - block.a1);
      }
    });
    context(last.a1, last.b1, after);
    total += count;
    if (lines.length === 0) continue;
    shown += lines.length;
    const aShown = lines.filter((line) => line.kind !== 'added').length;
    const bShown = lines.filter((line) => line.kind !== 'removed').length;
    const aStart = first.a0 - before;
    const bStart = first.b0 - before;
    // Unified-diff convention: an empty side's start is the line before the hunk.
    hunks.push({ a_start: aShown === 0 ? aStart : aStart + 1, a_count: aShown, b_start: bShown === 0 ? bStart : bStart + 1, b_count: bShown, lines });
  }

  return {
    a_lines: aLines.length,
    b_lines: bLines.length,
    removed,
    added,
    hunks,
    omitted_lines: total - shown,
    simplified: simplified ? 'a region too different to align line by line within the work limit is shown as removed and added whole' : null,
    blocks_without_word_diff: withoutWords,
    note: removed === 0 && added === 0 && a !== b ? 'the answers differ only in line endings or in a final line break' : null,
  };
}
