/** `mittelo compare RUN_A RUN_B`, and the baseline gate of `mittelo run --against-baseline`. */
import fs from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { compareRuns, hasRegressions } from '../compare/compare.js';
import { policyForRun } from '../compare/policy.js';
import { renderComparison } from '../compare/render.js';
import { HubError } from '../errors.js';
import type { GatePolicyOverrides } from '../pack-header.js';
import type { RunRecord } from '../runs/types.js';
import { parseInteger, withClientOptions, withHubOrDatabase, withLocalDbOptions, type ClientFlags, type LocalDbFlags } from './options.js';

export interface GateFlags {
  minRepeats?: number;
  alpha?: number;
  maxPassRateDrop?: number;
  allowFlaky?: boolean;
}

interface CompareFlags extends ClientFlags, LocalDbFlags, GateFlags {
  html?: string;
}

function parseFraction(name: string, { open }: { open: boolean }) {
  return (value: string): number => {
    const n = Number(value);
    const ok = value.trim() !== '' && Number.isFinite(n) && (open ? n > 0 && n < 1 : n >= 0 && n <= 1);
    if (!ok) throw new InvalidArgumentError(`${name} must be a number ${open ? 'between 0 and 1 (exclusive)' : 'from 0 to 1'}, got ${JSON.stringify(value)}`);
    return n;
  };
}

/** The gate policy options shared by `compare` and `run --against-baseline` (they override the pack header's `gate`). */
export function withGateOptions(command: Command): Command {
  return command
    .option('--min-repeats <n>', 'fail the gate when a prompt ran fewer times than this on a side (default 1, or the pack header)', parseInteger('--min-repeats', { min: 1, max: 1000 }))
    .option('--alpha <p>', 'significance level of the pass-rate test (default 0.05)', parseFraction('--alpha', { open: true }))
    .option('--max-pass-rate-drop <fraction>', 'tolerate a pass-rate drop up to this, e.g. 0.1 (default 0)', parseFraction('--max-pass-rate-drop', { open: false }))
    .option('--allow-flaky', 'prompts that turned flaky only warn (the default)')
    .option('--no-allow-flaky', 'prompts that passed every try in A and are flaky in B fail the gate');
}

export function gateOverrides(flags: GateFlags): GatePolicyOverrides {
  return {
    ...(flags.minRepeats !== undefined ? { min_repeats: flags.minRepeats } : {}),
    ...(flags.alpha !== undefined ? { alpha: flags.alpha } : {}),
    ...(flags.maxPassRateDrop !== undefined ? { max_pass_rate_drop: flags.maxPassRateDrop } : {}),
    ...(flags.allowFlaky !== undefined ? { allow_flaky: flags.allowFlaky } : {}),
  };
}

/**
 * A finished run against its pack's baseline, gated like `compare` (a failing prompt the baseline
 * does not have fails too: a prompt added to the pack must not slip through because it is new).
 * No baseline is not a regression (it is said).
 */
export function compareWithBaseline(record: RunRecord, baseline: RunRecord | null, flags: GateFlags = {}): { regressions: boolean; text: string } {
  if (!baseline) {
    return { regressions: false, text: `pack ${record.run.pack_name} has no other baseline run (mark one with \`mittelo runs baseline ${record.run.run_id}\`)` };
  }
  const { policy, source } = policyForRun(record, gateOverrides(flags));
  const comparison = compareRuns(baseline, record, { policy, policySource: source });
  return { regressions: hasRegressions(comparison), text: renderComparison(comparison, { format: 'text', color: Boolean(process.stdout.isTTY) }) };
}

export function registerCompareCommand(program: Command): void {
  withGateOptions(withLocalDbOptions(withClientOptions(program.command('compare'))))
    .description(
      'compare two runs: a verdict per prompt and backend over all repeats (regressed, improved, flaky, changed, stable); ' +
        'exits non-zero when the gate fails (significant or check regressions, a new prompt failing, a backend dropped, another pack)',
    )
    .argument('<run-a>', 'the earlier run (e.g. the baseline)')
    .argument('<run-b>', 'the later run')
    .option('--html <file>', 'also write a self-contained HTML report')
    .action(async (runA: string, runB: string, flags: CompareFlags) => {
      const [a, b] = await withHubOrDatabase(flags, 'compare', (client) =>
        Promise.all([client.call('run_get', { run_id: runA }), client.call('run_get', { run_id: runB })]),
      );
      const { policy, source } = policyForRun(b, gateOverrides(flags));
      const comparison = compareRuns(a, b, { policy, policySource: source });
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
