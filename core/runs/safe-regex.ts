/**
 * The `regex` check's engine: RE2 semantics (re2js), which match in time linear in the answer. A
 * pack's pattern is untrusted input run on the hub thread each time a run is read, and a backtracking
 * engine spends hours on one pattern like `^(a+)+$`. Patterns are written as in JavaScript
 * (`/pattern/flags` or a bare pattern); what RE2 cannot do (backreferences, lookahead) is refused with
 * a message that says so, when the pack is loaded or the run is created.
 */
import { RE2JS } from 're2js';

export interface LinearRegex {
  /** True when the pattern matches somewhere in `text` (like RegExp.prototype.test). */
  test(text: string): boolean;
}

/** A pattern the linear-time engine cannot run; the message says why and what to write instead. */
export class UnsupportedPatternError extends Error {}

/** `/pattern/flags`; other text (`/a/b` too) is a bare pattern, as with JavaScript's RegExp before. */
const LITERAL = /^\/(.*)\/([dgimsuvy]*)$/s;

/**
 * JavaScript escapes RE2 spells differently: `\uXXXX` and `\u{X}` are RE2's `\x{X}`, `\cX` a control
 * character, `[^]` (any character) `[\s\S]`. Everything else is passed on for RE2 to judge.
 */
function toRe2Syntax(source: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === '\\') {
      const rest = source.slice(i + 1);
      const braced = /^u\{([0-9A-Fa-f]{1,6})\}/.exec(rest);
      const fixed = /^u([0-9A-Fa-f]{4})/.exec(rest);
      const control = /^c([A-Za-z])/.exec(rest);
      const hex = braced?.[1] ?? fixed?.[1];
      if (hex !== undefined) {
        out += `\\x{${hex}}`;
        i += (braced ?? fixed)?.[0].length ?? 0;
      } else if (control?.[1] !== undefined) {
        out += `\\x{${(control[1].toUpperCase().charCodeAt(0) - 64).toString(16)}}`;
        i += 2;
      } else {
        out += source.slice(i, i + 2);
        i += 1;
      }
      continue;
    }
    if (!inClass && source.startsWith('[^]', i)) {
      out += '[\\s\\S]';
      i += 2;
      continue;
    }
    if (ch === '[' && !inClass) inClass = true;
    else if (ch === ']' && inClass) inClass = false;
    out += ch;
  }
  return out;
}

/** RE2's parse errors in words a pack author can act on. */
function explain(message: string): string {
  const why = message.replace(/^error parsing regexp: /, '');
  if (/invalid escape sequence: `\\([1-9]|k)/.test(why)) return 'backreferences (\\1, \\k<name>) are not supported by the linear-time regex engine';
  if (/unsupported Perl syntax: `\(\?[=!]/.test(why)) return 'lookahead ((?=...), (?!...)) is not supported by the linear-time regex engine';
  if (/invalid capture in lookbehind/.test(why)) return 'a lookbehind may not contain a capturing group; write (?:...) inside it';
  return `not a pattern the linear-time regex engine (RE2 syntax) accepts: ${why}`;
}

/** Longer patterns are refused: compiling one takes time and memory on the hub thread (cached, but still). */
export const MAX_PATTERN_CHARS = 10_000;

function compile(source: string): LinearRegex {
  if (source.length > MAX_PATTERN_CHARS) throw new UnsupportedPatternError(`the pattern is longer than ${MAX_PATTERN_CHARS} characters`);
  const literal = LITERAL.exec(source);
  const body = literal ? (literal[1] ?? '') : source;
  const flagLetters = literal ? (literal[2] ?? '') : '';
  let flags = RE2JS.LOOKBEHINDS;
  let sticky = false;
  for (const letter of flagLetters) {
    if (letter === 'i') flags |= RE2JS.CASE_INSENSITIVE;
    if (letter === 'm') flags |= RE2JS.MULTILINE;
    if (letter === 's') flags |= RE2JS.DOTALL;
    if (letter === 'y') sticky = true; // matches at the start only (the check tests from index 0)
    // d, g, u, v change nothing for a yes/no test of the whole answer.
  }
  const translated = toRe2Syntax(body);
  try {
    return RE2JS.compile(sticky ? `\\A(?:${translated})` : translated, flags);
  } catch (err) {
    throw new UnsupportedPatternError(explain(err instanceof Error ? err.message : String(err)));
  }
}

/** Compiled patterns (and refusals) by source: a run list checks the same few patterns many times. */
const cache = new Map<string, LinearRegex | UnsupportedPatternError>();
const CACHE_SIZE = 512;

/** The compiled pattern; throws UnsupportedPatternError for one the engine cannot run. */
export function linearRegex(source: string): LinearRegex {
  // A task's metadata can come from any client: a pattern stored there may not even be a string.
  if (typeof source !== 'string') throw new UnsupportedPatternError(`the pattern must be a string, not ${JSON.stringify(source)}`);
  let entry = cache.get(source);
  if (entry === undefined) {
    try {
      entry = compile(source);
    } catch (err) {
      if (!(err instanceof UnsupportedPatternError)) throw err;
      entry = err;
    }
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value ?? '');
    cache.set(source, entry);
  }
  if (entry instanceof UnsupportedPatternError) throw entry;
  return entry;
}

/** Why `source` cannot be used as a regex check, or null when it can. */
export function regexProblem(source: string): string | null {
  try {
    linearRegex(source);
    return null;
  } catch (err) {
    if (err instanceof UnsupportedPatternError) return err.message;
    throw err;
  }
}
