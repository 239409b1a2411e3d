/** The `echo` backend: answers `echo:<prompt>` (PROTOCOL.md) in-process, for smoke tests of the pipeline. */
import { syntheticResult } from './builtin-result.js';
import type { ExecutingDriver } from './types.js';

export const echoDriver: ExecutingDriver = {
  kind: 'executing',
  name: 'echo',
  aliases: [],
  binary: null,
  requiredFlags: [],
  authHints: { env: [], files: [] },
  outputFormat: 'text',
  editsFiles: false,
  versionArgs: null,
  parseVersion: () => null,

  async execute({ call, run, onOutput }) {
    const startedAt = Date.now();
    const argv = ['echo'];
    if (run.signal?.aborted) {
      return {
        outcome: { ok: false, failure: 'cancelled', message: 'echo was cancelled before it ran' },
        result: syntheticResult({ argv, startedAt, exitCode: null, cancelled: true }),
      };
    }
    const answer = `echo:${call.prompt}`;
    (onOutput ?? run.onOutput)?.('stdout', answer);
    return {
      outcome: { ok: true, output: { answer } },
      result: syntheticResult({ argv, startedAt, stdout: answer }),
    };
  },
};
