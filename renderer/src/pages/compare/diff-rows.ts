/**
 * A TextDiff (hunks of context/removed/added lines with word segments) laid out side by side:
 * context lines on both sides, each block of removed lines next to the added lines that replaced
 * them, a gap row between hunks. Segments stay text; the view renders them as text nodes only.
 */
import type { DiffLine, DiffSegment, TextDiff } from '../../api/types.js';

export interface DiffCell {
  line: number | null;
  kind: DiffLine['kind'];
  segments: DiffSegment[];
  elided: boolean;
}

export type DiffRow = { type: 'line'; left: DiffCell | null; right: DiffCell | null } | { type: 'gap'; text: string };

function cell(line: DiffLine, side: 'a' | 'b'): DiffCell {
  const whole: DiffSegment['kind'] = line.kind === 'context' ? 'same' : line.kind;
  return {
    line: side === 'a' ? line.a_line : line.b_line,
    kind: line.kind,
    segments: line.segments && line.segments.length > 0 ? line.segments : [{ kind: whole, text: line.text }],
    elided: line.elided === true,
  };
}

export function diffRows(diff: TextDiff): DiffRow[] {
  const rows: DiffRow[] = [];
  diff.hunks.forEach((hunk, index) => {
    if (index > 0 || hunk.a_start > 1 || hunk.b_start > 1) rows.push({ type: 'gap', text: `lines ${hunk.a_start}–${hunk.a_start + Math.max(hunk.a_count - 1, 0)} of A, ${hunk.b_start}–${hunk.b_start + Math.max(hunk.b_count - 1, 0)} of B` });
    let removed: DiffLine[] = [];
    let added: DiffLine[] = [];
    const flush = () => {
      for (let i = 0; i < Math.max(removed.length, added.length); i++) {
        const a = removed[i];
        const b = added[i];
        rows.push({ type: 'line', left: a ? cell(a, 'a') : null, right: b ? cell(b, 'b') : null });
      }
      removed = [];
      added = [];
    };
    for (const line of hunk.lines) {
      if (line.kind === 'removed') {
        if (added.length > 0) flush();
        removed.push(line);
      } else if (line.kind === 'added') {
        added.push(line);
      } else {
        flush();
        rows.push({ type: 'line', left: cell(line, 'a'), right: cell(line, 'b') });
      }
    }
    flush();
  });
  if (diff.omitted_lines > 0) rows.push({ type: 'gap', text: `${diff.omitted_lines} more changed lines not shown` });
  return rows;
}

/** Notes to show above a diff: why it is coarser than word level, or differences lines cannot show. */
export function diffNotes(diff: TextDiff): string[] {
  const notes: string[] = [];
  if (diff.note) notes.push(diff.note);
  if (diff.simplified) notes.push(`Simplified: ${diff.simplified}`);
  if (diff.blocks_without_word_diff > 0) notes.push(`${diff.blocks_without_word_diff} changed block(s) shown without word highlights.`);
  return notes;
}
