/**
 * Option parsers and the shared client options (--host --port --token --json) of CLI commands; which
 * hub they mean and how a command reaches it are core/session's (hub-address.ts, connect.ts).
 */
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { defaultDbPath } from '../config.js';
import { withHub, withSession } from '../session/connect.js';
import { clientAddress } from '../session/hub-address.js';
import type { HubClient } from '../wire/client.js';

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

export const TOKEN_FILE_HELP = 'read the token from this file (safer than --token, which other users can see in the process list)';

export function withClientOptions(command: Command): Command {
  return command
    .option('--host <host>', 'hub host (env MITTELO_HOST, default 127.0.0.1)')
    .option('--port <port>', 'hub port (env MITTELO_PORT, default 8765)', parsePort)
    .option('--token <token>', 'hub token (env MITTELO_TOKEN; default: the token of the app or `mittelo serve` running this workspace\'s hub)')
    .option('--token-file <file>', TOKEN_FILE_HELP)
    .option('--json', 'print machine-readable JSON');
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
export function withClient<T>(flags: ClientFlags, work: (client: HubClient) => Promise<T>): Promise<T> {
  return withHub(clientAddress(flags), work);
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
export function withHubOrDatabase<T>(
  flags: ClientFlags & LocalDbFlags,
  command: string,
  work: (client: HubClient) => Promise<T>,
  { createDatabase = false }: { createDatabase?: boolean } = {},
): Promise<T> {
  const dbPath = flags.db ? path.resolve(flags.db) : defaultDbPath();
  const embed = flags.embedded === false ? null : { dbPath, create: createDatabase, said: (db: string) => `using ${db} directly` };
  return withSession(clientAddress(flags), embed, (line) => process.stderr.write(`mittelo ${command}: ${line}\n`), work);
}

/** `--json`: the JSON value; otherwise the human text. */
export function print(flags: ClientFlags, json: unknown, human: string): void {
  process.stdout.write(flags.json ? `${JSON.stringify(json, null, 2)}\n` : `${human}\n`);
}
