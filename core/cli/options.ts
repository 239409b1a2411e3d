/** Option parsers and the shared client options (--host --port --token --json) of CLI commands. */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { workspaceOfHubPort, runningHubOf, workspaceTokenPath } from '../session/workspace-token.js';
import { userConfigDir } from '../app/workspace.js';
import { clientAddressFromEnv, defaultDbPath, type ClientAddress } from '../config.js';
import { checkToken, isLoopbackHost, readTokenFile } from '../wire/auth.js';
import { HubError, errorMessage } from '../errors.js';
import { HubClient } from '../wire/client.js';

export function parseInteger(name: string, { min, max }: { min?: number; max?: number } = {}) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`${name} must be an integer, got "${value}"`);
    if (min !== undefined && n < min) throw new InvalidArgumentError(`${name} must be >= ${min}`);
    if (max !== undefined && n > max) throw new InvalidArgumentError(`${name} must be <= ${max}`);
    return n;
  };
}

export const parsePort = parseInteger('port', { min: 0, max: 65535 });

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export interface ClientFlags {
  host?: string;
  port?: number;
  token?: string;
  tokenFile?: string;
  json?: boolean;
}

/** The token a command was given: --token, else --token-file, else MITTELO_TOKEN; a blank one is refused. */
export function givenToken(flags: { token?: string; tokenFile?: string }, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (flags.token !== undefined) return checkToken(flags.token, '--token');
  if (flags.tokenFile !== undefined) return readTokenFile(path.resolve(flags.tokenFile), `--token-file ${flags.tokenFile}`);
  return env.MITTELO_TOKEN ? checkToken(env.MITTELO_TOKEN, 'MITTELO_TOKEN') : undefined;
}

export const TOKEN_FILE_HELP = 'read the token from this file (safer than --token, which other users can see in the process list)';

/**
 * No token given and a loopback hub: the token of the app or `mittelo serve` that runs this
 * workspace's hub (the workspace is the folder of --db / MITTELO_DB / ./.mittelo), or of the app
 * whose hub listens on that port. The hub's port is taken from the workspace when none was given.
 */
function discoveredToken(address: ClientAddress, portGiven: boolean, dbPath: string): { port: number; token: string } | null {
  if (!isLoopbackHost(address.host)) return null;
  const workspace = path.dirname(path.dirname(dbPath));
  const record = runningHubOf(workspace);
  const owner = record && (!portGiven || record.port === address.port) ? workspace : workspaceOfHubPort(userConfigDir(), address.port);
  if (owner === null) return null;
  try {
    return { port: owner === workspace && record ? record.port : address.port, token: readTokenFile(workspaceTokenPath(owner)) };
  } catch {
    return null; // unreadable: the hub answers "unauthorized" and says how to pass a token
  }
}

export function withClientOptions(command: Command): Command {
  return command
    .option('--host <host>', 'hub host (env MITTELO_HOST, default 127.0.0.1)')
    .option('--port <port>', 'hub port (env MITTELO_PORT, default 8765)', parsePort)
    .option('--token <token>', 'hub token (env MITTELO_TOKEN; default: the token of the app or `mittelo serve` running this workspace\'s hub)')
    .option('--token-file <file>', TOKEN_FILE_HELP)
    .option('--json', 'print machine-readable JSON');
}

export function clientAddress(flags: ClientFlags & { db?: string }, env: NodeJS.ProcessEnv = process.env): ClientAddress {
  const address = clientAddressFromEnv(env);
  if (flags.host) address.host = flags.host;
  if (flags.port !== undefined) address.port = flags.port;
  const token = givenToken(flags, env);
  if (token !== undefined) return { ...address, token };
  const found = discoveredToken(address, flags.port !== undefined || Boolean(env.MITTELO_PORT), flags.db ? path.resolve(flags.db) : defaultDbPath(env));
  return found ? { ...address, ...found } : address;
}

export interface DriverOptionFlags {
  shellCmd?: string;
  acpCmd?: string;
  tmuxSession?: string;
}

/** The options the shell, acp and tmux backends cannot run without. */
export function withDriverOptions(command: Command): Command {
  return command
    .option('--shell-cmd <command>', 'command line for the shell backend (prompt on stdin)')
    .option('--acp-cmd <command>', 'command line of an ACP agent for the acp backend')
    .option('--tmux-session <name>', 'tmux session for the tmux backend');
}

/** Driver options given on the command line, over those of the config file. */
export function driverOptions(flags: DriverOptionFlags, base: Record<string, string> = {}): Record<string, string> {
  const options = { ...base };
  if (flags.shellCmd) options.shell_cmd = flags.shellCmd;
  if (flags.acpCmd) options.acp_cmd = flags.acpCmd;
  if (flags.tmuxSession) options.tmux_session = flags.tmuxSession;
  return options;
}

/** Runs `work` on a connection to the hub the flags (or MITTELO_* env) name, then closes it. */
export async function withClient<T>(flags: ClientFlags, work: (client: HubClient) => Promise<T>): Promise<T> {
  const client = await HubClient.connect(clientAddress(flags));
  try {
    return await work(client);
  } finally {
    client.close();
  }
}

export interface LocalDbFlags {
  db?: string;
  /** false with --no-embedded. */
  embedded?: boolean;
}

/** `--db` and `--no-embedded` for commands that can read the local database when no hub runs. */
export function withLocalDbOptions(command: Command): Command {
  return command
    .option('--db <file>', 'when no hub answers, use this database through an in-process hub (default .mittelo/mittelo.db)')
    .option('--no-embedded', 'fail instead of using the local database when no hub answers');
}

/**
 * Like withClient, but when no hub answers and the local database exists (a `mittelo run` with
 * its in-process hub wrote there), an in-process hub on that database serves the call: the runs
 * a run just recorded can be listed and compared without starting a hub first. `createDatabase`:
 * also when that database does not exist yet (an import into a fresh workspace).
 */
export async function withHubOrDatabase<T>(
  flags: ClientFlags & LocalDbFlags,
  command: string,
  work: (client: HubClient) => Promise<T>,
  { createDatabase = false }: { createDatabase?: boolean } = {},
): Promise<T> {
  const address = clientAddress(flags);
  let unreachable: HubError;
  try {
    return await withClient(flags, work);
  } catch (err) {
    if (!(err instanceof HubError && err.code === 'unreachable')) throw err;
    unreachable = err;
  }
  const dbPath = flags.db ? path.resolve(flags.db) : defaultDbPath();
  if (flags.embedded === false || (!createDatabase && !fs.existsSync(dbPath))) throw unreachable;
  const { startHub } = await import('../hub.js');
  let hub;
  try {
    hub = await startHub({ dbPath, port: 0, log: (line) => process.stderr.write(`mittelo ${command}: ${line}\n`), ...(address.token ? { token: address.token } : {}) });
  } catch (err) {
    throw new HubError('unreachable', `no hub answers at ${address.host}:${address.port}, and the local database cannot be opened: ${errorMessage(err)}`);
  }
  process.stderr.write(`mittelo ${command}: no hub at ${address.host}:${address.port}; using ${path.relative(process.cwd(), dbPath) || dbPath} directly\n`);
  try {
    return await withClient({ host: hub.host, port: hub.port, ...(address.token ? { token: address.token } : {}) }, work);
  } finally {
    await hub.stop();
  }
}

/** `--json`: the JSON value; otherwise the human text. */
export function print(flags: ClientFlags, json: unknown, human: string): void {
  process.stdout.write(flags.json ? `${JSON.stringify(json, null, 2)}\n` : `${human}\n`);
}
