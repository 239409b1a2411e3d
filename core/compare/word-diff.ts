/**
 * Word-level highlights inside one changed block (k lines of A replaced by m lines of B). The
 * common start and end of the block are cut off first, so a long line with one small change (a
 * minified JSON answer, say) costs only its changed middle; jsdiff's diffWordsWithSpace diffs the
 * rest. Each side comes back as one list of segments per line.
 */
import { diffWordsWithSpace } from 'diff';
import type { DiffSegment } from './types.js';

/** Blocks whose changed middle is larger than this (both sides, characters) get no word diff. */
export const WORD_DIFF_MAX_CHARS = 16_000;
/** Word edits allowed in one block before jsdiff gives up (the block then gets no word diff). */
const WORD_DIFF_MAX_EDITS = 1_000;
/** Below this share of unchanged characters, highlights are noise: the lines are simply different. */
const MIN_SAME_SHARE = 0.3;

export interface BlockSegments {
  a: DiffSegment[][];
  b: DiffSegment[][];
}

/**
 * Word-diff work left for one answer pair, in (changed characters × word edits) units, shared by
 * its blocks so a diff with many large blocks stays bounded.
 */
export interface WordBudget {
  remaining: number;
}

const WORD_CHAR = /[\p{L}\p{N}_]/u;

function isWordChar(ch: string | undefined): boolean {
  return ch !== undefined && WORD_CHAR.test(ch);
}

/** Characters other than spaces, tabs and line breaks. */
function visible(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code !== 32 && code !== 9 && code !== 10 && code !== 13) count++;
  }
  return count;
}

/** Pushes a piece, merging it into the previous one of the same kind. */
function push(line: DiffSegment[], kind: DiffSegment['kind'], text: string): void {
  if (text === '') return;
  const last = line[line.length - 1];
  if (last && last.kind === kind) last.text += text;
  else line.push({ kind, text });
}

/** Splits a side's pieces (the block joined with \n) into one segment list per line. */
function toLines(pieces: DiffSegment[], lineCount: number): DiffSegment[][] | null {
  const lines: DiffSegment[][] = [[]];
  for (const piece of pieces) {
    const parts = piece.text.split('\n');
    parts.forEach((part, index) => {
      if (index > 0) lines.push([]);
      push(lines[lines.length - 1] as DiffSegment[], piece.kind, part);
    });
  }
  return lines.length === lineCount ? lines : null;
}

/**
 * Segments for the removed lines `a` and added lines `b` of one block, or null when the block gets
 * no word diff (too large, too different, or jsdiff over its edit limit).
 */
export function wordSegments(a: readonly string[], b: readonly string[], budget: WordBudget): BlockSegments | null {
  if (a.length === 0 || b.length === 0) return null;
  const oldText = a.join('\n');
  const newText = b.join('\n');
  const limit = Math.min(oldText.length, newText.length);

  // Common start and end, moved back to a word boundary so no word is split between them.
  let prefix = 0;
  while (prefix < limit && oldText.charCodeAt(prefix) === newText.charCodeAt(prefix)) prefix++;
  while (prefix > 0 && isWordChar(oldText[prefix - 1]) && (isWordChar(oldText[prefix]) || isWordChar(newText[prefix]))) prefix--;
  let suffix = 0;
  while (suffix < limit - prefix && oldText.charCodeAt(oldText.length - 1 - suffix) === newText.charCodeAt(newText.length - 1 - suffix)) suffix++;
  while (suffix > 0 && isWordChar(oldText[oldText.length - suffix]) && (isWordChar(oldText[oldText.length - suffix - 1]) || isWordChar(newText[newText.length - suffix - 1]))) suffix--;

  const oldMiddle = oldText.slice(prefix, oldText.length - suffix);
  const newMiddle = newText.slice(prefix, newText.length - suffix);
  const size = oldMiddle.length + newMiddle.length;
  if (size > WORD_DIFF_MAX_CHARS) return null;
  const maxEditLength = Math.min(WORD_DIFF_MAX_EDITS, Math.floor(budget.remaining / Math.max(1, size)));
  if (maxEditLength < 1) return null;
  const changes = diffWordsWithSpace(oldMiddle, newMiddle, { maxEditLength });
  let edits = maxEditLength;
  if (changes) edits = changes.reduce((sum, change) => sum + (change.added || change.removed ? change.count : 0), 0);
  budget.remaining -= Math.min(budget.remaining, Math.max(1, size) * Math.max(1, edits));
  if (!changes) return null;

  const head = oldText.slice(0, prefix);
  const tail = oldText.slice(oldText.length - suffix);
  const oldPieces: DiffSegment[] = [{ kind: 'same', text: head }];
  const newPieces: DiffSegment[] = [{ kind: 'same', text: head }];
  let same = visible(head) + visible(tail);
  for (const change of changes) {
    if (change.added) newPieces.push({ kind: 'added', text: change.value });
    else if (change.removed) oldPieces.push({ kind: 'removed', text: change.value });
    else {
      oldPieces.push({ kind: 'same', text: change.value });
      newPieces.push({ kind: 'same', text: change.value });
      same += visible(change.value);
    }
  }
  oldPieces.push({ kind: 'same', text: tail });
  newPieces.push({ kind: 'same', text: tail });
  if (same < MIN_SAME_SHARE * Math.max(visible(oldText), visible(newText))) return null;

  const aLines = toLines(oldPieces, a.length);
  const bLines = toLines(newPieces, b.length);
  return aLines && bLines ? { a: aLines, b: bLines } : null;
}
