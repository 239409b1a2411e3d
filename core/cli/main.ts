#!/usr/bin/env node
/** `mittelo`: the command line. Every failure ends as one clear line on stderr and a non-zero exit. */
import { Command, CommanderError } from 'commander';
import { HUB_VERSION } from '../wire/contract.js';
import { HubError, errorMessage } from '../errors.js';
import { registerClientCommands } from './client-commands.js';
import { registerHubCommand } from './hub-command.js';
import { registerAgentCommand } from './agent-command.js';
import { registerBackendCommands } from './backend-commands.js';
import { registerSwarmCommand } from './swarm-command.js';
import { registerRunCommands } from './run-commands.js';
import { registerCompareCommand } from './compare-command.js';
import { registerMcpCommand } from './mcp-command.js';
import { registerLockCommands } from './lock-commands.js';
import { registerServeCommand } from './serve-command.js';
import { registerMigrateCommand } from './migrate-command.js';

const program = new Command('mittelo')
  .description('Mittelo Control Center: run AI coding-agent CLIs through one task hub')
  .version(HUB_VERSION)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerHubCommand(program);
registerClientCommands(program);
registerAgentCommand(program);
registerSwarmCommand(program);
registerBackendCommands(program);
registerRunCommands(program);
registerCompareCommand(program);
registerMcpCommand(program);
registerLockCommands(program);
registerServeCommand(program);
registerMigrateCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Commander already printed its message (or the help/version text).
    process.exitCode = err.exitCode;
  } else {
    process.stderr.write(`mittelo: ${errorMessage(err)}\n`);
    // Only when a hub asked for a token and none was given (not for a wrong one, nor for a refusal to bind).
    const noTokenGiven = !process.argv.some((a) => a.startsWith('--token')) && !(process.env.MITTELO_TOKEN ?? '').trim();
    if (err instanceof HubError && err.code === 'unauthorized' && /requires a token/.test(err.message) && noTokenGiven) {
      process.stderr.write('mittelo: the hub of the app or `mittelo serve` takes the workspace token: pass --token-file <workspace>/.mittelo/token or MITTELO_TOKEN (docs/SECURITY.md)\n');
    }
    process.exitCode = 1;
  }
}
