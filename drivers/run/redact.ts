/**
 * Secret redaction for every string the runner hands back (argv, output, env, live chunks): literal
 * values of secret-named env vars, plus the shapes of well-known keys that may come from anywhere.
 */

export const REDACTED = '[REDACTED]';

/** Env var names that carry credentials; a false positive only costs a redacted harmless value. */
const SECRET_NAME = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH|COOKIE|SESSION/i;
/** Shorter values are too likely to occur by chance (`1`, `true`, `default`) to be replaced everywhere. */
export const MIN_SECRET_LENGTH = 8;

interface Shape {
  pattern: RegExp;
  replacement: string;
}

/** Known key shapes; every pattern is global so `replace` and `matchAll` walk the whole text. */
const SHAPES: readonly Shape[] = [
  // NAME=value in env dumps and argv: keep the name, drop the value.
  {
    pattern: /\b([A-Z][A-Z0-9_]*(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH|COOKIE|SESSION)[A-Z0-9_]*)=[^\s'"]{8,}/g,
    replacement: `$1=${REDACTED}`,
  },
  { pattern: /\b(Bearer\s+)[A-Za-z0-9._~+/-]{8,}=*/gi, replacement: `$1${REDACTED}` },
  // OpenAI (sk-, sk-proj-) and Anthropic (sk-ant-) keys.
  { pattern: /(?<![A-Za-z0-9])sk-[A-Za-z0-9_-]{20,}/g, replacement: REDACTED },
  { pattern: /\bAIza[0-9A-Za-z_-]{35}/g, replacement: REDACTED },
  { pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}/g, replacement: REDACTED },
  { pattern: /\bgithub_pat_[A-Za-z0-9_]{22,}/g, replacement: REDACTED },
  { pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}/g, replacement: REDACTED },
  { pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, replacement: REDACTED },
  // JWT-like: base64url JSON header, payload and optional signature.
  { pattern: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]+)?/g, replacement: REDACTED },
  // Credentials in a URL (`https://user:password@proxy`): the user stays, the password goes. The
  // scheme is not needed to match, so a URL whose scheme was released earlier is still caught.
  // Bounded lengths keep a huge run of `://` without an `@` linear.
  { pattern: /(:\/\/)([^\s/?#@:'"]{1,256}):([^\s/?#'"]{1,512})@/g, replacement: `$1$2:${REDACTED}@` },
  // A lone userinfo long enough to be a token (`https://ghp_...@github.com`); `git@` stays.
  { pattern: /(:\/\/)[^\s/?#@:'"]{8,256}@/g, replacement: `$1${REDACTED}@` },
];

/**
 * What text may end with while a match of a shape above is still being written: each pattern
 * matches, at the end, a possible first part of a match, so live output holds it back instead of
 * releasing a secret's first part on its own (see safeCut).
 */
const PARTIAL_SHAPES: readonly RegExp[] = [
  // An upper-case word may still become NAME_KEY=value.
  /\b[A-Z][A-Z0-9_]*$/,
  /\b[A-Z][A-Z0-9_]*(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH|COOKIE|SESSION)[A-Z0-9_]*=[^\s'"]*$/,
  new RegExp(`\\b(?:${shorter('bearer')}|bearer(?:\\s+[A-Za-z0-9._~+/-]*=*)?)$`, 'i'),
  new RegExp(`(?<![A-Za-z0-9])(?:${shorter('sk-')}|sk-[A-Za-z0-9_-]*)$`),
  new RegExp(`\\b(?:${shorter('AIza')}|AIza[0-9A-Za-z_-]*)$`),
  /\b(?:gh?|gh[pousr](?:_[A-Za-z0-9]*)?)$/,
  new RegExp(`\\b(?:${shorter('github_pat_')}|github_pat_[A-Za-z0-9_]*)$`),
  /\b(?:xo?|xox(?:[abprs](?:-[A-Za-z0-9-]*)?)?)$/,
  /\b(?:ey?|eyJ[A-Za-z0-9_.-]*)$/,
  // A URL's `://` and the authority after it, until the authority ends (`/`, a space...).
  /:(?:\/(?:\/[^\s/?#'"]*)?)?$/,
];
/** Only this much of the end is searched for a partial shape (no key is longer; keeps the search cheap). */
const PARTIAL_WINDOW = 4096;

/** `abc` -> `ab|a`: every shorter non-empty prefix of `word` as a regex alternation. */
function shorter(word: string): string {
  const parts: string[] = [];
  for (let i = word.length - 1; i >= 1; i--) parts.push(escapeRegExp(word.slice(0, i)));
  return parts.join('|');
}

/** Characters a key or token is made of: a run of them at the end of a chunk may continue in the next. */
const TOKEN_CHAR = /[A-Za-z0-9_\-.+/=~]/;
/** A chunk tail longer than this is released even without a safe boundary, to bound memory. */
const MAX_HELD_CHARS = 16 * 1024;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** `scheme://user:password@host` in an env value (a proxy or database URL, say). */
const URL_CREDENTIALS = /:\/\/([^\s/?#@:'"]{1,256}):([^\s/?#'"]{1,512})@/g;

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The password of every URL in `value`, as written and percent-decoded, and the `Basic` auth value
 * a client sends for it (curl -v prints `Proxy-Authorization: Basic ...`).
 */
function urlSecrets(value: string): string[] {
  const found: string[] = [];
  for (const [, user = '', password = ''] of value.matchAll(URL_CREDENTIALS)) {
    for (const form of new Set([password, decoded(password)])) if (form.length >= MIN_SECRET_LENGTH) found.push(form);
    found.push(Buffer.from(`${decoded(user)}:${decoded(password)}`).toString('base64'));
  }
  return found.filter((secret) => secret.length >= MIN_SECRET_LENGTH);
}

/** Values of secret-named variables and passwords in URLs, long enough to be replaced wherever they appear. */
export function collectSecrets(...envs: (Record<string, string | undefined> | undefined)[]): string[] {
  const secrets = new Set<string>();
  for (const env of envs) {
    for (const [name, value] of Object.entries(env ?? {})) {
      if (value === undefined) continue;
      if (value.length >= MIN_SECRET_LENGTH && isSecretName(name)) secrets.add(value);
      if (value.includes('://')) for (const secret of urlSecrets(value)) secrets.add(secret);
    }
  }
  return [...secrets];
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface Redactor {
  redact(text: string): string;
  /**
   * The largest prefix length of `text` that can be redacted and released on its own: it ends
   * neither inside a match nor before what may be the first part of one (the start of a known
   * secret value, or of a key shape: `sk-a`, `Bearer `, `API_KEY=ab`, `://user:pa`...). With
   * `more` (the next chunk is on its way) any trailing token-like run is held too, so lines go out
   * whole words at a time.
   */
  safeCut(text: string, more: boolean): number;
}

export function createRedactor(secrets: readonly string[]): Redactor {
  // Longest first, so a secret that contains another is replaced whole.
  const literals = [...new Set(secrets)].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  const literalPattern = literals.length > 0 ? new RegExp(literals.map(escapeRegExp).join('|'), 'g') : null;

  const redact = (text: string): string => {
    let out = literalPattern ? text.replace(literalPattern, REDACTED) : text;
    for (const shape of SHAPES) out = out.replace(shape.pattern, shape.replacement);
    return out;
  };

  const matchRanges = (text: string): [number, number][] => {
    const ranges: [number, number][] = [];
    const patterns = literalPattern ? [literalPattern, ...SHAPES.map((s) => s.pattern)] : SHAPES.map((s) => s.pattern);
    for (const pattern of patterns) {
      for (const match of text.matchAll(pattern)) ranges.push([match.index, match.index + match[0].length]);
    }
    return ranges;
  };

  const safeCut = (text: string, more: boolean): number => {
    const floor = Math.max(0, text.length - MAX_HELD_CHARS);
    let cut = text.length;
    if (more) while (cut > floor && TOKEN_CHAR.test(text.charAt(cut - 1))) cut--;
    const windowStart = Math.max(floor, text.length - PARTIAL_WINDOW);
    const tail = text.slice(windowStart);
    for (const partial of PARTIAL_SHAPES) {
      const match = partial.exec(tail);
      if (match) cut = Math.min(cut, windowStart + match.index);
    }
    for (const secret of literals) {
      // The earliest position where the rest of the text is a proper prefix of this secret.
      for (let p = Math.max(0, text.length - secret.length + 1); p < cut; p++) {
        if (text.charCodeAt(p) === secret.charCodeAt(0) && secret.startsWith(text.slice(p))) {
          cut = p;
          break;
        }
      }
    }
    cut = Math.max(cut, floor);
    const ranges = matchRanges(text);
    for (let moved = true; moved; ) {
      moved = false;
      for (const [start, end] of ranges) {
        if (start < cut && cut < end) {
          cut = start;
          moved = true;
        }
      }
    }
    return cut;
  };

  return { redact, safeCut };
}

/** The child's environment as recorded in the artifact: secret-named values and known secrets hidden. */
export function redactEnv(env: Record<string, string>, redactor: Redactor): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    out[name] = isSecretName(name) && value.length >= MIN_SECRET_LENGTH ? REDACTED : redactor.redact(value);
  }
  return out;
}
