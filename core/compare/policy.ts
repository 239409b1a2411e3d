/** The CI gate's policy: defaults, then the pack header's `gate`, then the command line. */
import { errorMessage } from '../errors.js';
import type { GatePolicyOverrides } from '../pack-header.js';
import { readPackHeader } from '../pack.js';
import type { RunRecord } from '../runs/types.js';
import type { GatePolicy } from './types.js';

export const DEFAULT_GATE_POLICY: GatePolicy = { min_repeats: 1, alpha: 0.05, max_pass_rate_drop: 0, allow_flaky: true };

export interface PolicyLayer {
  /** "pack header of smoke.jsonl", "command line". */
  source: string;
  values: GatePolicyOverrides | undefined;
}

/** Later layers win; the source names every layer that set something. */
export function resolvePolicy(layers: PolicyLayer[]): { policy: GatePolicy; source: string } {
  const policy: GatePolicy = { ...DEFAULT_GATE_POLICY };
  const sources: string[] = [];
  for (const layer of layers) {
    const set = Object.entries(layer.values ?? {}).filter(([, value]) => value !== undefined);
    if (set.length === 0) continue;
    Object.assign(policy, Object.fromEntries(set));
    sources.push(layer.source);
  }
  return { policy, source: sources.length === 0 ? 'defaults' : `defaults, then ${sources.join(', then ')}` };
}

/**
 * The policy for comparing with run B: its pack's header (read from the pack file the run came
 * from, when still there), then `overrides` (the command line). A header that no longer parses is
 * said, not ignored silently: the defaults apply and the source says why.
 */
export function policyForRun(b: Pick<RunRecord, 'run'>, overrides: GatePolicyOverrides = {}, overridesSource = 'command line'): { policy: GatePolicy; source: string } {
  let header: GatePolicyOverrides | undefined;
  let headerSource = `pack header of ${b.run.pack_name}`;
  if (b.run.pack_path) {
    try {
      header = readPackHeader(b.run.pack_path)?.gate;
    } catch (err) {
      headerSource = `defaults (the pack header of ${b.run.pack_name} is invalid: ${errorMessage(err)})`;
    }
  }
  const resolved = resolvePolicy([
    { source: headerSource, values: header },
    { source: overridesSource, values: overrides },
  ]);
  return header === undefined && headerSource.startsWith('defaults (') ? { ...resolved, source: `${headerSource}${resolved.source === 'defaults' ? '' : `, then ${overridesSource}`}` } : resolved;
}
