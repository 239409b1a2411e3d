/** Defaults shared by the hub, its clients and the CLI (PROTOCOL.md fixes host, port and DB path). */
import os from 'node:os';
import path from 'node:path';
import { checkToken } from './wire/auth.js';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8765;
export const DEFAULT_LEASE_SECONDS = 60;
export const DEFAULT_MAX_LINE_BYTES = 8 * 1024 * 1024;
export const DEFAULT_DB_RELATIVE = path.join('.mittelo', 'mittelo.db');

export function defaultDbPath(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return env.MITTELO_DB && env.MITTELO_DB.trim() !== ''
    ? path.resolve(cwd, env.MITTELO_DB)
    : path.resolve(cwd, DEFAULT_DB_RELATIVE);
}

/**
 * `<config home>/mittelo`, the user's own records (the workspace used last, which workspace's hub
 * listens on which port): XDG_CONFIG_HOME or ~/.config on Linux, Application Support on macOS,
 * %APPDATA% on Windows.
 */
export function userConfigDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = os.homedir()): string {
  if (platform === 'win32') return path.join(env.APPDATA || path.join(home, 'AppData', 'Roaming'), 'mittelo');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'mittelo');
  return path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'mittelo');
}

export interface ClientAddress {
  host: string;
  port: number;
  token?: string;
}

/** Client commands read MITTELO_HOST / MITTELO_PORT / MITTELO_TOKEN unless flags say otherwise. */
export function clientAddressFromEnv(env: NodeJS.ProcessEnv = process.env): ClientAddress {
  const port = env.MITTELO_PORT ? Number(env.MITTELO_PORT) : DEFAULT_PORT;
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`MITTELO_PORT must be a port number (1-65535), got ${JSON.stringify(env.MITTELO_PORT)}`);
  }
  const address: ClientAddress = { host: env.MITTELO_HOST || DEFAULT_HOST, port };
  if (env.MITTELO_TOKEN) address.token = checkToken(env.MITTELO_TOKEN, 'MITTELO_TOKEN');
  return address;
}
