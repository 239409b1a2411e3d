/**
 * Every bench script (scripts/bench, built into dist/) answers --help with its usage and exits 0,
 * and refuses an unknown option or a bad value in one line with exit 2, without a stack trace and
 * without starting its benchmark. All of them read their options through scripts/bench/bench-args.ts.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBenchArgs, usageText } from '../../scripts/bench/bench-args.js';
import { repoRoot } from '../helpers.js';

const sourceDir = path.join(repoRoot, 'scripts', 'bench');
const builtDir = path.join(repoRoot, 'dist', 'scripts', 'bench');
const sources = fs.readdirSync(sourceDir).filter((file) => file.endsWith('.ts'));
const read = (file: string) => fs.readFileSync(path.join(sourceDir, file), 'utf8');
/** The scripts (not the modules they share): those that read a command line. */
const scripts = sources.filter((file) => /\bbenchArgs\(/.test(read(file)) && file !== 'bench-args.ts').map((file) => file.replace(/\.ts$/, ''));

function run(name: string, args: string[]) {
  // A script that ignored its options would start its benchmark: the timeout turns that into a failure.
  return spawnSync(process.execPath, [path.join(builtDir, `${name}.js`), ...args], { encoding: 'utf8', timeout: 60_000 });
}

describe('bench scripts on the command line', () => {
  it('every script reads its options through the shared helper (none calls parseArgs itself)', () => {
    for (const file of sources.filter((f) => f !== 'bench-args.ts')) expect(read(file), file).not.toMatch(/\bparseArgs\b/);
    expect(scripts).toEqual(expect.arrayContaining(['agent', 'compare', 'containment', 'diff', 'highlight', 'large-db', 'memory-bounds', 'migrate-original', 'pipeline', 'regex-checks', 'system-test', 'ui-compare', 'ui-tasks']));
  });

  for (const name of scripts) {
    it(`${name}: --help prints the usage and exits 0; a bogus option is one line and exit 2`, () => {
      const help = run(name, ['--help']);
      expect(help.status, help.stderr).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^usage: node dist/scripts/bench/${name}\\.js \\[options\\]\\n\\n\\S.+\\n\\noptions:\\n`));
      expect(help.stdout).toContain('-h, --help');
      // Every option it declares is listed with its default.
      const declared = [...read(`${name}.ts`).matchAll(/^ {4}'?([a-z-]+)'?: \{ kind: '(number|text|flag)'/gm)].map((m) => m[1]);
      expect(declared.length).toBeGreaterThan(0);
      for (const option of declared) expect(help.stdout).toMatch(new RegExp(`^  --${option}\\b.*\\(default [^)]+\\)$`, 'm'));
      expect(help.stderr).toBe('');

      const bogus = run(name, ['--bogus']);
      expect(bogus.status).toBe(2);
      expect(bogus.stdout).toBe('');
      expect(bogus.stderr).toBe(`bench ${name}: unknown option --bogus; see --help\n`);
    });
  }
});

describe('parseBenchArgs', () => {
  const options = {
    runs: { kind: 'number', default: 5, help: 'timed runs' },
    mode: { kind: 'text', default: 'both', help: 'which shapes', choices: ['both', 'one'] },
    out: { kind: 'text', default: '', help: 'write here' },
    quick: { kind: 'flag', help: 'fewer cases' },
  } as const;

  it('gives the defaults, typed, and the values given', () => {
    expect(parseBenchArgs(options, [])).toEqual({ help: false, values: { runs: 5, mode: 'both', out: '', quick: false } });
    expect(parseBenchArgs(options, ['--runs', '7', '--mode=one', '--quick', '--out', 'x.json']).values).toEqual({ runs: 7, mode: 'one', out: 'x.json', quick: true });
    expect(parseBenchArgs(options, ['--runs', '3', '-h']).help).toBe(true);
  });

  it('refuses bad input naming the option', () => {
    expect(() => parseBenchArgs(options, ['--runs'])).toThrow('option --runs needs a value');
    expect(() => parseBenchArgs(options, ['--runs', 'many'])).toThrow('--runs must be a number of at least 0, not "many"');
    expect(() => parseBenchArgs(options, ['--runs', '-1'])).toThrow(/--runs/);
    expect(() => parseBenchArgs(options, ['--mode', 'three'])).toThrow('--mode must be one of both, one, not "three"');
    expect(() => parseBenchArgs(options, ['--nope'])).toThrow('unknown option --nope');
    expect(() => parseBenchArgs(options, ['stray'])).toThrow('unexpected argument stray (options only)');
  });

  it('writes the usage with placeholders, choices and defaults', () => {
    expect(usageText({ name: 'demo', measures: 'what demo measures' }, options)).toBe(
      [
        'usage: node dist/scripts/bench/demo.js [options]',
        '',
        'what demo measures',
        '',
        'options:',
        '  --runs <n>         timed runs (default 5)',
        '  --mode <both|one>  which shapes (default both)',
        '  --out <text>       write here (default none)',
        '  --quick            fewer cases (default off)',
        '  -h, --help         print this help and exit',
        '',
      ].join('\n'),
    );
  });
});
