/**
 * Small textbook statistics for comparing repeated runs: Fisher's exact test on pass counts, the
 * Wilson score interval, pass@k and pass^k, quantiles, and the Mann-Whitney U rank test. Each is a
 * few lines with property tests against published values (tests/unit/compare-stats.test.ts); a
 * statistics package would bring far more than these five formulas.
 */

/** ln(n!) for n up to the largest table compared; grown on demand, shared across calls. */
const logFactorials: number[] = [0];

function logFactorial(n: number): number {
  for (let i = logFactorials.length; i <= n; i++) logFactorials.push((logFactorials[i - 1] ?? 0) + Math.log(i));
  return logFactorials[n] ?? 0;
}

function logChoose(n: number, k: number): number {
  return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
}

/**
 * One-sided Fisher exact test: the probability of A passing at least `passA` of its `nA` tries
 * (with the pass total fixed) if A and B had the same pass rate. Small means B's rate is really lower.
 */
export function fisherDropPValue(passA: number, nA: number, passB: number, nB: number): number {
  const passes = passA + passB;
  const total = nA + nB;
  const hi = Math.min(nA, passes);
  const denominator = logChoose(total, nA);
  let p = 0;
  for (let x = passA; x <= hi; x++) p += Math.exp(logChoose(passes, x) + logChoose(total - passes, nA - x) - denominator);
  return Math.min(1, p);
}

/** Wilson score interval of a pass rate at confidence z (1.96: 95%); [0, 1] when n is 0. */
export function wilsonInterval(passes: number, n: number, z = 1.96): [number, number] {
  if (n === 0) return [0, 1];
  const p = passes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** C(a, k) / C(b, k) as a product (no overflow), for a <= b. */
function chooseRatio(a: number, b: number, k: number): number {
  if (k > a) return 0;
  let ratio = 1;
  for (let i = 0; i < k; i++) ratio *= (a - i) / (b - i);
  return ratio;
}

/** pass@k: the chance that at least one of k tries drawn from n (c passed) passes (unbiased estimator). */
export function passAtK(n: number, c: number, k: number): number {
  if (k <= 0 || n === 0) return 0;
  return 1 - chooseRatio(n - c, n, Math.min(k, n));
}

/** pass^k: the chance that all of k tries drawn from n (c passed) pass (τ-bench's reliability). */
export function passHatK(n: number, c: number, k: number): number {
  if (k <= 0 || n === 0) return 0;
  return chooseRatio(c, n, Math.min(k, n));
}

/** Quantile q (0..1) of sorted values, linear between neighbours (R type 7, numpy's default); null when empty. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const low = sorted[lo] ?? 0;
  const high = sorted[Math.min(sorted.length - 1, lo + 1)] ?? low;
  return low + (high - low) * (at - lo);
}

/** Standard normal CDF (Abramowitz and Stegun 7.1.26 for erf, error below 1.5e-7). */
export function normalCdf(x: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(x * x) / 2);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

export interface RankTest {
  /** U of sample A: how often a value of A exceeds one of B (ties count a half). */
  u: number;
  /** Two-sided p-value (normal approximation with tie and continuity correction); null when a side is empty. */
  p: number | null;
}

/** Mann-Whitney U test: do A's and B's values come from the same distribution? */
export function mannWhitney(a: readonly number[], b: readonly number[]): RankTest {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) return { u: 0, p: null };
  // Both sides sorted, then merged run by run of equal values: ranks without a combined array of objects.
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  let i = 0;
  let j = 0;
  let rank = 0;
  let rankSumA = 0;
  let tieTerm = 0;
  while (i < n1 || j < n2) {
    const value = j >= n2 || (i < n1 && (x[i] as number) <= (y[j] as number)) ? (x[i] as number) : (y[j] as number);
    let fromA = 0;
    let fromB = 0;
    while (i < n1 && x[i] === value) {
      i++;
      fromA++;
    }
    while (j < n2 && y[j] === value) {
      j++;
      fromB++;
    }
    const ties = fromA + fromB;
    const midRank = rank + (ties + 1) / 2;
    rank += ties;
    rankSumA += fromA * midRank;
    tieTerm += ties ** 3 - ties;
  }
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const n = n1 + n2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) return { u, p: 1 };
  const z = Math.max(0, Math.abs(u - mean) - 0.5) / Math.sqrt(variance);
  return { u, p: Math.min(1, 2 * (1 - normalCdf(z))) };
}
