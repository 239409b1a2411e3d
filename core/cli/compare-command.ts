/** `mittelo compare RUN_A RUN_B`, and the baseline gate of `mittelo run --against-baseline`. */
import fs from 'node:fs';
import type { Command } from 'commander';
import { compareRuns, hasRegressions } from '../compare/compare.js';
import { renderComparison } from '../compare/render.js';
import { HubError } from '../errors.js';
import type { RunRecord } from '../runs/types.js';
import { withClientOptions, withHubOrDatabase, withLocalDbOptions, type ClientFlags, type LocalDbFlags } from './options.js';

interface CompareFlags extends ClientFlags, LocalDbFlags {
  html?: string;
}

/**
 * A finished run against its pack's baseline. A regression is a new failure (compare's own
 * verdict) or a task the baseline has no counterpart for that fails: a prompt added to the pack
 * must not slip through the gate just because it is new. No baseline is not a regression (it is said).
 */
export function compareWithBaseline(record: RunRecord, baseline: RunRecord | null): { regressions: boolean; text: string } {
  if (!baseline) {
    return { regressions: false, text: `pack ${record.run.pack_name} has no other baseline run (mark one with \`mittelo runs baseline ${record.run.run_id}\`)` };
  }
  const comparison = compareRuns(baseline, record);
  const newTasksFailing = comparison.pairs.filter((p) => p.category === 'only_in_b' && p.b?.ok === false).length;
  const text = renderComparison(comparison, { format: 'text', color: Boolean(process.stdout.isTTY) });
  return {
    regressions: hasRegressions(comparison) || newTasksFailing > 0,
    text: newTasksFailing > 0 ? `${text}\n\n${newTasksFailing} task(s) not in the baseline fail` : text,
  };
}

export function registerCompareCommand(program: Command): void {
  withLocalDbOptions(withClientOptions(program.command('compare')))
    .description('compare two runs side by side; exits non-zero when B has new failures or check regressions')
    .argument('<run-a>', 'the earlier run (e.g. the baseline)')
    .argument('<run-b>', 'the later run')
    .option('--html <file>', 'also write a self-contained HTML report')
    .action(async (runA: string, runB: string, flags: CompareFlags) => {
      const [a, b] = await withHubOrDatabase(flags, 'compare', (client) =>
        Promise.all([client.call<RunRecord>('run_get', { run_id: runA }), client.call<RunRecord>('run_get', { run_id: runB })]),
      );
      const comparison = compareRuns(a, b);
      if (flags.html) {
        try {
          fs.writeFileSync(flags.html, renderComparison(comparison, { format: 'html', color: false }));
        } catch (err) {
          throw new HubError('bad_request', `cannot write ${flags.html}: ${(err as Error).message}`);
        }
      }
      process.stdout.write(`${renderComparison(comparison, { format: flags.json ? 'json' : 'text', color: !flags.json && Boolean(process.stdout.isTTY) })}\n`);
      if (flags.html && !flags.json) process.stderr.write(`mittelo compare: HTML report written to ${flags.html}\n`);
      if (hasRegressions(comparison)) process.exitCode = 1;
    });
}
