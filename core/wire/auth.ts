/** Token checks and the loopback rule: no token, no listening beyond this machine. */
import { createHash, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import { isIP } from 'node:net';
import { HubError, errorMessage } from '../errors.js';

/** A token file is a line of text; anything larger is not one. */
const MAX_TOKEN_FILE_BYTES = 4096;

export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '[::1]') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

export function assertBindAllowed(host: string, token: string | undefined, flag: string): void {
  if (!isLoopbackHost(host) && !token) {
    throw new HubError(
      'unauthorized',
      `refusing to listen on ${host} (${flag}) without a token: anyone on the network could drive your agents. Set --token or MITTELO_TOKEN, or bind 127.0.0.1`,
    );
  }
}

/** Constant-time comparison (hashing first makes the lengths equal). */
export function tokenMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

/** A token as given by a flag, a file or the environment: refused in words when blank. */
export function checkToken(value: string, source: string): string {
  const token = value.trim();
  if (token === '') throw new HubError('bad_request', `${source} is blank: a token must not be empty or whitespace`);
  if (/[\s\u0000-\u001f]/.test(token)) throw new HubError('bad_request', `${source} contains whitespace or control characters; a token is one word (e.g. openssl rand -hex 24)`);
  return token;
}

/** Reads a token file (`--token-file`, the workspace token): one regular file, small, not blank. */
export function readTokenFile(file: string, source = `the token file ${file}`): string {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    throw new HubError('bad_request', `cannot read ${source}: ${errorMessage(err)}`);
  }
  if (!stat.isFile()) throw new HubError('bad_request', `${source} is not a regular file`);
  if (stat.size > MAX_TOKEN_FILE_BYTES) throw new HubError('bad_request', `${source} is ${stat.size} bytes; a token file holds one line (at most ${MAX_TOKEN_FILE_BYTES} bytes)`);
  return checkToken(fs.readFileSync(file, 'utf8'), source);
}
