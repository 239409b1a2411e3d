/**
 * Regex check benchmark: the `regex` check (core/runs/safe-regex.ts, linear-time RE2) on answers of
 * 1 MiB and 10 MiB (the capture limit), for everyday patterns and for ones a backtracking engine
 * never finishes. JavaScript's RegExp is timed beside it on the everyday ones for comparison.
 * Prints JSON; exits non-zero when a case's median misses the target or a result is wrong.
 *
 *   node dist/scripts/bench/regex-checks.js [--runs 5] [--target-ms 1000]
 */
import { linearRegex } from '../../core/runs/safe-regex.js';
import { benchArgs } from './bench-args.js';

const values = benchArgs(
  { name: 'regex-checks', measures: 'the `regex` check (linear-time RE2) on 1 MiB and 10 MiB answers, everyday and catastrophic patterns, against a target' },
  {
    runs: { kind: 'number', default: 5, help: 'timed runs per case' },
    'target-ms': { kind: 'number', default: 1000, help: 'each case median must stay under this' },
  },
);
const RUNS = Number(values.runs);
const TARGET_MS = Number(values['target-ms']);

const prose = 'The agent read the file, ran the tests and reported 391 passing; nothing else changed. ';
const answers = {
  '1 MiB prose': prose.repeat(Math.ceil((1024 * 1024) / prose.length)),
  '10 MiB prose': prose.repeat(Math.ceil((10 * 1024 * 1024) / prose.length)),
  '10 MiB of "a" then "!"': `${'a'.repeat(10 * 1024 * 1024)}!`,
};

interface Case {
  pattern: string;
  answer: keyof typeof answers;
  expected: boolean;
  /** JavaScript's RegExp finishes on it (timed for comparison). */
  backtrackingSafe: boolean;
}

const cases: Case[] = [
  { pattern: '\\b391\\b', answer: '10 MiB prose', expected: true, backtrackingSafe: true },
  { pattern: '/NOT THERE|never/i', answer: '10 MiB prose', expected: false, backtrackingSafe: true },
  { pattern: '/^\\s*[-*]/m', answer: '10 MiB prose', expected: false, backtrackingSafe: true },
  { pattern: 'changed\\.\\s*$', answer: '1 MiB prose', expected: true, backtrackingSafe: true },
  { pattern: 'changed\\.\\s*$', answer: '10 MiB prose', expected: true, backtrackingSafe: true },
  { pattern: '^(a+)+$', answer: '10 MiB of "a" then "!"', expected: false, backtrackingSafe: false },
  { pattern: '(a|aa)*b', answer: '10 MiB of "a" then "!"', expected: false, backtrackingSafe: false },
];

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function time(fn: () => boolean, expected: boolean, label: string): number[] {
  const samples: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const start = performance.now();
    const result = fn();
    const elapsed = performance.now() - start;
    if (result !== expected) throw new Error(`${label}: got ${result}, expected ${expected}`);
    if (i > 0) samples.push(elapsed); // the first run warms up (and compiles the pattern)
  }
  return samples;
}

function toRegExp(source: string): RegExp {
  const literal = /^\/(.*)\/([dgimsuvy]*)$/s.exec(source);
  return literal ? new RegExp(literal[1] ?? '', literal[2]) : new RegExp(source);
}

let missed = false;
const rows = cases.map(({ pattern, answer, expected, backtrackingSafe }) => {
  const text = answers[answer];
  const linear = time(() => linearRegex(pattern).test(text), expected, pattern);
  const regexp = backtrackingSafe ? time(() => toRegExp(pattern).test(text), expected, `${pattern} (RegExp)`) : null;
  const p50 = median(linear);
  if (p50 > TARGET_MS) missed = true;
  return {
    pattern,
    answer,
    linear_p50_ms: +p50.toFixed(1),
    linear_max_ms: +Math.max(...linear).toFixed(1),
    regexp_p50_ms: regexp ? +median(regexp).toFixed(1) : 'does not finish',
  };
});

process.stdout.write(`${JSON.stringify({ runs: RUNS, target_ms: TARGET_MS, node: process.version, rows }, null, 2)}\n`);
if (missed) {
  process.stderr.write(`a case's median missed the target of ${TARGET_MS} ms\n`);
  process.exitCode = 1;
}
