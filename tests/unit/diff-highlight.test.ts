/**
 * Syntax colouring of workspace diffs (core/highlight): the language by file name, each diff line
 * coloured from its side of the hunk, the text never altered, and the size cap past which a section
 * is shown plain.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareRuns } from '../../core/compare/compare.js';
import { renderHtml } from '../../core/compare/render-html.js';
import { renderRunHtml } from '../../core/runs/render-run-html.js';
import { diffSections, highlightSection, MAX_HIGHLIGHT_CHARS, type DiffLine } from '../../core/highlight/diff-lines.js';
import { languageOf } from '../../core/highlight/languages.js';
import { paletteCss } from '../../core/highlight/palette.js';
import { fail, record, task } from '../fixtures/run-records.js';
import { repoRoot } from '../helpers.js';

/** A section as core/agent/workspace-diff.ts writes it. */
function section(file: string, before: string, after: string): string {
  return `diff --git a/${file} b/${file}\n${createTwoFilesPatch(`a/${file}`, `b/${file}`, before, after, undefined, undefined, { context: 3 }).replace(/^=+\n/, '')}`;
}

const text = (line: DiffLine) => line.sign + line.tokens.map((t) => t.text).join('');
const classesOf = (line: DiffLine | undefined) => (line?.tokens ?? []).filter((t) => t.className).map((t) => [t.className, t.text]);

describe('languageOf', () => {
  it('names the language by extension, case-insensitively, with the grammar that colours it', () => {
    expect(languageOf('src/app.test.ts')).toEqual({ label: 'TypeScript', grammar: 'typescript' });
    expect(languageOf('ui/View.TSX')).toEqual({ label: 'TypeScript', grammar: 'typescript' });
    expect(languageOf('tools/build.py')).toEqual({ label: 'Python', grammar: 'python' });
    expect(languageOf('math.js')).toEqual({ label: 'JavaScript', grammar: 'javascript' });
    expect(languageOf('index.html')).toEqual({ label: 'HTML', grammar: 'xml' });
    expect(languageOf('ci.yml')?.grammar).toBe('yaml');
    expect(languageOf('run.sh')?.grammar).toBe('bash');
    expect(languageOf('main.go')?.grammar).toBe('go');
    expect(languageOf('lib.rs')?.grammar).toBe('rust');
    expect(languageOf('README.md')?.grammar).toBe('markdown');
    expect(languageOf('package.json')?.grammar).toBe('json');
    expect(languageOf('site.css')?.grammar).toBe('css');
  });

  it('names some languages without colouring them, and knows nothing of unknown or missing extensions', () => {
    expect(languageOf('Main.java')).toEqual({ label: 'Java', grammar: null });
    expect(languageOf('Makefile')).toEqual({ label: 'Makefile', grammar: null });
    expect(languageOf('data.weird')).toBeNull();
    expect(languageOf('LICENSE')).toBeNull();
    // The extension of a folder is not the file's.
    expect(languageOf('lib.ts/notes')).toBeNull();
  });
});

