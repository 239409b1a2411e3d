/**
 * Splits a configured command line (`--shell-cmd`, `--acp-cmd`) into argv without a shell.
 *
 * Quoting rules (a strict subset of POSIX sh, so a line means the same thing here and in a shell):
 * - Unquoted spaces, tabs and newlines separate words.
 * - `'...'` keeps every character literally up to the next `'` (no escapes inside).
 * - `"..."` keeps characters literally; a backslash escapes only `"` and `\` (and drops a
 *   backslash-newline). `$` and backticks inside double quotes are refused, because a shell would
 *   expand them and we never do.
 * - Outside quotes a backslash makes the next character literal (`a\ b` is one word `a b`).
 * - Quoted and unquoted pieces next to each other join into one word (`--name="a b"`); `''` is an
 *   empty argument.
 * - Nothing is expanded: no `$VAR`, no `~`, no globbing (`*.txt` stays `*.txt`).
 * - Unquoted shell operators `| & ; < > ( ) $` and backticks are refused with an error instead of
 *   being passed on literally: whoever wants a pipeline or redirection says so explicitly with
 *   `sh -c '...'`, which is then their own choice of shell.
 */

export class CommandLineError extends Error {
  constructor(
    message: string,
    /** Zero-based character offset of the problem in the command line. */
    readonly position: number,
  ) {
    super(message);
    this.name = 'CommandLineError';
  }
}

const OPERATORS = new Set(['|', '&', ';', '<', '>', '(', ')', '$', '`']);
const BLANKS = new Set([' ', '\t', '\n', '\r']);

/** Returns argv (at least one word) or throws CommandLineError naming the offending position. */
export function splitCommandLine(line: string): [string, ...string[]] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < line.length) {
    const c = line.charAt(i);
    if (BLANKS.has(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i += 1;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end === -1) throw new CommandLineError(`unterminated single quote at column ${i + 1}`, i);
      word += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      const [text, next] = readDoubleQuoted(line, i);
      word += text;
      inWord = true;
      i = next;
    } else if (c === '\\') {
      const next = line.charAt(i + 1);
      if (next === '') throw new CommandLineError('trailing backslash at the end of the command line', i);
      if (next !== '\n') {
        word += next;
        inWord = true;
      }
      i += 2;
    } else if (OPERATORS.has(c)) {
      throw new CommandLineError(
        `shell syntax "${c}" at column ${i + 1} is not interpreted (no shell is used); quote it to pass it literally, ` +
          `or run a shell explicitly, e.g. sh -c '...'`,
        i,
      );
    } else {
      word += c;
      inWord = true;
      i += 1;
    }
  }
  if (inWord) words.push(word);
  const [first, ...rest] = words;
  if (first === undefined) throw new CommandLineError('the command line is empty', 0);
  return [first, ...rest];
}

/** Reads a `"..."` section starting at `start` (the opening quote); returns its text and the index after it. */
function readDoubleQuoted(line: string, start: number): [string, number] {
  let text = '';
  let i = start + 1;
  while (i < line.length) {
    const c = line.charAt(i);
    if (c === '"') return [text, i + 1];
    if (c === '$' || c === '`') {
      throw new CommandLineError(
        `"${c}" inside double quotes at column ${i + 1} would be expanded by a shell but is not here; ` +
          `use single quotes to pass it literally, or run a shell explicitly, e.g. sh -c '...'`,
        i,
      );
    }
    if (c === '\\') {
      const next = line.charAt(i + 1);
      if (next === '"' || next === '\\') {
        text += next;
        i += 2;
        continue;
      }
      if (next === '\n') {
        i += 2;
        continue;
      }
    }
    text += c;
    i += 1;
  }
  throw new CommandLineError(`unterminated double quote at column ${start + 1}`, start);
}
