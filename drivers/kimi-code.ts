/**
 * Kimi Code CLI (npm `@moonshot-ai/kimi-code`, 2.x; the successor of the Python kimi-cli, same
 * `kimi` command). Verified against 2.1.0's `--help` (it needs Node >= 22.19): one prompt runs
 * non-interactively with `-p/--prompt <prompt>`, which takes the prompt as an argument only (no
 * stdin; `-` is taken literally), so the prompt goes in argv, never through a shell, and is bounded
 * by the OS limit on one argument (128 KiB on Linux). `--output-format stream-json` prints the same
 * Messages as the Python CLI (`{"role":"assistant","content":"..."}`, tool results, and `meta`
 * lines: `system.version`, `session.resume_hint` with the session id). Without credentials it says
 * "No model configured. Run `kimi` and use /login to sign in" on stderr and exits 1. Prompt mode
 * cannot be combined with `--yolo`/`--auto` and has no flag to narrow its tools, so every run gets
 * a fresh working directory whatever the tool policy.
 */
import type { OneShotDriver } from './types.js';
import { interpretKimi } from './kimi.js';
import { modelArgs } from './model.js';
import { extractVersion } from './output.js';

export const kimiCodeDriver: OneShotDriver = {
  kind: 'one-shot',
  name: 'kimi_code',
  aliases: [],
  binary: 'kimi',
  npmPackage: '@moonshot-ai/kimi-code',
  verifiedVersion: '2.1.0',
  requiredFlags: ['--prompt', '--output-format', '--model'],
  authHints: {
    env: ['KIMI_API_KEY', 'KIMI_MODEL_NAME', 'KIMI_CODE_BASE_URL'],
    files: ['~/.kimi-code/config.toml', '~/.kimi-code/credentials'],
  },
  outputFormat: 'stream-json',
  versionArgs: ['--version'],
  parseVersion: (output) => extractVersion(output, /^\s*v?(\d+\.\d+\.\d+\S*)\s*$/),

  buildInvocation(call) {
    return {
      args: ['--prompt', call.prompt, '--output-format', 'stream-json', ...modelArgs('--model', call.model)],
      stdin: null,
      freshWorkdir: true,
    };
  },

  interpret: (result) => interpretKimi(result, 'kimi'),
};
