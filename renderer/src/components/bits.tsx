/** Small pieces shared by the Runs, Compare, Backends and Version lock pages. */
import type { ReactNode } from 'react';

export type Tone = 'good' | 'bad' | 'warn' | 'neutral' | 'info';

/** A word with its colour; the word carries the meaning, the colour only repeats it. */
export function Badge({ tone, children, title }: { tone: Tone; children: ReactNode; title?: string }) {
  return (
    <span className={`badge tone-${tone}`} title={title}>
      {children}
    </span>
  );
}

/** Technical detail one click away: a native disclosure, reachable with Tab and opened with Enter. */
export function TechDetail({ summary = 'Technical detail', text }: { summary?: string; text: string }) {
  return (
    <details className="detail">
      <summary>{summary}</summary>
      <pre className="pre-block">{text}</pre>
    </details>
  );
}

/** Untrusted text (an answer, an error from a CLI) shown as text, never as markup. */
export function AnswerText({ text, label }: { text: string | null; label: string }) {
  if (text === null) return <p className="muted">No answer.</p>;
  return (
    <pre className="answer" aria-label={label} tabIndex={0}>
      {text}
    </pre>
  );
}
