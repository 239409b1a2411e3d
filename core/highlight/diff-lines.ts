/**
 * A workspace diff cut into its files' sections, and one section's lines coloured by the language
 * of its file (highlight.js grammars through lowlight: a tree of tokens, never HTML to inject, and no
 * eval, so it runs under the app's strict CSP and on the server for the HTML reports alike).
 *
 * A hunk is highlighted as the code it shows, not line by line: the old side (context and removed
 * lines) and the new side (context and added lines) are each coloured as one text, so a string or
 * comment spanning lines stays one; every diff line then takes its tokens from its side.
 */
import { createLowlight } from 'lowlight';
import { GRAMMARS, languageOf, type Language } from './languages.js';

/** Sections longer than this are shown plain: colouring them would hold the page up (the cap is said). */
export const MAX_HIGHLIGHT_CHARS = 64 * 1024;

export type DiffLineKind = 'meta' | 'hunk' | 'add' | 'del' | 'context';

/** A run of text and the highlight.js classes it is drawn with (null: plain). */
export interface Token {
  text: string;
  className: string | null;
}

export interface DiffLine {
  kind: DiffLineKind;
  /** `+`, `-` or ` ` for code lines; '' for headers (their whole text is in `tokens`). */
  sign: string;
  tokens: Token[];
}

export interface HighlightedSection {
  language: Language | null;
  lines: DiffLine[];
  /** Why the code is plain: no grammar for the language, or the section is over the cap. */
  plain: 'no-grammar' | 'too-large' | null;
}

const lowlight = createLowlight(GRAMMARS);
/** A node of lowlight's tree (hast): text, or a span with classes around more nodes. */
type TreeNode = ReturnType<typeof lowlight.highlight>['children'][number];

/** A workspace diff cut into its files' sections (`diff --git a/x b/x` starts each), keyed by path. */
export function diffSections(diff: string): Map<string, string> {
  const sections = new Map<string, string>();
  const starts = [...diff.matchAll(/^diff --git a\/(.*) b\/\1$/gm)];
  starts.forEach((match, i) => {
    const end = starts[i + 1]?.index ?? diff.length;
    sections.set(match[1] ?? '', diff.slice(match.index, end));
  });
  return sections;
}

/** The lines of highlighted code, each a list of tokens (a token spanning lines is cut at each newline). */
function tokenLines(grammar: string, code: string): Token[][] {
  const lines: Token[][] = [[]];
  const add = (text: string, className: string | null) => {
    const line = lines[lines.length - 1] as Token[];
    const last = line[line.length - 1];
    if (last && last.className === className) last.text += text;
    else line.push({ text, className });
  };
  const walk = (nodes: readonly TreeNode[], className: string | null) => {
    for (const node of nodes) {
      if (node.type === 'text') {
        node.value.split('\n').forEach((part, i) => {
          if (i > 0) lines.push([]);
          if (part) add(part, className);
        });
      } else if (node.type === 'element') {
        const own = node.properties.className;
        // The innermost span decides the colour: one class set per token, no cascade between them.
        walk(node.children, Array.isArray(own) && own.length ? own.join(' ') : className);
      }
    }
  };
  walk(lowlight.highlight(grammar, code, { prefix: 'hljs-' }).children, null);
  return lines;
}

const plainLine = (kind: DiffLineKind, line: string): DiffLine =>
  kind === 'add' || kind === 'del' || kind === 'context'
    ? { kind, sign: line.slice(0, 1), tokens: line.length > 1 ? [{ text: line.slice(1), className: null }] : [] }
    : { kind, sign: '', tokens: line ? [{ text: line, className: null }] : [] };

const CODE_KINDS: Record<string, DiffLineKind> = { '+': 'add', '-': 'del', ' ': 'context' };

/** Each line's kind: the `---`/`+++` lines before the first hunk are headers, inside a hunk they are code. */
function classify(lines: string[]): DiffLineKind[] {
  let inHunk = false;
  return lines.map((line) => {
    if (line.startsWith('@@')) {
      inHunk = true;
      return 'hunk';
    }
    const code = inHunk ? CODE_KINDS[line.slice(0, 1)] : undefined;
    if (code) return code;
    // `\ No newline at end of file` stays in the hunk; anything else (a `... diff truncated` line) ends it.
    if (!line.startsWith('\\')) inHunk = false;
    return 'meta';
  });
}

/** Colours one hunk's code lines (indexes `from` to `to` of `lines`) from its two sides. */
function highlightHunk(grammar: string, lines: string[], kinds: DiffLineKind[], from: number, to: number, out: DiffLine[]): void {
  const oldSide: string[] = [];
  const newSide: string[] = [];
  for (let i = from; i < to; i++) {
    const text = (lines[i] as string).slice(1);
    if (kinds[i] !== 'add') oldSide.push(text);
    if (kinds[i] !== 'del') newSide.push(text);
  }
  const oldTokens = tokenLines(grammar, oldSide.join('\n'));
  const newTokens = tokenLines(grammar, newSide.join('\n'));
  let o = 0;
  let n = 0;
  for (let i = from; i < to; i++) {
    const kind = kinds[i] as DiffLineKind;
    const tokens = kind === 'del' ? oldTokens[o] : newTokens[n];
    if (kind !== 'add') o++;
    if (kind !== 'del') n++;
    out.push({ kind, sign: (lines[i] as string).slice(0, 1), tokens: tokens ?? [] });
  }
}

/**
 * One file's section of a workspace diff (with or without its `diff --git` line), its code lines
 * coloured by the file's language when there is a grammar for it and the section is at most
 * `maxChars` long; headers, binary and cut-off notes stay plain.
 */
export function highlightSection(file: string, section: string, maxChars = MAX_HIGHLIGHT_CHARS): HighlightedSection {
  const language = languageOf(file);
  const lines = section.replace(/\n$/, '').split('\n');
  // The file is named where the section is shown: its `diff --git` line says nothing more.
  if (lines[0]?.startsWith('diff --git ')) lines.shift();
  const kinds = classify(lines);
  const grammar = language?.grammar ?? null;
  const plain = grammar === null ? 'no-grammar' : section.length > maxChars ? 'too-large' : null;
  if (plain || grammar === null) return { language, lines: lines.map((line, i) => plainLine(kinds[i] as DiffLineKind, line)), plain };
  const out: DiffLine[] = [];
  for (let i = 0; i < lines.length; ) {
    if (kinds[i] === 'meta' || kinds[i] === 'hunk') {
      out.push(plainLine(kinds[i] as DiffLineKind, lines[i] as string));
      i++;
      continue;
    }
    let end = i;
    while (end < lines.length && kinds[end] !== 'meta' && kinds[end] !== 'hunk') end++;
    highlightHunk(grammar, lines, kinds, i, end, out);
    i = end;
  }
  return { language, lines: out, plain: null };
}
