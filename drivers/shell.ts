/**
 * The `shell` backend: runs a configured command line (`options.shell_cmd`, from `--shell-cmd`) with
 * the prompt on stdin; stdout is the answer. The line is split into argv by drivers/command-line.ts
 * (quoting rules there); no shell is involved unless the line itself starts one, e.g.
 * `sh -c 'tr a-z A-Z | rev'`.
 */
import { CommandLineError, splitCommandLine } from './command-line.js';
import { plainOutcome, refused, runRequestFor, scriptEnv } from './builtin-result.js';
import { runProcess } from './run/runner.js';
import type { ExecutingDriver } from './types.js';

export const SHELL_CMD_OPTION = 'shell_cmd';

export const shellDriver: ExecutingDriver = {
  kind: 'executing',
  name: 'shell',
  aliases: [],
  binary: null,
  requiredFlags: [],
  authHints: { env: [], files: [] },
  outputFormat: 'text',
  versionArgs: null,
  parseVersion: () => null,

  async execute(ctx) {
    const startedAt = Date.now();
    const line = ctx.call.options[SHELL_CMD_OPTION];
    if (line === undefined || line.trim() === '') {
      return refused(['shell'], startedAt, 'not_installed', 'EINVAL', 'the shell backend needs a command line: set --shell-cmd (option shell_cmd)');
    }
    let argv: [string, ...string[]];
    try {
      argv = splitCommandLine(line);
    } catch (err) {
      if (!(err instanceof CommandLineError)) throw err;
      return refused([line], startedAt, 'not_installed', 'EINVAL', `--shell-cmd: ${err.message}`);
    }
    const [command, ...args] = argv;
    const result = await runProcess(runRequestFor(ctx, command, args, ctx.call.prompt, scriptEnv(ctx.call)));
    return { outcome: plainOutcome(result, `shell command "${command}"`), result };
  },
};
