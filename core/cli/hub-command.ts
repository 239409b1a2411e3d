/** `mittelo hub`: run the hub in the foreground until shutdown, SIGINT or SIGTERM. */
import type { Command } from 'commander';
import { DEFAULT_HOST, DEFAULT_LEASE_SECONDS, DEFAULT_MAX_LINE_BYTES, DEFAULT_PORT, defaultDbPath } from '../config.js';
import { TOKEN_FILE_HELP, parseInteger, parsePort } from './options.js';
import { givenToken } from '../session/hub-address.js';

interface HubFlags {
  db?: string;
  host: string;
  port: number;
  restHost?: string;
  restPort?: number;
  leaseSeconds: number;
  printUrl?: boolean;
  token?: string;
  tokenFile?: string;
  maxLineBytes: number;
  quiet?: boolean;
}

export function registerHubCommand(program: Command): void {
  program
    .command('hub')
    .description('run the task hub (JSONL over TCP, optional REST) on a SQLite database')
    .option('--db <file>', 'SQLite database (env MITTELO_DB, default .mittelo/mittelo.db)')
    .option('--host <host>', 'address for the JSONL server', DEFAULT_HOST)
    .option('--port <port>', 'port for the JSONL server (0 = any free port)', parsePort, DEFAULT_PORT)
    .option('--rest-host <host>', 'address for the REST adapter (default: --host)')
    .option('--rest-port <port>', 'serve the REST adapter on this port (0 = any free port)', parsePort)
    .option('--lease-seconds <n>', 'default lease length', parseInteger('--lease-seconds', { min: 1 }), DEFAULT_LEASE_SECONDS)
    .option('--token <token>', 'require this token from every client (env MITTELO_TOKEN); needed off loopback')
    .option('--token-file <file>', TOKEN_FILE_HELP)
    .option('--max-line-bytes <n>', 'longest request line accepted', parseInteger('--max-line-bytes', { min: 1024 }), DEFAULT_MAX_LINE_BYTES)
    .option('--print-url', 'print "MITTELO_HUB tcp://HOST:PORT" (and "MITTELO_REST http://HOST:PORT") on stdout, for scripts; useful with --port 0')
    .option('--quiet', 'no log lines on stderr')
    .action(async (flags: HubFlags) => {
      const dbPath = flags.db ?? defaultDbPath();
      const log = flags.quiet ? undefined : (line: string) => process.stderr.write(`mittelo hub: ${line}\n`);
      // Loaded here, not at the top: client commands then start without SQLite and the servers.
      const { startHub } = await import('../hub.js');
      const hub = await startHub({
        dbPath,
        host: flags.host,
        port: flags.port,
        restHost: flags.restHost,
        restPort: flags.restPort,
        leaseSeconds: flags.leaseSeconds,
        token: givenToken(flags),
        maxLineBytes: flags.maxLineBytes,
        log,
      });
      const tcpUrl = `tcp://${hub.host.includes(':') ? `[${hub.host}]` : hub.host}:${hub.port}`;
      // The original mittelo's lines, word for word: its smoke scripts wait for these prefixes.
      if (flags.printUrl) process.stdout.write(`MITTELO_HUB ${tcpUrl}\n${hub.restUrl ? `MITTELO_REST ${hub.restUrl}\n` : ''}`);
      log?.(`listening on ${tcpUrl}${hub.restUrl ? `, REST on ${hub.restUrl}` : ''} (db ${dbPath}); Ctrl-C to stop`);
      const onSignal = (signal: string) => {
        log?.(`${signal}: stopping (finishing in-flight requests, closing the database)`);
        void hub.stop();
      };
      process.once('SIGINT', () => onSignal('SIGINT'));
      process.once('SIGTERM', () => onSignal('SIGTERM'));
      await hub.closed;
      log?.('stopped');
    });
}
