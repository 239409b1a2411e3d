/**
 * Diff benchmark: the pair diff of comparison (line diff, word highlights, caps) on two 1 MiB
 * answers. Cases: realistic text (code and prose paragraphs) with ~5 % of lines changed, completely
 * different texts (the worst case), a 1 MiB single-line JSON answer with a few edits, and lines
 * drawn from a tiny vocabulary (no line is unique: no anchors, Myers alone under its budget).
 * Prints JSON; exits non-zero when a case's median wall time misses the target.
 *
 *   node dist/scripts/bench/diff.js [--size 1048576] [--runs 7] [--target-ms 200] [--only <case name part>]
 */
import { diffAnswers } from '../../core/compare/text-diff.js';
import type { TextDiff } from '../../core/compare/types.js';
import { percentile } from './hub-process.js';
import { seededRandom } from '../lib/random.js';
import { benchArgs } from './bench-args.js';

const values = benchArgs(
  { name: 'diff', measures: 'the pair diff of comparison (line diff, word highlights, caps) on two large answers, per case, against a target' },
  {
    size: { kind: 'number', default: 1048576, help: 'answer size in bytes' },
    runs: { kind: 'number', default: 7, help: 'timed runs per case' },
    'target-ms': { kind: 'number', default: 200, help: 'each case median must stay under this' },
    only: { kind: 'text', default: '', help: 'only the cases whose name contains this' },
  },
);
const SIZE = Number(values.size);
const RUNS = Number(values.runs);
const TARGET_MS = Number(values['target-ms']);

const WORDS = (
  'the a an of to in for on with by from as is are was be this that it its we you they agent backend prompt answer model ' +
  'token cost latency queue hub lease ack run compare diff line word text code result error value state config test build ' +
  'request response client server process worker task retry timeout cancel stream output input version lock doctor check'
).split(' ');
const IDENTS = ['result', 'task', 'lease', 'config', 'answer', 'items', 'index', 'count', 'options', 'client', 'buffer', 'value'];

function pick<T>(rnd: () => number, list: readonly T[]): T {
  return list[Math.floor(rnd() * list.length)] as T;
}

function sentence(rnd: () => number): string {
  const words = Array.from({ length: 6 + Math.floor(rnd() * 14) }, () => pick(rnd, WORDS));
  const first = words[0] ?? 'the';
  words[0] = first.charAt(0).toUpperCase() + first.slice(1);
  return `${words.join(' ')}.`;
}

function codeLine(rnd: () => number, depth: number): string {
  const indent = '  '.repeat(depth);
  const a = pick(rnd, IDENTS);
  const b = pick(rnd, IDENTS);
  const n = Math.floor(rnd() * 1000);
  switch (Math.floor(rnd() * 5)) {
    case 0:
      return `${indent}const ${a}${n} = ${b}.${pick(rnd, IDENTS)}(${n});`;
    case 1:
      return `${indent}if (${a}.length > ${n}) return ${b};`;
    case 2:
      return `${indent}${a}.push({ ${b}: ${n}, ${pick(rnd, IDENTS)}: '${pick(rnd, WORDS)}' });`;
    case 3:
      return `${indent}// ${sentence(rnd)}`;
    default:
      return `${indent}await ${a}.${b}(${pick(rnd, IDENTS)}, ${n});`;
  }
}

/** Paragraphs of prose (wrapped at ~80 columns) and of code, about `bytes` long, as lines. */
function document(rnd: () => number, bytes: number): string[] {
  const lines: string[] = [];
  let size = 0;
  const add = (line: string) => {
    lines.push(line);
    size += line.length + 1;
  };
  while (size < bytes) {
    if (rnd() < 0.5) {
      let line = '';
      for (let s = 0; s < 3 + Math.floor(rnd() * 5); s++) {
        for (const word of sentence(rnd).split(' ')) {
          if (line.length + word.length > 80) {
            add(line);
            line = '';
          }
          line = line ? `${line} ${word}` : word;
        }
      }
      add(line);
    } else {
      add('```ts');
      add(`export async function ${pick(rnd, IDENTS)}${Math.floor(rnd() * 10_000)}(${pick(rnd, IDENTS)}: ${pick(rnd, ['string', 'number', 'Task'])}) {`);
      for (let k = 0; k < 4 + Math.floor(rnd() * 12); k++) add(codeLine(rnd, 1 + Math.floor(rnd() * 2)));
      add('}');
      add('```');
    }
    add('');
  }
  return lines;
}

