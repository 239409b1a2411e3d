/**
 * JSON from outside (wire lines, REST and /api/call bodies, imported files, packs) with a bound on
 * nesting. JSON.parse copes with any depth, but JSON.stringify and every recursive walk do not: a
 * value nested 12,000 levels throws "Maximum call stack size exceeded" wherever it is next written,
 * deep inside the hub. So depth is checked on the text, before parsing: a linear scan that stops at
 * the first level too many (parsing 8 MiB of `[` alone takes a second of the hub's only thread).
 */
import { HubError } from './errors.js';

/** Deepest nesting of arrays/objects accepted in one JSON document: far beyond real use, far below the stack. */
export const MAX_JSON_DEPTH = 64;
/**
 * Deepest nesting of a free-form field inside a document (task metadata, artifact events): half the
 * document's bound, so a stored value still fits when it travels again inside a bigger document
 * (an artifact inside a run import).
 */
export const MAX_FIELD_DEPTH = 32;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

/** A document nested deeper than allowed; `path` says where (`params.metadata.deep[0][0]…`). */
export class JsonTooDeepError extends HubError {
  constructor(
    readonly path: string,
    /** The document's top-level "id" when it came before the deep part (a wire request's id, to echo). */
    readonly id: unknown,
    what: string,
    max: number,
  ) {
    super('bad_request', `${what} nests deeper than ${max} levels (at ${path}); it was refused`);
    this.name = 'JsonTooDeepError';
  }
}

/** Index of the quote closing the string that opens at `start`, or the text length when it never closes. */
function stringEnd(text: string, start: number): number {
  let at = start;
  for (;;) {
    at = text.indexOf('"', at + 1);
    if (at === -1) return text.length;
    let backslashes = 0;
    for (let j = at - 1; text.charCodeAt(j) === BACKSLASH; j--) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
}

/** Offset at which `text` opens its (max+1)-th level, or -1. Strings are skipped natively (indexOf). */
function tooDeepAt(text: string, max: number): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) i = stringEnd(text, i);
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return i;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return -1;
}

interface Frame {
  array: boolean;
  key: string | number;
}

/** The path to offset `stop` (only run for a refused document, so it may be slow-ish), and the top-level id. */
function describe(text: string, stop: number): { path: string; id: unknown } {
  const frames: Frame[] = [];
  let lastString: string | undefined;
  let idStart = -1;
  let id: unknown = null;
  const finishId = (end: number) => {
    if (idStart === -1) return;
    try {
      id = JSON.parse(text.slice(idStart, end));
    } catch {
      id = null;
    }
    idStart = -1;
  };
  for (let i = 0; i < stop; i++) {
    const c = text.charCodeAt(i);
    const top = frames[frames.length - 1];
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      try {
        lastString = JSON.parse(text.slice(i, end + 1)) as string;
      } catch {
        lastString = undefined;
      }
      i = end;
    } else if (c === COLON && top && !top.array && lastString !== undefined) {
      top.key = lastString;
      if (frames.length === 1 && lastString === 'id') idStart = i + 1;
    } else if (c === COMMA && top) {
      if (frames.length === 1) finishId(i);
      if (top.array) top.key = (top.key as number) + 1;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      frames.push({ array: c === OPEN_BRACKET, key: c === OPEN_BRACKET ? 0 : '' });
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (frames.length === 1) finishId(i);
      frames.pop();
    }
  }
  const segments = frames.map(({ array, key }, index) => (array ? `[${String(key)}]` : index === 0 ? String(key) : `.${String(key)}`));
  const shown = segments.slice(0, 8).join('') + (segments.length > 8 ? '…' : '');
  return { path: shown === '' ? 'the top level' : shown, id };
}

/** Throws JsonTooDeepError when `text` nests deeper than `max`. */
export function assertJsonDepth(text: string, what = 'the JSON', max = MAX_JSON_DEPTH): void {
  const at = tooDeepAt(text, max);
  if (at === -1) return;
  const { path, id } = describe(text, at);
  throw new JsonTooDeepError(path, id, what, max);
}

/** JSON.parse with the depth bound; a syntax error is thrown as JSON.parse throws it (a SyntaxError). */
export function parseJsonInput(text: string, what = 'the JSON', max = MAX_JSON_DEPTH): unknown {
  assertJsonDepth(text, what, max);
  return JSON.parse(text);
}

/**
 * True when an already-parsed `value` nests at most `max` levels (for values that did not come as
 * text: in-process callers). Recursion stops at `max`, so the walk itself cannot overflow.
 */
export function jsonDepthWithin(value: unknown, max = MAX_JSON_DEPTH): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (max <= 0) return false;
  for (const item of Array.isArray(value) ? value : Object.values(value)) {
    if (!jsonDepthWithin(item, max - 1)) return false;
  }
  return true;
}
