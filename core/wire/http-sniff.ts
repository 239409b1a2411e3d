/**
 * Cross-protocol defence for the JSONL port: a web page can POST to it (`fetch(..., {mode:
 * 'no-cors'})`), and the HTTP body would be a valid JSONL line. An HTTP request line or header line
 * is never valid JSON, so seeing one means the peer speaks HTTP, and the connection is closed before
 * anything after it runs.
 */

/** `METHOD /path HTTP/1.x` (also `* ` and absolute-form targets) and `HTTP/2` preface `PRI * HTTP/2.0`. */
const REQUEST_LINE = /^[A-Z][A-Z_-]{1,19} \S+ HTTP\/\d(\.\d)?\s*$/;
/**
 * `Name: value` for the headers every browser and HTTP client sends. Not any `token:`, so a client's
 * garbage line still gets its JSON error answer (PROTOCOL.md) instead of a closed connection.
 */
const HEADER_LINE = /^(host|origin|referer|user-agent|accept(-[a-z]+)?|content-(type|length|encoding)|transfer-encoding|connection|cookie|authorization|cache-control|pragma|upgrade|sec-[a-z-]+|dnt|priority|te|keep-alive|expect)[ \t]*:/i;

export function looksLikeHttp(line: string): boolean {
  // Both patterns start with a letter: a JSON line (`{`) is ruled out without running them, on every request.
  const first = line.charCodeAt(0) | 0x20;
  if (first < 0x61 || first > 0x7a) return false;
  return REQUEST_LINE.test(line) || HEADER_LINE.test(line);
}

/** What an HTTP client is told before the connection closes (it reads an ordinary HTTP answer). */
export const HTTP_REFUSAL =
  'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n' +
  'This port speaks JSONL (docs/PROTOCOL.md), not HTTP; nothing was run. The REST adapter listens on its own port.\n';