describe('highlightSection', () => {
  it('colours added, removed and context lines by the language, keeping each line’s kind and sign', () => {
    const shown = highlightSection('math.ts', section('math.ts', 'export function add(a: number, b: number) {\n  return a - b;\n}\n', 'export function add(a: number, b: number) {\n  return a + b;\n}\n'));
    expect(shown.plain).toBeNull();
    expect(shown.language?.grammar).toBe('typescript');
    expect(shown.lines.map((l) => l.kind)).toEqual(['meta', 'meta', 'hunk', 'context', 'del', 'add', 'context']);
    const del = shown.lines.find((l) => l.kind === 'del');
    const add = shown.lines.find((l) => l.kind === 'add');
    expect([del?.sign, add?.sign]).toEqual(['-', '+']);
    expect(classesOf(del)).toEqual([['hljs-keyword', 'return']]);
    expect(classesOf(add)).toEqual([['hljs-keyword', 'return']]);
    expect(classesOf(shown.lines[3])).toContainEqual(['hljs-keyword', 'export']);
    expect(classesOf(shown.lines[3])).toContainEqual(['hljs-built_in', 'number']);
    // Headers stay plain: no token of theirs has a class.
    expect(shown.lines.filter((l) => l.kind === 'meta' || l.kind === 'hunk').flatMap((l) => l.tokens.filter((t) => t.className))).toEqual([]);
  });

  it('colours a Python file, and a comment spanning lines on every line it spans (a hunk is coloured as one text)', () => {
    const before = 'def total(xs):\n    return sum(xs)\n';
    const after = 'def total(xs):\n    """Add them up,\n    all of them."""\n    return sum(xs)\n';
    const shown = highlightSection('calc.py', section('calc.py', before, after));
    const added = shown.lines.filter((l) => l.kind === 'add');
    expect(added.map(text)).toEqual(['+    """Add them up,', '+    all of them."""']);
    expect(added.map((l) => l.tokens.find((t) => t.text.includes('them'))?.className)).toEqual(['hljs-string', 'hljs-string']);
    expect(classesOf(shown.lines.find((l) => l.kind === 'context'))).toContainEqual(['hljs-keyword', 'def']);
  });

  it('reads a removed line starting with "--" inside a hunk as code, not a file header', () => {
    const shown = highlightSection('q.sql.txt', section('q.sql.txt', '-- old note\nselect 1;\n', 'select 1;\n'));
    expect(shown.lines.filter((l) => l.kind === 'del').map(text)).toEqual(['--- old note']);
  });

  it('shows a file in a language it has no grammar for plain, and says why', () => {
    const shown = highlightSection('notes.weird', section('notes.weird', 'a\n', 'b\n'));
    expect(shown.plain).toBe('no-grammar');
    expect(shown.lines.filter((l) => l.kind !== 'meta').map(text)).toEqual(['@@ -1,1 +1,1 @@', '-a', '+b']);
    expect(shown.lines.flatMap((l) => l.tokens).every((t) => t.className === null)).toBe(true);
  });

  it('shows a section over the cap plain, said, with its text unchanged', () => {
    const big = Array.from({ length: 4000 }, (_, i) => `const value${i} = ${i};`).join('\n') + '\n';
    const diff = section('big.js', '', big);
    expect(diff.length).toBeGreaterThan(MAX_HIGHLIGHT_CHARS);
    const shown = highlightSection('big.js', diff);
    expect(shown.plain).toBe('too-large');
    expect(shown.lines.flatMap((l) => l.tokens).every((t) => t.className === null)).toBe(true);
    expect(shown.lines.filter((l) => l.kind === 'add')).toHaveLength(4000);
    // A lower cap (what is left of a report's allowance) applies the same way; a higher one colours it.
    expect(highlightSection('small.js', section('small.js', '', 'let a = 1;\n'), 10).plain).toBe('too-large');
    expect(highlightSection('big.js', diff, diff.length).plain).toBeNull();
  });

  it('keeps every line’s text exactly, whatever the code (property)', () => {
    const lineArb = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('/* open', 'close */', '"unterminated', '`tpl ${x', '# hash', '-- dashes', '+++ plus', '@@ at'));
    const fileArb = fc.array(lineArb, { maxLength: 12 }).map((lines) => lines.map((l) => l.replace(/[\r\n]/g, ' ')).join('\n') + '\n');
    fc.assert(
      fc.property(fileArb, fileArb, fc.constantFrom('x.ts', 'x.py', 'x.md', 'x.json', 'x.sh', 'x.unknown'), (before, after, file) => {
        const diff = section(file, before, after);
        const expected = diff.replace(/\n$/, '').split('\n').slice(1);
        expect(highlightSection(file, diff).lines.map(text)).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
});

describe('diffSections', () => {
  it('cuts a workspace diff at each file, keyed by path', () => {
    const diff = section('a.ts', 'x\n', 'y\n') + 'diff --git a/b.bin b/b.bin\nBinary files a/b.bin and b/b.bin differ\n';
    const sections = diffSections(diff);
    expect([...sections.keys()]).toEqual(['a.ts', 'b.bin']);
    expect(sections.get('b.bin')).toBe('diff --git a/b.bin b/b.bin\nBinary files a/b.bin and b/b.bin differ\n');
  });
});

describe('palette', () => {
  it('the app’s stylesheet carries the palette of core/highlight/palette.ts word for word', () => {
    const css = fs.readFileSync(path.join(repoRoot, 'renderer', 'src', 'components', 'highlight.css'), 'utf8');
    const block = /\/\* palette:start \*\/\n([\s\S]*?)\n\/\* palette:end \*\//.exec(css)?.[1];
    expect(block).toBe(paletteCss({ light: ":root, :root[data-theme='light']", dark: ":root[data-theme='dark']" }));
  });
});

describe('the Compare HTML report', () => {
  const workspace = (diff: string, files: string[]) => ({ fixture: 'fx', workdir: null, files: files.map((path) => ({ path, change: 'changed' as const })), diff, truncated: false, outside: [], wrote_outside: [], refused_outside: [], check: null });
  function comparison() {
    const ts = (op: string) => section('src/add.ts', 'export function add(a: number, b: number) {\n  return a - b;\n}\n', `export function add(a: number, b: number) {\n  return a ${op} b;\n}\n`);
    const py = (op: string) => section('calc.py', 'def add(a, b):\n    return a - b\n', `def add(a, b):\n    return a ${op} b\n`);
    const a = record({ run_id: 'run-a' }, [task({ prompt_id: 'fix', backend: 'claude_code', artifact: { workspace: workspace(ts('+') + py('+'), ['src/add.ts', 'calc.py']) } })]);
    const b = record({ run_id: 'run-b' }, [task({ prompt_id: 'fix', backend: 'claude_code', checks: [fail('the check `node test.js` passed')], artifact: { workspace: workspace(ts('*') + py('*'), ['src/add.ts', 'calc.py']) } })]);
    return compareRuns(a, b);
  }

  it('colours each side’s files by language at render time, the palette embedded, every token escaped', () => {
    const page = renderHtml(comparison());
    expect(page).toContain('<summary>src/add.ts <span class="muted">TypeScript</span></summary>');
    expect(page).toContain('<summary>calc.py <span class="muted">Python</span></summary>');
    expect(page).toContain('<span class="l l-add"><span class="sign">+</span>  <span class="hljs-keyword">return</span> a * b;\n</span>');
    expect(page).toContain('<span class="l l-del"><span class="sign">-</span>    <span class="hljs-keyword">return</span> a - b\n</span>');
    expect(page).toContain(paletteCss({ light: ':root', dark: '@media (prefers-color-scheme: dark)' }));
    expect(page).not.toContain('Without syntax colours');
  });

  it('past its colouring allowance shows the remaining files plain, saying so', () => {
    const page = renderHtml(comparison(), { colourChars: 300 });
    const plain = page.match(/Without syntax colours: the report colours the first 0 KiB of diffs\./g) ?? [];
    const coloured = page.match(/<span class="hljs-keyword">return<\/span>/g) ?? [];
    // Each section is ~150 characters: the first two of the four are coloured, the other two are not.
    expect(coloured.length).toBe(4);
    expect(plain.length).toBe(2);
  });
});

describe('the run HTML report', () => {
  it('shows each system test’s workspace in its cell, its files coloured by language', () => {
    const diff = section('src/add.ts', 'export const add = (a: number, b: number) => a - b;\n', 'export const add = (a: number, b: number) => a + b;\n');
    const run = record({ run_id: 'run-a' }, [
      task({ prompt_id: 'fix', backend: 'claude_code', artifact: { workspace: { fixture: 'system/<fix>', workdir: null, files: [{ path: 'src/add.ts', change: 'changed' }], diff, truncated: false, outside: ['../x.txt (written next to the workdir)'], wrote_outside: ['../x.txt'], refused_outside: [], check: null } } }),
      task({ prompt_id: 'plain', backend: 'claude_code' }),
    ]);
    const page = renderRunHtml(run);
    expect(page).toContain('<div class="bad ws-outside">Outside the workdir: ../x.txt (written next to the workdir)</div><details class="ws"><summary>Workspace: 1 file changed from system/&lt;fix&gt;</summary>');
    expect(page).toContain('<summary>src/add.ts <span class="muted">TypeScript</span></summary>');
    expect(page).toContain('<span class="l l-add"><span class="sign">+</span><span class="hljs-keyword">export</span> <span class="hljs-keyword">const</span> <span class="hljs-title function_">add</span>');
    expect(page).toContain('.hljs-keyword, .hljs-doctag');
    // A task without a system test has no workspace section.
    expect(page.match(/<details class="ws">/g)).toHaveLength(1);
  });
});
