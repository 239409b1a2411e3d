/** Token checks and the loopback rule: no token, no listening beyond this machine. */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { HubError } from '../errors.js';

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
