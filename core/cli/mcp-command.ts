/** `mittelo mcp`: the MCP adapter, a separate process speaking MCP on stdio and the wire protocol to a hub. */
import type { Command } from 'commander';
import { withClientOptions, type ClientFlags } from './options.js';
import { clientAddress } from '../session/hub-address.js';

export function registerMcpCommand(program: Command): void {
  withClientOptions(program.command('mcp'))
    .description('serve MCP on stdio so other agents (Claude Code, Gemini CLI, Codex) can drive the hub')
    .option('--config <file>', 'workspace config for start_run: backend settings and packs.<pack>.repeat (default: mittelo.config.json in the working directory, if any)')
    .action(async (flags: ClientFlags & { config?: string }) => {
      const { serveMcpOverStdio } = await import('../mcp/server.js');
      // stdout carries the protocol: logs go to stderr only.
      await serveMcpOverStdio(clientAddress(flags), (line) => process.stderr.write(`mittelo mcp: ${line}\n`), flags.config ? { file: flags.config } : {});
    });
}
