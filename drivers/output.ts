/** Text plumbing shared by the vendor drivers: ANSI stripping, JSON and JSON-lines extraction, version strings. */

// CSI sequences (colours, cursor moves), OSC sequences (titles, hyperlinks) and lone two-byte escapes.
const ANSI_PATTERN = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]|\u009b[0-?]*[ -/]*[@-~]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI_PATTERN, '');
}

/** Non-empty lines, ANSI stripped, CR removed. */
export function meaningfulLines(text: string): string[] {
  return stripAnsi(text)
    .split('\n')
    .map((line) => line.replace(/\r/g, '').trimEnd())
    .filter((line) => line.trim() !== '');
}

export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function tryParseRecord(text: string): JsonRecord | null {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : null;
  } catch {
    return null;
  }
}

/**
 * The JSON object a CLI printed, possibly after log lines or stack traces: the whole text if it is
 * one object, else the last block that starts with `{` at the beginning of a line and parses to
 * the end of the text (Gemini prints its error object pretty-printed after retry stack traces).
 */
export function lastJsonObject(text: string): JsonRecord | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const whole = tryParseRecord(trimmed);
  if (whole) return whole;
  let end = trimmed.length;
  for (;;) {
    const start = trimmed.lastIndexOf('\n{', end - 1);
    if (start === -1) break;
    const candidate = tryParseRecord(trimmed.slice(start + 1));
    if (candidate) return candidate;
    end = start;
  }
  // One-line JSON followed by trailing noise: try each line from the end.
  const lines = trimmed.split('\n');
  for (let i = lines.length - 1; i >= 0; i -= 1) {
    const line = (lines[i] ?? '').trim();
    if (line.startsWith('{')) {
      const candidate = tryParseRecord(line);
      if (candidate) return candidate;
    }
  }
  return null;
}

export interface JsonLines {
  /** Every line that parsed to a JSON object, in order. */
  records: JsonRecord[];
  /** Non-empty lines that were not JSON objects (log noise, a cut-off last line). */
  other: string[];
}

export function parseJsonLines(text: string): JsonLines {
  const records: JsonRecord[] = [];
  const other: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const record = line.startsWith('{') ? tryParseRecord(line) : null;
    if (record) records.push(record);
    else other.push(line);
  }
  return { records, other };
}

/** Typed reads from parsed JSON without casts. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function rec(value: unknown): JsonRecord | undefined {
  return isRecord(value) ? value : undefined;
}

const VERSION_PATTERN = /\b(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)\b/;

/**
 * A semantic version out of `--version` output. Lines starting with WARNING (Codex prints one when
 * its home is under /tmp) are skipped; `preferred` picks the version out of a known line shape
 * before falling back to the first x.y.z anywhere.
 */
export function extractVersion(output: string, preferred?: RegExp): string | null {
  const lines = meaningfulLines(output).filter((line) => !/^\s*WARNING\b/i.test(line));
  if (preferred) {
    for (const line of lines) {
      const match = preferred.exec(line);
      if (match?.[1]) return match[1];
    }
  }
  for (const line of lines) {
    const match = VERSION_PATTERN.exec(line);
    if (match?.[1]) return match[1];
  }
  return null;
}

/** The end of a long text, for messages (the whole text stays in the artifact). */
export function tail(text: string, max = 2000): string {
  const trimmed = text.trim();
  return trimmed.length <= max ? trimmed : `…${trimmed.slice(trimmed.length - max)}`;
}

/** The start of a long text, for "expected JSON, got ..." messages. */
export function head(text: string, max = 300): string {
  const trimmed = text.trim();
  return trimmed.length <= max ? trimmed : `${trimmed.slice(0, max)}…`;
}

/** True when `text` is a JSON object with a non-empty value under one of `keys` (credential files). */
export function jsonHasAny(text: string, keys: string[]): boolean {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return false;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  return keys.some((key) => {
    const found = record[key];
    if (typeof found === 'string') return found.trim() !== '';
    return typeof found === 'object' && found !== null && Object.keys(found).length > 0;
  });
}
