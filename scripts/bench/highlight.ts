/**
 * Syntax colouring of workspace diffs: what opening one file's section costs in the app (the
 * section at its 64 KiB cap, TypeScript, half the functions changed), and what a Compare HTML
 * report spends on colouring its whole allowance (REPORT_HIGHLIGHT_CHARS of such sections). The app colours a section when
 * it is first opened, so the first figure is the pause a user can feel; past the cap a section is
 * shown plain. Prints JSON; exits non-zero when the 64 KiB section's median misses the target.
 *
 *   node dist/scripts/bench/highlight.js [--runs 15] [--target-ms 100]
 */
import { createTwoFilesPatch } from 'diff';
import { highlightSection, MAX_HIGHLIGHT_CHARS } from '../../core/highlight/diff-lines.js';
import { REPORT_HIGHLIGHT_CHARS } from '../../core/compare/render-html.js';
import { percentile } from './hub-process.js';
import { benchArgs } from './bench-args.js';

const values = benchArgs(
  { name: 'highlight', measures: 'syntax colouring of workspace diffs: one 64 KiB section (the app) and a whole HTML report allowance' },
  {
    runs: { kind: 'number', default: 15, help: 'timed runs' },
    'target-ms': { kind: 'number', default: 100, help: 'the 64 KiB section median must stay under this' },
  },
);
const RUNS = Number(values.runs);
const TARGET_MS = Number(values['target-ms']);

/** TypeScript-like source of about `chars` characters; `variant` changes every other function. */
function source(chars: number, variant: number): string {
  const parts: string[] = [];
  for (let i = 0, size = 0; size < chars; i++) {
    const body = i % 2 === 0 && variant ? `  return items.filter((x) => x.id !== ${i}).map((x) => \`\${x.name}: ${i}\`);` : `  return items.map((x) => x.name + ' ${i}'); // keep ${i}`;
    const fn = `/** Item ${i}. */\nexport function item${i}(items: { id: number; name: string }[]): string[] {\n${body}\n}\n`;
    parts.push(fn);
    size += fn.length;
  }
  return parts.join('');
}

/** A section at most `limit` characters long, as the workspace diff writes one. */
function section(limit: number): string {
  let chars = limit;
  for (;;) {
    const text = `diff --git a/src/items.ts b/src/items.ts\n${createTwoFilesPatch('a/src/items.ts', 'b/src/items.ts', source(chars, 0), source(chars, 1), undefined, undefined, { context: 3 }).replace(/^=+\n/, '')}`;
    if (text.length <= limit) return text;
    chars = Math.floor(chars * 0.9);
  }
}

/** Wall and CPU milliseconds per call, each sorted (CPU time says what a loaded machine's wall time hides). */
function time(fn: () => void): { wall: number[]; cpu: number[] } {
  fn(); // warm-up: grammars compile their regexps on first use
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const cpuStart = process.cpuUsage();
    fn();
    const used = process.cpuUsage(cpuStart);
    wall.push(performance.now() - started);
    cpu.push((used.user + used.system) / 1000);
  }
  return { wall: wall.sort((a, b) => a - b), cpu: cpu.sort((a, b) => a - b) };
}

const figures = (t: { wall: number[]; cpu: number[] }) => ({
  median: Number(percentile(t.wall, 50).toFixed(1)),
  max: Number((t.wall[t.wall.length - 1] ?? 0).toFixed(1)),
  cpu_median: Number(percentile(t.cpu, 50).toFixed(1)),
});

const one = section(MAX_HIGHLIGHT_CHARS);
const oneSamples = time(() => {
  if (highlightSection('src/items.ts', one).plain !== null) throw new Error('the section was not coloured');
});
const reportSamples = time(() => {
  for (let i = 0; i < REPORT_HIGHLIGHT_CHARS / MAX_HIGHLIGHT_CHARS; i++) highlightSection('src/items.ts', one);
});
const result = {
  section_chars: one.length,
  section_lines: one.split('\n').length,
  runs: RUNS,
  one_section_ms: figures(oneSamples),
  report_allowance_chars: REPORT_HIGHLIGHT_CHARS,
  report_allowance_ms: figures(reportSamples),
  target_ms: TARGET_MS,
  met: percentile(oneSamples.wall, 50) <= TARGET_MS,
};
console.log(JSON.stringify(result, null, 2));
if (!result.met) process.exitCode = 1;
