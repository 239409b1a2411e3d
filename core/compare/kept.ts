/**
 * Comparisons of settled runs kept in the database (core/store/comparisons.ts), under a key naming
 * everything they were computed from: both runs' rows and versions (a retry, an import, a new label
 * or pick changes them), the gate policy of B's pack header, and the formats of compare records and
 * comparisons. A comparison kept under another key is never read. The hub computes one when a run
 * settles (against the run of its pack before it: what Compare opens on) and the app when it
 * compares two runs, so the Compare page after a restart reads one row instead of two runs.
 */
import { createHash } from 'node:crypto';
import { RECORD_FORMAT } from '../runs/compare-record.js';
import type { RunInfo, RunRecord } from '../runs/types.js';
import type { ComparisonStore } from '../store/comparisons.js';
import { isStorageFailure } from '../store/storage-error.js';
import { compareRuns } from './compare.js';
import { policyForRun } from './policy.js';
import type { GatePolicy, ComparedPair, Comparison } from './types.js';

/**
 * Bump when a comparison's shape or how it is computed changes (this folder): comparisons kept in
 * another format are computed again.
 */
export const COMPARISON_FORMAT = 1;

/** The runs of the hub in this process (RunService): what a kept comparison is read from. */
export interface KeptRuns {
  stamp(runId: string): { run: RunInfo; version: string; settled: boolean };
  compareRecord(runId: string): RunRecord;
  readonly comparisons: ComparisonStore;
}

export interface ComparisonInputs {
  run_a: string;
  run_b: string;
  /** Everything the comparison is computed from, as one string. */
  key: string;
  /** Its SHA-256 (what the table stores). */
  hash: string;
  /** Both runs settled: only then is the comparison kept. */
  settled: boolean;
  policy: GatePolicy;
  policy_source: string;
}

/** What comparing A with B now depends on, read without reading their tasks. */
export function comparisonInputs(runs: KeptRuns, runA: string, runB: string): ComparisonInputs {
  const a = runs.stamp(runA);
  const b = runs.stamp(runB);
  const { policy, source } = policyForRun(b);
  const key = JSON.stringify([COMPARISON_FORMAT, RECORD_FORMAT, a.run, a.version, b.run, b.version, policy, source]);
  return { run_a: runA, run_b: runB, key, hash: createHash('sha256').update(key).digest('hex'), settled: a.settled && b.settled, policy, policy_source: source };
}

/** The kept comparison without its pairs, if one was kept for exactly these inputs. */
export function keptHead(runs: KeptRuns, inputs: ComparisonInputs): Comparison | null {
  if (!inputs.settled) return null;
  const head = runs.comparisons.head(inputs.run_a, inputs.run_b, inputs.hash);
  return head === undefined ? null : (JSON.parse(head) as Comparison);
}

/** The kept comparison's pairs, if kept for exactly these inputs. */
export function keptPairs(runs: KeptRuns, inputs: ComparisonInputs): ComparedPair[] | null {
  const pairs = runs.comparisons.pairs(inputs.run_a, inputs.run_b, inputs.hash);
  return pairs === undefined ? null : (JSON.parse(pairs) as ComparedPair[]);
}

/** What is written to keep one comparison (ComparisonStore.put). */
export interface KeptComparisonRow {
  run_a: string;
  run_b: string;
  hash: string;
  head: string;
  pairs: string;
}

/** Compares the two runs' compare records (nothing written). */
export function compareKept(runs: KeptRuns, inputs: ComparisonInputs): { comparison: Comparison; a: RunRecord; b: RunRecord } {
  const a = runs.compareRecord(inputs.run_a);
  const b = runs.compareRecord(inputs.run_b);
  return { comparison: compareRuns(a, b, { policy: inputs.policy, policySource: inputs.policy_source }), a, b };
}

/** The row keeping `comparison` under these inputs: its first screen and its pairs apart. */
export function comparisonRow(inputs: ComparisonInputs, comparison: Comparison): KeptComparisonRow {
  return { run_a: inputs.run_a, run_b: inputs.run_b, hash: inputs.hash, head: JSON.stringify({ ...comparison, pairs: [] }), pairs: JSON.stringify(comparison.pairs) };
}

/** Compares the two runs' compare records and keeps the result when both are settled. */
export function compareAndKeep(runs: KeptRuns, inputs: ComparisonInputs): { comparison: Comparison; a: RunRecord; b: RunRecord } {
  const compared = compareKept(runs, inputs);
  if (inputs.settled) {
    const row = comparisonRow(inputs, compared.comparison);
    try {
      runs.comparisons.put(row.run_a, row.run_b, row.hash, row.head, row.pairs);
    } catch (err) {
      // A full or read-only disk costs a later visit a comparison, not this one its answer.
      if (!isStorageFailure(err)) throw err;
    }
  }
  return compared;
}
