#!/usr/bin/env node
/** `mittelo`: the command line. Every failure ends as one clear line on stderr and a non-zero exit. */
import { Command, CommanderError } from 'commander';
import { HUB_VERSION } from '../wire/methods.js';
import { errorMessage } from '../errors.js';
import { registerClientCommands } from './client-commands.js';
import { registerHubCommand } from './hub-command.js';
import { registerAgentCommand } from './agent-command.js';

const program = new Command('mittelo')
  .description('Mittelo Control Center: run AI coding-agent CLIs through one task hub')
  .version(HUB_VERSION)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerHubCommand(program);
registerClientCommands(program);
registerAgentCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Commander already printed its message (or the help/version text).
    process.exitCode = err.exitCode;
  } else {
    process.stderr.write(`mittelo: ${errorMessage(err)}\n`);
    process.exitCode = 1;
  }
}
