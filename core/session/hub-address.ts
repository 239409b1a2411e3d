/**
 * Which hub a client talks to, and with which token: one set of rules for the CLI, the app and the
 * MCP adapter (docs/ARCHITECTURE.md, "Finding a hub"). The first rule that gives a value wins:
 *
 *  1. What was given: --host/--port/--token/--token-file, else MITTELO_HOST/MITTELO_PORT/MITTELO_TOKEN
 *     (the app: its own options). A token given pins the address: the given or default one.
 *  2. The workspace's running hub: the record the app or `mittelo serve` leaves while it runs
 *     (`<workspace>/.mittelo/hub.json`) says where it listens, the workspace's token file holds its
 *     token; a hub named by port only is matched to its workspace through the user's index
 *     (`<config dir>/hubs/<port>.json`). Only for loopback hosts: a token never goes elsewhere.
 *  3. The default address, 127.0.0.1:8765.
 *
 * Nothing here connects; whether "nothing answers there" means starting a hub is connect.ts's.
 */
import path from 'node:path';
import { DEFAULT_HOST, DEFAULT_PORT, clientAddressFromEnv, defaultDbPath, userConfigDir, type ClientAddress } from '../config.js';
import { checkToken, isLoopbackHost, readTokenFile } from '../wire/auth.js';
import { runningHubOf, workspaceOfHubPort, workspaceTokenPath } from './workspace-token.js';

/** What a caller was told about the hub; anything left out is found by the rules above. */
export interface HubTarget {
  host?: string;
  port?: number;
  token?: string;
  /** The workspace's database; the workspace is the folder that holds its `.mittelo/`. */
  dbPath: string;
  /** Where the user index of running hubs is (default: the user config dir). */
  configDir?: string;
}

/** The workspace a database belongs to: `<workspace>/.mittelo/mittelo.db`. */
export function workspaceOfDb(dbPath: string): string {
  return path.dirname(path.dirname(path.resolve(dbPath)));
}

/** A wildcard bind address is reached on loopback. */
function reachableHost(host: string): string {
  return host === '0.0.0.0' || host === '::' || host === '[::]' ? DEFAULT_HOST : host;
}

function tokenOf(workspace: string): string | undefined {
  try {
    return readTokenFile(workspaceTokenPath(workspace));
  } catch {
    return undefined; // unreadable: the hub answers "unauthorized" and says how to pass a token
  }
}

/** The address and token of the hub `target` means, by the rules of this module. */
export function hubAddress(target: HubTarget): ClientAddress {
  const host = target.host ?? DEFAULT_HOST;
  const port = target.port ?? DEFAULT_PORT;
  // A token given names the hub it is for: the given (or default) address, nothing looked up.
  if (target.token !== undefined) return { host, port, token: target.token };
  if (!isLoopbackHost(host)) return { host, port };
  const workspace = workspaceOfDb(target.dbPath);
  const record = runningHubOf(workspace);
  if (record && (target.port === undefined || record.port === target.port)) {
    const token = tokenOf(workspace);
    return { host: target.host ?? reachableHost(record.host), port: record.port, ...(token !== undefined ? { token } : {}) };
  }
  const owner = workspaceOfHubPort(target.configDir ?? userConfigDir(), port);
  const token = owner === null ? undefined : tokenOf(owner);
  return { host, port, ...(token !== undefined ? { token } : {}) };
}

/** The token a command was given: --token, else --token-file, else MITTELO_TOKEN; a blank one is refused. */
export function givenToken(flags: { token?: string; tokenFile?: string }, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (flags.token !== undefined) return checkToken(flags.token, '--token');
  if (flags.tokenFile !== undefined) return readTokenFile(path.resolve(flags.tokenFile), `--token-file ${flags.tokenFile}`);
  return env.MITTELO_TOKEN ? checkToken(env.MITTELO_TOKEN, 'MITTELO_TOKEN') : undefined;
}

export interface AddressFlags {
  host?: string;
  port?: number;
  token?: string;
  tokenFile?: string;
  /** The workspace database (--db); default MITTELO_DB, else ./.mittelo/mittelo.db. */
  db?: string;
}

/** The hub a command's flags and MITTELO_* variables mean (rule 1), else the workspace's or the default one. */
export function clientAddress(flags: AddressFlags, env: NodeJS.ProcessEnv = process.env): ClientAddress {
  const fromEnv = clientAddressFromEnv({ ...env, MITTELO_TOKEN: '' });
  const token = givenToken(flags, env);
  return hubAddress({
    ...(flags.host ? { host: flags.host } : env.MITTELO_HOST ? { host: fromEnv.host } : {}),
    ...(flags.port !== undefined ? { port: flags.port } : env.MITTELO_PORT ? { port: fromEnv.port } : {}),
    ...(token !== undefined ? { token } : {}),
    dbPath: flags.db ? path.resolve(flags.db) : defaultDbPath(env),
    configDir: userConfigDir(env),
  });
}
