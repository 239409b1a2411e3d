/**
 * Two answers side by side with word-level highlights. Everything is rendered as React text
 * children (answers are untrusted): removed words in <del>, added words in <ins>, never as HTML.
 */
import type { ReactNode } from 'react';
import type { TextDiff } from '../../api/types.js';
import { diffNotes, diffRows, type DiffCell } from './diff-rows.js';

function Segments({ cell }: { cell: DiffCell }): ReactNode {
  return cell.segments.map((s, i) => {
    // A whole removed/added line is already tinted by its cell; words are marked only within a changed line.
    const wholeLine = cell.segments.length === 1;
    if (s.kind === 'removed' && !wholeLine) return <del key={i}>{s.text}</del>;
    if (s.kind === 'added' && !wholeLine) return <ins key={i}>{s.text}</ins>;
    return <span key={i}>{s.text}</span>;
  });
}

function Side({ cell, side }: { cell: DiffCell | null; side: 'a' | 'b' }) {
  if (!cell) {
    return (
      <>
        <span className="diff__ln" />
        <span className="diff__text diff__text--empty" aria-label={side === 'a' ? 'not in A' : 'not in B'} />
      </>
    );
  }
  const tint = cell.kind === 'context' ? '' : ` diff__text--${cell.kind}`;
  return (
    <>
      <span className="diff__ln">{cell.line ?? ''}</span>
      <span className={`diff__text${tint}`} data-kind={cell.kind}>
        {cell.kind !== 'context' && <span className="sr-only">{cell.kind === 'removed' ? 'Removed: ' : 'Added: '}</span>}
        <Segments cell={cell} />
        {cell.elided && <span className="muted"> (shortened)</span>}
      </span>
    </>
  );
}

export function DiffView({ diff, aName, bName }: { diff: TextDiff; aName: string; bName: string }) {
  const rows = diffRows(diff);
  const notes = diffNotes(diff);
  return (
    <div>
      <p className="muted">
        {diff.removed} line{diff.removed === 1 ? '' : 's'} only in A, {diff.added} only in B (A has {diff.a_lines}, B has {diff.b_lines}).
      </p>
      {notes.map((n) => (
        <p key={n} className="muted">
          {n}
        </p>
      ))}
      <div className="diff" role="group" aria-label={`Answer in ${aName} next to answer in ${bName}`} tabIndex={0} data-testid="diff">
        <span className="diff__head" style={{ gridColumn: '1 / 3' }}>
          A: {aName}
        </span>
        <span className="diff__head" style={{ gridColumn: '3 / 5' }}>
          B: {bName}
        </span>
        {rows.map((row, i) =>
          row.type === 'gap' ? (
            <span key={i} className="diff__gap">
              {row.text}
            </span>
          ) : (
            <div key={i} style={{ display: 'contents' }}>
              <Side cell={row.left} side="a" />
              <Side cell={row.right} side="b" />
            </div>
          ),
        )}
      </div>
    </div>
  );
}
