/**
 * The Compare matrix in plain data: prompts × backends with one cell per row of the comparison,
 * prompts most urgent first, filtered and cut into pages so a 1,000-prompt comparison stays quick.
 */
import type { Gate, PromptRow, RowVerdict } from '../../api/types.js';
import { DASH } from '../../lib/format.js';
import type { Tone } from './compare-logic.js';

export const VERDICT_INFO: Record<RowVerdict, { label: string; tone: Tone; help: string }> = {
  regressed: { label: 'Regressed', tone: 'bad', help: 'The pass rate dropped by more than chance explains (or a check did).' },
  improved: { label: 'Improved', tone: 'good', help: 'The pass rate rose by more than chance explains.' },
  flaky: { label: 'Flaky', tone: 'warn', help: 'Mixed results on a side, or a difference too small to be sure of.' },
  changed: { label: 'Changed', tone: 'warn', help: 'Passes on both sides, but the answers moved beyond their own spread.' },
  'stable-fail': { label: 'Stable fail', tone: 'bad', help: 'Fails every try on both sides.' },
  'stable-pass': { label: 'Stable pass', tone: 'good', help: 'Passes every try on both sides; answers within their spread.' },
  'only-in-a': { label: 'Only in A', tone: 'neutral', help: 'Ran only in run A.' },
  'only-in-b': { label: 'Only in B', tone: 'neutral', help: 'Ran only in run B.' },
};

export const VERDICT_ORDER: readonly RowVerdict[] = ['regressed', 'only-in-b', 'flaky', 'changed', 'improved', 'only-in-a', 'stable-fail', 'stable-pass'];

export type MatrixFilter = 'attention' | 'all';

export interface MatrixLine {
  prompt_id: string;
  prompt: string;
  /** One per backend of the matrix, null where the prompt did not run on it. */
  cells: (PromptRow | null)[];
  /** The most urgent verdict of the line (its sort key). */
  worst: RowVerdict;
}

export interface Matrix {
  backends: string[];
  lines: MatrixLine[];
}

/** Lines sorted most urgent verdict first (then the comparison's own order: p-value, distance). */
export function buildMatrix(rows: readonly PromptRow[]): Matrix {
  const backends: string[] = [];
  const byPrompt = new Map<string, { prompt: string; rows: Map<string, PromptRow>; first: number }>();
  rows.forEach((row, i) => {
    if (!backends.includes(row.backend)) backends.push(row.backend);
    let entry = byPrompt.get(row.prompt_id);
    if (!entry) {
      entry = { prompt: row.prompt, rows: new Map(), first: i };
      byPrompt.set(row.prompt_id, entry);
    }
    entry.rows.set(row.backend, row);
  });
  const rank = (v: RowVerdict) => VERDICT_ORDER.indexOf(v);
  const lines = [...byPrompt.entries()].map(([promptId, entry]) => {
    const cells = backends.map((b) => entry.rows.get(b) ?? null);
    const worst = cells.reduce<RowVerdict>((w, c) => (c && rank(c.verdict) < rank(w) ? c.verdict : w), 'stable-pass');
    return { line: { prompt_id: promptId, prompt: entry.prompt, cells, worst }, first: entry.first };
  });
  lines.sort((x, y) => rank(x.line.worst) - rank(y.line.worst) || x.first - y.first);
  return { backends, lines: lines.map((l) => l.line) };
}

/** "Needs attention": every line but those that pass (or fail) steadily everywhere. */
export function filterLines(lines: readonly MatrixLine[], filter: MatrixFilter, search: string): MatrixLine[] {
  const needle = search.trim().toLowerCase();
  return lines.filter(
    (line) =>
      (filter === 'all' || (line.worst !== 'stable-pass' && line.worst !== 'stable-fail')) &&
      (needle === '' || line.prompt_id.toLowerCase().includes(needle) || line.prompt.toLowerCase().includes(needle)),
  );
}

/** "7/10" → "70%"; a side that did not run is a dash. */
export function rateText(side: PromptRow['a']): string {
  return side ? `${Math.round(side.rate * 100)}%` : DASH;
}

/** The gate's one-line verdict and its tone. */
export function gateVerdict(gate: Gate): { tone: Tone; text: string } {
  if (gate.pass) {
    return gate.warnings.length > 0
      ? { tone: 'warn', text: `The gate passes: no significant regression (${gate.warnings.length} warning${gate.warnings.length === 1 ? '' : 's'} below).` }
      : { tone: 'good', text: 'The gate passes: no significant regression.' };
  }
  return { tone: 'bad', text: `The gate fails: ${gate.failures.length} reason${gate.failures.length === 1 ? '' : 's'}.` };
}

/** Pass rate history as chart series: x = run ordinal, y = percent. */
export function historySeries(points: readonly { passes: number; n: number }[]): { x: number[]; y: number[] } {
  return { x: points.map((_, i) => i + 1), y: points.map((p) => (p.n === 0 ? 0 : Math.round((p.passes / p.n) * 1000) / 10)) };
}
