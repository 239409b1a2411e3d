/**
 * Command-line options of the bench scripts (node:util parseArgs underneath): `--help` prints the
 * script's usage (what it measures, each option with its default) and exits 0; an unknown option, a
 * missing value, a number that is not one or a value outside its choices is one line on stderr and
 * exit 2, before the benchmark starts anything.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';

export type BenchOption =
  | { kind: 'number'; default: number; help: string }
  | { kind: 'text'; default: string; help: string; choices?: readonly string[] }
  | { kind: 'flag'; help: string };

export type BenchValues<T extends Record<string, BenchOption>> = {
  [K in keyof T]: T[K] extends { kind: 'number' } ? number : T[K] extends { kind: 'flag' } ? boolean : string;
};

export interface BenchUsage {
  /** The script's file name without .js (`pipeline`). */
  name: string;
  /** One line on what it measures. */
  measures: string;
}

/** Thrown for bad options; `parseBenchArgs` callers outside a script (tests) see it, scripts exit 2. */
export class BenchArgsError extends Error {}

function placeholder(option: BenchOption): string {
  if (option.kind === 'flag') return '';
  if (option.kind === 'number') return ' <n>';
  return option.choices ? ` <${option.choices.join('|')}>` : ' <text>';
}

function defaultText(option: BenchOption): string {
  if (option.kind === 'flag') return 'off';
  if (option.kind === 'text' && option.default === '') return 'none';
  return String(option.default);
}

export function usageText(usage: BenchUsage, options: Record<string, BenchOption>): string {
  const rows: [string, string][] = Object.entries(options).map(([name, option]) => [`--${name}${placeholder(option)}`, `${option.help} (default ${defaultText(option)})`]);
  rows.push(['-h, --help', 'print this help and exit']);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return [
    `usage: node ${path.join('dist', 'scripts', 'bench', `${usage.name}.js`)} [options]`,
    '',
    usage.measures,
    '',
    'options:',
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`),
    '',
  ].join('\n');
}

/** The error's first sentence, without Node's advice on positionals. */
function parseProblem(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  const quoted = /'([^']+)'/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && quoted) return `unknown option ${quoted}`;
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' && quoted) return `unexpected argument ${quoted} (options only)`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && quoted) return `option ${quoted.replace(/ <value>$/, '')} needs a value`;
  return message.split('. ')[0] ?? message;
}

/** Parses `argv` against `options`; `help: true` when --help (or -h) was given. Throws BenchArgsError. */
export function parseBenchArgs<T extends Record<string, BenchOption>>(options: T, argv: string[]): { help: boolean; values: BenchValues<T> } {
  if (argv.includes('--help') || argv.includes('-h')) return { help: true, values: {} as BenchValues<T> };
  const spec = Object.fromEntries(
    Object.entries(options).map(([name, option]) => [name, option.kind === 'flag' ? { type: 'boolean' as const, default: false } : { type: 'string' as const, default: String(option.default) }]),
  );
  let parsed: Record<string, string | boolean | undefined>;
  try {
    parsed = parseArgs({ args: argv, options: spec, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
  } catch (err) {
    throw new BenchArgsError(parseProblem(err));
  }
  const values: Record<string, string | number | boolean> = {};
  for (const [name, option] of Object.entries(options)) {
    const given = parsed[name];
    if (option.kind === 'flag') values[name] = given === true;
    else if (option.kind === 'number') {
      const number = Number(given);
      if (typeof given !== 'string' || given.trim() === '' || !Number.isFinite(number) || number < 0) throw new BenchArgsError(`--${name} must be a number of at least 0, not "${String(given)}"`);
      values[name] = number;
    } else {
      const text = String(given);
      if (option.choices && !option.choices.includes(text)) throw new BenchArgsError(`--${name} must be one of ${option.choices.join(', ')}, not "${text}"`);
      values[name] = text;
    }
  }
  return { help: false, values: values as BenchValues<T> };
}

/** The script's options from its command line; prints usage and exits 0 on --help, one line and exit 2 on bad options. */
export function benchArgs<T extends Record<string, BenchOption>>(usage: BenchUsage, options: T, argv = process.argv.slice(2)): BenchValues<T> {
  try {
    const { help, values } = parseBenchArgs(options, argv);
    if (help) {
      process.stdout.write(usageText(usage, options));
      process.exit(0);
    }
    return values;
  } catch (err) {
    if (!(err instanceof BenchArgsError)) throw err;
    process.stderr.write(`bench ${usage.name}: ${err.message}; see --help\n`);
    process.exit(2);
  }
}
