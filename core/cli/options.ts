/** Option parsers and the shared client options (--host --port --token --json) of CLI commands. */
import { InvalidArgumentError, type Command } from 'commander';
import { clientAddressFromEnv, type ClientAddress } from '../config.js';
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
  json?: boolean;
}

export function withClientOptions(command: Command): Command {
  return command
    .option('--host <host>', 'hub host (env MITTELO_HOST, default 127.0.0.1)')
    .option('--port <port>', 'hub port (env MITTELO_PORT, default 8765)', parsePort)
    .option('--token <token>', 'hub token (env MITTELO_TOKEN)')
    .option('--json', 'print machine-readable JSON');
}

export function clientAddress(flags: ClientFlags): ClientAddress {
  const address = clientAddressFromEnv();
  if (flags.host) address.host = flags.host;
  if (flags.port !== undefined) address.port = flags.port;
  if (flags.token) address.token = flags.token;
  return address;
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

/** `--json`: the JSON value; otherwise the human text. */
export function print(flags: ClientFlags, json: unknown, human: string): void {
  process.stdout.write(flags.json ? `${JSON.stringify(json, null, 2)}\n` : `${human}\n`);
}
