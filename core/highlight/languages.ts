/**
 * Which language a changed file is written in, by its extension, and the highlight.js grammars the
 * diff views colour. Only common languages are registered (each grammar adds to the app's bundle);
 * a file in any other language is shown plain.
 */
import bash from 'highlight.js/lib/languages/bash';
import css from 'highlight.js/lib/languages/css';
import go from 'highlight.js/lib/languages/go';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import markdown from 'highlight.js/lib/languages/markdown';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';

/** The registered grammars, by the name lowlight knows them by. */
export const GRAMMARS = { bash, css, go, javascript, json, markdown, python, rust, typescript, xml, yaml };
export type GrammarName = keyof typeof GRAMMARS;

export interface Language {
  /** Shown next to the file name. */
  label: string;
  /** The grammar that colours it; null: named, but shown plain. */
  grammar: GrammarName | null;
}

const JS: Language = { label: 'JavaScript', grammar: 'javascript' };
const TS: Language = { label: 'TypeScript', grammar: 'typescript' };
const SHELL: Language = { label: 'Shell', grammar: 'bash' };
const YAML: Language = { label: 'YAML', grammar: 'yaml' };
const MARKDOWN: Language = { label: 'Markdown', grammar: 'markdown' };
const HTML: Language = { label: 'HTML', grammar: 'xml' };
const plain = (label: string): Language => ({ label, grammar: null });

const BY_EXTENSION: Record<string, Language> = {
  js: JS, mjs: JS, cjs: JS, jsx: JS,
  ts: TS, tsx: TS, mts: TS, cts: TS,
  json: { label: 'JSON', grammar: 'json' },
  py: { label: 'Python', grammar: 'python' },
  md: MARKDOWN, markdown: MARKDOWN,
  sh: SHELL, bash: SHELL, zsh: SHELL,
  css: { label: 'CSS', grammar: 'css' },
  html: HTML, htm: HTML,
  xml: { label: 'XML', grammar: 'xml' }, svg: { label: 'SVG', grammar: 'xml' },
  go: { label: 'Go', grammar: 'go' },
  rs: { label: 'Rust', grammar: 'rust' },
  yml: YAML, yaml: YAML,
  java: plain('Java'), rb: plain('Ruby'), toml: plain('TOML'), c: plain('C'), h: plain('C'), cpp: plain('C++'), txt: plain('Text'),
};

/** Files known by their whole name rather than an extension. */
const BY_NAME: Record<string, Language> = { dockerfile: plain('Dockerfile'), makefile: plain('Makefile'), '.bashrc': SHELL, '.profile': SHELL };

/** The language of a file by its name (`src/app.test.ts` → TypeScript); null when unknown. */
export function languageOf(file: string): Language | null {
  const name = file.slice(file.lastIndexOf('/') + 1).toLowerCase();
  const byName = BY_NAME[name];
  if (byName) return byName;
  const ext = /\.([a-z0-9]+)$/.exec(name)?.[1];
  return ext ? (BY_EXTENSION[ext] ?? null) : null;
}
