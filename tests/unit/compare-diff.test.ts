import { describe, expect, it } from 'vitest';
import { diffLineArrays, type LineOp, splitLines } from '../../core/compare/line-diff.js';
import { diffAnswers, MAX_DIFF_LINES, MAX_LINE_CHARS } from '../../core/compare/text-diff.js';
import type { DiffLine, TextDiff } from '../../core/compare/types.js';
import { wordSegments } from '../../core/compare/word-diff.js';

function lines(diff: TextDiff): DiffLine[] {
  return diff.hunks.flatMap((hunk) => hunk.lines);
}

/** Replays an edit script: it must turn A into B, touching every line exactly once, in order. */
function apply(a: string[], b: string[], ops: LineOp[]): string[] {
  const out: string[] = [];
  let i = 0;
  let j = 0;
  for (const op of ops) {
    if (op.a !== i || op.b !== j) throw new Error(`op at ${op.a},${op.b} expected at ${i},${j}`);
    if (op.kind === 'equal') {
      for (let k = 0; k < op.count; k++) if (a[i + k] !== b[j + k]) throw new Error(`equal op pairs different lines at ${i + k},${j + k}`);
      out.push(...a.slice(i, i + op.count));
      i += op.count;
      j += op.count;
    } else if (op.kind === 'delete') i += op.count;
    else {
      out.push(...b.slice(j, j + op.count));
      j += op.count;
    }
  }
  expect([i, j]).toEqual([a.length, b.length]);
  return out;
}

