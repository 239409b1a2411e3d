/**
 * `mittelo serve`: browser mode. Opens the workspace like the desktop app does (hub, agents) and
 * serves the same renderer and the same typed API over HTTP, for headless machines and for tests.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_PORT } from '../config.js';
import { workspaceTokenPath } from '../session/workspace-token.js';
import { checkToken, readTokenFile } from '../wire/auth.js';
import { TOKEN_FILE_HELP, parsePort } from './options.js';

interface ServeFlags {
  port?: number;
  host: string;
  token?: string | true;
  tokenFile?: string;
  workspace?: string;
  hubPort: number;
  restPort: number;
  rest: boolean;
  agents: boolean;
  renderer?: string;
  quiet?: boolean;
}

/** --token VALUE, --token (a random one), --token-file, MITTELO_SERVE_TOKEN; none: the workspace token. */
function chosenToken(flags: ServeFlags): string | undefined {
  if (flags.token === true) return randomBytes(24).toString('base64url');
  if (flags.token !== undefined) return checkToken(flags.token, '--token');
  if (flags.tokenFile !== undefined) return readTokenFile(path.resolve(flags.tokenFile), `--token-file ${flags.tokenFile}`);
  const env = process.env.MITTELO_SERVE_TOKEN;
  return env ? checkToken(env, 'MITTELO_SERVE_TOKEN') : undefined;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('browser mode: serve the control center (pages + API) over HTTP on 127.0.0.1')
    .option('--port <port>', 'HTTP port (default 8780, a free one when 8780 is taken; 0 = any free port)', parsePort)
    .option('--host <host>', 'address to serve on (default 127.0.0.1; the page and the hub ports always need the token)', '127.0.0.1')
    .option('--token [token]', 'the token of the page and the hub ports (without a value: a random one for this run); env MITTELO_SERVE_TOKEN; default: the workspace token, .mittelo/token')
    .option('--token-file <file>', TOKEN_FILE_HELP)
    .option('--workspace <dir>', 'workspace folder (default: the one used last, else ~/Mittelo)')
    .option('--hub-port <port>', 'port of the hub (JSONL); 0 = any free port', parsePort, DEFAULT_PORT)
    .option('--rest-port <port>', "port of the hub's REST adapter; 0 = any free port", parsePort, 8766)
    .option('--no-rest', "no REST adapter for the hub")
    .option('--no-agents', 'do not start agents for the backends of mittelo.config.json')
    .option('--renderer <dir>', 'built renderer to serve (default dist/renderer)')
    .option('--quiet', 'no log lines on stderr')
    .action(async (flags: ServeFlags) => {
      const log = flags.quiet ? () => undefined : (line: string) => process.stderr.write(`mittelo serve: ${line}\n`);
      const given = chosenToken(flags);
      // Loaded here, not at the top: other commands start without SQLite and the servers.
      const { startAppCore } = await import('../app/app-core.js');
      const { DEFAULT_SERVE_PORT, startHttpBridge } = await import('../app/http-bridge.js');
      const { portIsFree } = await import('../session/open-hub.js');
      const { chooseWorkspace, useWorkspaceBackends } = await import('../app/workspace.js');
      let port = flags.port ?? DEFAULT_SERVE_PORT;
      if (flags.port === undefined && !(await portIsFree(flags.host, port))) {
        log(`port ${port} is in use; serving on a free port instead`);
        port = 0;
      }
      const workspace = chooseWorkspace(flags.workspace);
      useWorkspaceBackends(workspace);
      const app = await startAppCore({
        workspace,
        port: flags.hubPort,
        restPort: flags.rest ? flags.restPort : null,
        autoStartAgents: flags.agents,
        ...(given ? { token: given } : {}),
        log,
      });
      let bridge;
      try {
        bridge = await startHttpBridge({
          dispatch: app.dispatch,
          subscribe: app.subscribe,
          host: flags.host,
          port,
          // The hub's token (the workspace's unless one was given): one token opens everything.
          ...(app.current.address.token ? { token: app.current.address.token } : {}),
          ...(flags.renderer ? { rendererDir: flags.renderer } : {}),
          log,
        });
      } catch (err) {
        await app.stop();
        throw err;
      }
      const { current } = app;
      log(`workspace ${current.workspace.dir}; hub on ${current.address.host}:${current.address.port}${current.restUrl ? `, REST ${current.restUrl}` : ''}`);
      log(
        given
          ? 'the hub ports need the token given here (MITTELO_TOKEN or --token-file for mittelo commands and agents)'
          : `the hub ports need the workspace token: mittelo commands in ${current.workspace.dir} find it; elsewhere use --token-file ${workspaceTokenPath(current.workspace.dir)}`,
      );
      process.stdout.write(`Mittelo Control Center: ${bridge.url}\n`);
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        log(`${signal}: stopping (agents give their tasks back, the hub stops, the database closes)`);
        await bridge.close();
        await app.stop();
        log('stopped');
      };
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => void stop('SIGINT').then(resolve));
        process.once('SIGTERM', () => void stop('SIGTERM').then(resolve));
      });
    });
}