/** ~`share` of lines edited: mostly a word changed, some lines inserted or deleted. */
function edit(rnd: () => number, lines: string[], share: number): string[] {
  const out: string[] = [];
  for (const line of lines) {
    if (rnd() >= share) {
      out.push(line);
      continue;
    }
    const kind = rnd();
    if (kind < 0.7) {
      const words = line.split(' ');
      words[Math.floor(rnd() * words.length)] = pick(rnd, WORDS);
      out.push(words.join(' '));
    } else if (kind < 0.85) {
      out.push(line, codeLine(rnd, 1));
    } // else: the line is deleted
  }
  return out;
}

function json(rnd: () => number, bytes: number): string {
  const items: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const item = JSON.stringify({ id: i, name: pick(rnd, IDENTS), note: sentence(rnd), score: Math.floor(rnd() * 1000) });
    items.push(item);
    size += item.length + 1;
  }
  return `[${items.join(',')}]`;
}

interface Case {
  name: string;
  /** Built when the case runs, so only one pair of texts is in memory at a time. */
  make: () => [string, string];
}

const TINY = ['}', '', '  return result;', '  }', '```', 'end'];

function repeated(rnd: () => number): string {
  const lines: string[] = [];
  for (let size = 0; size < SIZE; ) {
    const line = pick(rnd, TINY);
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n');
}

const CASES: Case[] = [
  {
    name: 'realistic, ~5% of lines changed',
    make: () => {
      const rnd = seededRandom(20261125);
      const base = document(rnd, SIZE);
      return [base.join('\n'), edit(rnd, base, 0.05).join('\n')];
    },
  },
  { name: 'completely different texts', make: () => [document(seededRandom(20261125), SIZE).join('\n'), document(seededRandom(7), SIZE).join('\n')] },
  {
    name: 'single-line JSON, two edits',
    make: () => {
      const a = json(seededRandom(3), SIZE);
      return [a, a.replace('"score":17,', '"score":18,').replace(/"name":"lease"/, '"name":"leases"')];
    },
  },
  { name: 'no unique line (tiny vocabulary)', make: () => [repeated(seededRandom(1)), repeated(seededRandom(2))] },
];

function summary(diff: TextDiff) {
  return {
    a_lines: diff.a_lines,
    b_lines: diff.b_lines,
    removed: diff.removed,
    added: diff.added,
    hunks: diff.hunks.length,
    shown_lines: diff.hunks.reduce((sum, hunk) => sum + hunk.lines.length, 0),
    omitted_lines: diff.omitted_lines,
    word_highlighted_lines: diff.hunks.reduce((sum, hunk) => sum + hunk.lines.filter((line) => line.segments).length, 0),
    blocks_without_word_diff: diff.blocks_without_word_diff,
    simplified: diff.simplified !== null,
  };
}

const results = [];
let met = true;
for (const { name, make } of CASES.filter((c) => c.name.includes(values.only))) {
  const [a, b] = make();
  diffAnswers(a, b); // warm-up
  const times: number[] = [];
  const cpu: number[] = [];
  let last: TextDiff | null = null;
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    last = diffAnswers(a, b);
    const used = process.cpuUsage(cpuBefore);
    times.push(performance.now() - started);
    cpu.push((used.user + used.system) / 1000);
  }
  times.sort((x, y) => x - y);
  cpu.sort((x, y) => x - y);
  const p50 = percentile(times, 50);
  if (p50 > TARGET_MS) met = false;
  results.push({
    case: name,
    a_bytes: Buffer.byteLength(a),
    b_bytes: Buffer.byteLength(b),
    p50_ms: Number(p50.toFixed(1)),
    max_ms: Number((times[times.length - 1] ?? 0).toFixed(1)),
    /** CPU time of the process (includes the GC's helper threads): less sensitive to a busy machine than wall time. */
    cpu_p50_ms: Number(percentile(cpu, 50).toFixed(1)),
    ...(last ? summary(last) : {}),
  });
}

console.log(JSON.stringify({ node: process.version, runs: RUNS, target_ms: TARGET_MS, met, results }, null, 2));
if (!met) process.exitCode = 1;