/** A small seeded generator for reproducible random texts. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

describe('line diff', () => {
  it('splits lines on \\n and \\r\\n; a final line break does not add an empty line', () => {
    expect(splitLines('')).toEqual([]);
    expect(splitLines('a\r\nb\n')).toEqual(['a', 'b']);
    expect(splitLines('a\n\nb')).toEqual(['a', '', 'b']);
  });

  it('edit scripts replay A into B on random texts with many repeated lines', () => {
    const rnd = random(42);
    const vocabulary = ['}', '', 'return x;', 'a', 'b', 'const y = 1;', 'foo', 'bar'];
    for (let round = 0; round < 200; round++) {
      const a = Array.from({ length: Math.floor(rnd() * 40) }, () => vocabulary[Math.floor(rnd() * vocabulary.length)] as string);
      const b = a.flatMap((line) => (rnd() < 0.2 ? [] : rnd() < 0.2 ? [line, `new ${Math.floor(rnd() * 5)}`] : [line]));
      const { ops } = diffLineArrays(a, b);
      expect(apply(a, b, ops)).toEqual(b);
    }
  });

  it('finds the minimal script on a simple edit (anchors on unique lines, Myers in between)', () => {
    const a = ['header', 'x', 'y', 'x', 'unique middle', 'z', 'footer'];
    const b = ['header', 'x', 'x', 'unique middle', 'z', 'z', 'footer'];
    const { ops, simplified } = diffLineArrays(a, b);
    expect(simplified).toBe(false);
    const edits = ops.filter((op) => op.kind !== 'equal').reduce((n, op) => n + op.count, 0);
    expect(edits).toBe(2);
  });

  it('falls back to replacing a region whole when it exceeds the work budget, and says so', () => {
    const a = Array.from({ length: 300 }, (_, i) => (i % 2 ? 'x' : 'y'));
    const b = Array.from({ length: 300 }, (_, i) => (i % 3 ? 'x' : 'y'));
    const tight = diffLineArrays(a, b, { budget: 4 });
    expect(tight.simplified).toBe(true);
    expect(apply(a, b, tight.ops)).toEqual(b);
    expect(diffLineArrays(a, b).simplified).toBe(false);
  });
});

describe('diffAnswers', () => {
  it('gives unified hunks with three lines of context and 1-based line numbers', () => {
    const a = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n');
    const b = a.replace('line 10', 'line ten');
    const diff = diffAnswers(a, b);
    expect(diff).toMatchObject({ a_lines: 20, b_lines: 20, removed: 1, added: 1, omitted_lines: 0, simplified: null, note: null });
    expect(diff.hunks).toHaveLength(1);
    const hunk = diff.hunks[0];
    expect(hunk).toMatchObject({ a_start: 7, a_count: 7, b_start: 7, b_count: 7 });
    expect(hunk?.lines.map((l) => `${l.kind}:${l.a_line}:${l.b_line}:${l.text}`)).toEqual([
      'context:7:7:line 7',
      'context:8:8:line 8',
      'context:9:9:line 9',
      'removed:10:null:line 10',
      'added:null:10:line ten',
      'context:11:11:line 11',
      'context:12:12:line 12',
      'context:13:13:line 13',
    ]);
  });

  it('highlights the changed words inside changed lines', () => {
    const diff = diffAnswers('The quick brown fox jumps.\n', 'The quick red fox jumps.\n');
    const [removed, added] = lines(diff);
    expect(removed?.segments).toEqual([
      { kind: 'same', text: 'The quick ' },
      { kind: 'removed', text: 'brown' },
      { kind: 'same', text: ' fox jumps.' },
    ]);
    expect(added?.segments).toEqual([
      { kind: 'same', text: 'The quick ' },
      { kind: 'added', text: 'red' },
      { kind: 'same', text: ' fox jumps.' },
    ]);
  });

  it('word segments of a multi-line block map back to their lines and join to each line', () => {
    const a = ['alpha beta', 'gamma delta', 'epsilon'];
    const b = ['alpha BETA', 'gamma delta zeta'];
    const segments = wordSegments(a, b, { remaining: 1e9 });
    expect(segments?.a.map((line) => line.map((s) => s.text).join(''))).toEqual(a);
    expect(segments?.b.map((line) => line.map((s) => s.text).join(''))).toEqual(b);
  });

  it('leaves lines that share nothing without word highlights', () => {
    const diff = diffAnswers('completely one thing\n', 'utterly other stuff\n');
    expect(lines(diff).every((line) => line.segments === undefined)).toBe(true);
    expect(diff.blocks_without_word_diff).toBe(1);
  });

  it('pure insertions and deletions, and texts differing only in line endings', () => {
    expect(diffAnswers('a\nb\n', 'a\nb\nc\n')).toMatchObject({ removed: 0, added: 1 });
    expect(diffAnswers('a\nb\nc', 'a\nc')).toMatchObject({ removed: 1, added: 0 });
    const endings = diffAnswers('a\r\nb\r\n', 'a\nb');
    expect(endings).toMatchObject({ removed: 0, added: 0, hunks: [] });
    expect(endings.note).toMatch(/line endings/);
    expect(diffAnswers('', 'x').hunks[0]).toMatchObject({ a_start: 0, a_count: 0, b_start: 1, b_count: 1 });
  });

  it('caps the lines it shows and counts the rest', () => {
    const a = Array.from({ length: 10_000 }, (_, i) => `row ${i}`).join('\n');
    const b = Array.from({ length: 10_000 }, (_, i) => (i % 5 === 0 ? `row ${i} changed` : `row ${i}`)).join('\n');
    const diff = diffAnswers(a, b);
    const shown = lines(diff).length;
    expect(shown).toBe(MAX_DIFF_LINES);
    expect(diff.removed).toBe(2_000);
    expect(diff.added).toBe(2_000);
    expect(diff.omitted_lines).toBeGreaterThan(0);
    // Every change line is either shown or counted: 2 per change plus shared context.
    expect(shown + diff.omitted_lines).toBeGreaterThanOrEqual(4_000);
  });

  it('a huge single line with one edit keeps a word highlight and is elided around it', () => {
    const body = Array.from({ length: 20_000 }, (_, i) => `{"id":${i},"v":"x"}`).join(',');
    const a = `[${body}]`;
    const b = a.replace('{"id":12345,"v":"x"}', '{"id":12345,"v":"y"}');
    const diff = diffAnswers(a, b);
    const [removed, added] = lines(diff);
    expect(removed?.elided).toBe(true);
    expect(removed?.text.length).toBeLessThanOrEqual(MAX_LINE_CHARS + 2);
    expect(removed?.segments?.filter((s) => s.kind === 'removed').map((s) => s.text)).toEqual(['x']);
    expect(added?.segments?.filter((s) => s.kind === 'added').map((s) => s.text)).toEqual(['y']);
    expect(added?.text).toContain('"id":12345,"v":"y"');
  });

  // How fast is scripts/bench/diff.ts's business (its worst case is this one); here, what comes out.
  it('completely different large answers are simplified and counted in full', () => {
    const rnd = random(7);
    const make = () => Array.from({ length: 20_000 }, () => ['}', '', 'x', 'y'][Math.floor(rnd() * 4)]).join('\n');
    const diff = diffAnswers(make(), make());
    expect(diff.simplified).not.toBeNull();
    // Unchanged lines are the same count on both sides, and every changed line is shown or counted as omitted.
    expect(diff.a_lines - diff.removed).toBe(diff.b_lines - diff.added);
    expect(lines(diff).length + diff.omitted_lines).toBeGreaterThanOrEqual(diff.removed + diff.added);
  });
});
