/**
 * What a web page in the user's browser must not be able to do to a local HTTP server (REST adapter,
 * browser mode): send it a cross-site request (a foreign `Origin`), reach it by DNS rebinding (a
 * foreign `Host`), or post a form or `no-cors` fetch (a body that is not `application/json`).
 * docs/SECURITY.md explains each rule.
 */
import type http from 'node:http';
import { isLoopbackHost } from './auth.js';

export interface GuardRefusal {
  status: 403 | 415;
  code: 'forbidden_host' | 'forbidden_origin' | 'unsupported_media_type';
  message: string;
}

export interface GuardOptions {
  /** The address the server is bound to. */
  boundHost: string;
  boundPort: number;
  /** A server bound off loopback has a token; its Host header is then whatever name reaches it. */
  token?: string | undefined;
}

/** `host[:port]` of a Host header, the name lower-cased, IPv6 brackets kept off the name. */
export function splitHostHeader(header: string): { name: string; port: number | null } | null {
  const value = header.trim().toLowerCase();
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(value);
  if (!match) return null;
  const name = match[1] ?? '';
  return { name: name.startsWith('[') ? name.slice(1, -1) : name, port: match[2] === undefined ? null : Number(match[2]) };
}

/** True when a loopback server may answer this Host header: a loopback name and the bound port. */
export function hostAllowed(header: string | undefined, options: GuardOptions): boolean {
  if (!isLoopbackHost(options.boundHost) && options.token) return true;
  const parsed = splitHostHeader(header ?? '');
  if (!parsed) return false;
  return isLoopbackHost(parsed.name) && (parsed.port ?? 80) === options.boundPort;
}

/** The request's own origin is `http://<its Host header>`; any other `Origin` (also "null") is another site. */
export function originAllowed(origin: string | undefined, hostHeader: string | undefined): boolean {
  if (origin === undefined) return true;
  return origin.toLowerCase() === `http://${(hostHeader ?? '').toLowerCase()}`;
}

export function isJsonContentType(header: string | undefined): boolean {
  return /^application\/json\s*(;|$)/i.test((header ?? '').trim());
}

/** The first rule this request breaks, or null. `needsJson`: the request is a POST (a body the server acts on). */
export function guardRequest(req: http.IncomingMessage, options: GuardOptions, needsJson: boolean): GuardRefusal | null {
  const host = req.headers.host;
  if (!hostAllowed(host, options)) {
    return {
      status: 403,
      code: 'forbidden_host',
      message: `refused: Host ${JSON.stringify(host ?? '')} is not this server (it answers only to 127.0.0.1, localhost or [::1] on port ${options.boundPort}; a web page reaching it under another name is a DNS rebinding attack)`,
    };
  }
  if (!originAllowed(req.headers.origin, host)) {
    return { status: 403, code: 'forbidden_origin', message: `refused: requests from another site (Origin ${JSON.stringify(req.headers.origin)}) may not use this server` };
  }
  if (needsJson && !isJsonContentType(req.headers['content-type'])) {
    return {
      status: 415,
      code: 'unsupported_media_type',
      message: `refused: a POST must be sent as Content-Type: application/json (got ${req.headers['content-type'] === undefined ? 'none' : JSON.stringify(req.headers['content-type'])}), also when it has no body`,
    };
  }
  return null;
}
