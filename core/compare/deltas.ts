/** How B's figures differ from A's, where both were reported: a missing figure stays null, never 0. */
import type { RunTask } from '../runs/types.js';
import type { NumberDelta, PairDeltas, ValueChange } from './types.js';

/** Rounds away float noise (0.1 + 0.2) without losing a cost's precision. */
function clean(value: number): number {
  return Number(value.toPrecision(12));
}

export function numberDelta(a: number | null | undefined, b: number | null | undefined): NumberDelta {
  const left = typeof a === 'number' && Number.isFinite(a) ? a : null;
  const right = typeof b === 'number' && Number.isFinite(b) ? b : null;
  if (left === null || right === null) return { a: left, b: right, delta: null, pct: null };
  return {
    a: left,
    b: right,
    delta: Number.isInteger(left) && Number.isInteger(right) ? right - left : clean(right - left),
    // `+ 0` turns a rounded -0 (4908 -> 4907 ms) into 0: -0 reads "−0 %" and does not survive the
    // JSON of a kept comparison, which must equal the one built again.
    pct: left === 0 ? null : Math.round(((right - left) / left) * 1000) / 10 + 0,
  };
}

export function pairDeltas(a: RunTask | null, b: RunTask | null): PairDeltas {
  const artifactA = a?.artifact ?? null;
  const artifactB = b?.artifact ?? null;
  return {
    latency_ms: numberDelta(artifactA?.latency_ms, artifactB?.latency_ms),
    cost_usd: numberDelta(artifactA?.cost_usd, artifactB?.cost_usd),
    input_tokens: numberDelta(artifactA?.input_tokens, artifactB?.input_tokens),
    output_tokens: numberDelta(artifactA?.output_tokens, artifactB?.output_tokens),
  };
}

/** A change only when both sides reported a value and the values differ. */
export function valueChange(a: string | null | undefined, b: string | null | undefined): ValueChange | null {
  return a && b && a !== b ? { from: a, to: b } : null;
}

/** The values a list reported, once each, sorted. */
export function distinct(values: (string | null | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => typeof v === 'string' && v !== ''))].sort();
}
