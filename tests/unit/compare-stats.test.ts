/** The statistics behind compare's verdicts, against published values and by their properties. */
import { describe, expect, it } from 'vitest';
import { tokenDistance, tokenize, movement, DistanceCache } from '../../core/compare/similarity.js';
import { fisherDropPValue, mannWhitney, normalCdf, passAtK, passHatK, quantile, wilsonInterval } from '../../core/compare/stats.js';
import { mulberry32 } from '../fixtures/seeded.js';

/** C(n, k) exactly. */
function choose(n: number, k: number): bigint {
  let r = 1n;
  for (let i = 0; i < k; i++) r = (r * BigInt(n - i)) / BigInt(i + 1);
  return r;
}

/** The one-sided Fisher p-value by exact rational arithmetic, to check the log-space one against. */
function exactFisher(passA: number, nA: number, passB: number, nB: number): number {
  const passes = passA + passB;
  let numerator = 0n;
  for (let x = passA; x <= Math.min(nA, passes); x++) numerator += choose(passes, x) * choose(nA + nB - passes, nA - x);
  const denominator = choose(nA + nB, nA);
  return Number((numerator * 1_000_000_000_000n) / denominator) / 1e12;
}

describe('Fisher exact test (one-sided, drop from A to B)', () => {
  it('matches known values', () => {
    // Fisher's tea-tasting table [[3, 1], [1, 3]]: p = 17/70.
    expect(fisherDropPValue(3, 4, 1, 4)).toBeCloseTo(17 / 70, 10);
    // 10/10 → 4/10: C(14,10)/C(20,10) = 1001/184756.
    expect(fisherDropPValue(10, 10, 4, 10)).toBeCloseTo(1001 / 184756, 10);
    // 10/10 → 9/10 is no evidence at all: p = 0.5.
    expect(fisherDropPValue(10, 10, 9, 10)).toBeCloseTo(0.5, 10);
    // No drop: p = 1 when B passed everything.
    expect(fisherDropPValue(3, 10, 10, 10)).toBeCloseTo(1, 10);
  });

  it('equals exact rational arithmetic on random tables, stays in (0, 1], and grows as B passes more', () => {
    const random = mulberry32(12);
    for (let i = 0; i < 300; i++) {
      const nA = 1 + Math.floor(random() * 30);
      const nB = 1 + Math.floor(random() * 30);
      const passA = Math.floor(random() * (nA + 1));
      const passB = Math.floor(random() * (nB + 1));
      const p = fisherDropPValue(passA, nA, passB, nB);
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThanOrEqual(1);
      expect(p).toBeCloseTo(exactFisher(passA, nA, passB, nB), 9);
      if (passB < nB) expect(fisherDropPValue(passA, nA, passB + 1, nB)).toBeGreaterThanOrEqual(p - 1e-12);
    }
  });
});

describe('Wilson interval', () => {
  it('matches known values', () => {
    const [lo0, hi0] = wilsonInterval(0, 10);
    expect(lo0).toBe(0);
    expect(hi0).toBeCloseTo(0.2775, 4);
    const [lo5, hi5] = wilsonInterval(5, 10);
    expect(lo5).toBeCloseTo(0.2366, 4);
    expect(hi5).toBeCloseTo(0.7634, 4);
    expect(wilsonInterval(0, 0)).toEqual([0, 1]);
  });

  it('holds the observed rate and narrows with more tries', () => {
    const random = mulberry32(7);
    for (let i = 0; i < 200; i++) {
      const n = 1 + Math.floor(random() * 100);
      const c = Math.floor(random() * (n + 1));
      const [lo, hi] = wilsonInterval(c, n);
      expect(lo).toBeLessThanOrEqual(c / n + 1e-12);
      expect(hi).toBeGreaterThanOrEqual(c / n - 1e-12);
      const [lo4, hi4] = wilsonInterval(c * 4, n * 4);
      expect(hi4 - lo4).toBeLessThan(hi - lo);
    }
  });
});

describe('pass@k and pass^k', () => {
  it('matches the closed forms', () => {
    expect(passAtK(10, 5, 1)).toBeCloseTo(0.5, 12);
    expect(passHatK(10, 5, 2)).toBeCloseTo(10 / 45, 12);
    expect(passAtK(10, 5, 2)).toBeCloseTo(1 - 10 / 45, 12);
    expect(passAtK(10, 1, 10)).toBe(1);
    expect(passHatK(10, 9, 10)).toBe(0);
    expect(passHatK(10, 10, 10)).toBe(1);
    expect(passAtK(10, 0, 3)).toBe(0);
  });

  it('pass@1 = pass^1 = the pass rate; pass@k grows and pass^k falls with k', () => {
    for (let n = 1; n <= 12; n++) {
      for (let c = 0; c <= n; c++) {
        expect(passAtK(n, c, 1)).toBeCloseTo(c / n, 12);
        expect(passHatK(n, c, 1)).toBeCloseTo(c / n, 12);
        for (let k = 1; k < n; k++) {
          expect(passAtK(n, c, k + 1)).toBeGreaterThanOrEqual(passAtK(n, c, k) - 1e-12);
          expect(passHatK(n, c, k + 1)).toBeLessThanOrEqual(passHatK(n, c, k) + 1e-12);
        }
      }
    }
  });
});

describe('quantile', () => {
  it('interpolates like numpy', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 0.9)).toBeCloseTo(3.7, 12);
    expect(quantile([7], 0.9)).toBe(7);
    expect(quantile([], 0.5)).toBeNull();
  });
});

describe('Mann-Whitney U', () => {
  it('matches scipy (asymptotic, continuity-corrected)', () => {
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    // scipy.stats.mannwhitneyu([19, 22, 16, 29, 24], [20, 11, 17, 12], method="asymptotic") → U 17, p 0.11134688653314041
    const doc = mannWhitney([19, 22, 16, 29, 24], [20, 11, 17, 12]);
    expect(doc.u).toBe(17);
    expect(doc.p).toBeCloseTo(0.1113469, 5);
    // Complete separation of 5 and 5: U 0, p 0.01219 (asymptotic).
    const apart = mannWhitney([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
    expect(apart.u).toBe(0);
    expect(apart.p).toBeCloseTo(0.01219, 4);
    expect(mannWhitney([], [1]).p).toBeNull();
    expect(mannWhitney([3, 3], [3, 3]).p).toBe(1);
  });

  it('U of A plus U of B is n1·n2, and the p-value does not depend on the order', () => {
    const random = mulberry32(99);
    for (let i = 0; i < 200; i++) {
      const a = Array.from({ length: 1 + Math.floor(random() * 15) }, () => Math.round(random() * 20));
      const b = Array.from({ length: 1 + Math.floor(random() * 15) }, () => Math.round(random() * 20));
      const ab = mannWhitney(a, b);
      const ba = mannWhitney(b, a);
      expect(ab.u + ba.u).toBeCloseTo(a.length * b.length, 9);
      expect(ab.p).toBeCloseTo(ba.p ?? -1, 12);
      expect(ab.p).toBeGreaterThanOrEqual(0);
      expect(ab.p).toBeLessThanOrEqual(1);
    }
  });
});

describe('answer similarity', () => {
  it('is a normalised edit distance on tokens', () => {
    expect(tokenize('The sum is 4.')).toEqual(['The', 'sum', 'is', '4', '.']);
    expect(tokenDistance(['a', 'b', 'c'], ['a', 'x', 'c'])).toBeCloseTo(1 / 3, 12);
    expect(tokenDistance(['a', 'b'], ['a', 'b'])).toBe(0);
    expect(tokenDistance(['a', 'b'], ['c'])).toBe(1);
    expect(tokenDistance([], [])).toBe(0);
    expect(tokenDistance([], ['x'])).toBe(1);
    expect(tokenDistance(['a', 'b', 'c', 'd'], ['b', 'c', 'd'])).toBeCloseTo(1 / 4, 12);
  });

  it('is symmetric and within [0, 1]', () => {
    const random = mulberry32(5);
    const words = ['a', 'b', 'c', 'd', 'e'];
    for (let i = 0; i < 200; i++) {
      const a = Array.from({ length: Math.floor(random() * 12) }, () => words[Math.floor(random() * words.length)] as string);
      const b = Array.from({ length: Math.floor(random() * 12) }, () => words[Math.floor(random() * words.length)] as string);
      const d = tokenDistance(a, b);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(1);
      expect(tokenDistance(b, a)).toBeCloseTo(d, 12);
    }
  });

  it('equals the textbook edit distance over the whole lists (cutting the common ends changes nothing)', () => {
    const textbook = (a: string[], b: string[]): number => {
      const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
      for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
          const row = d[i] as number[];
          const above = d[i - 1] as number[];
          row[j] = Math.min((above[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1), (above[j] as number) + 1, (row[j - 1] as number) + 1);
        }
      }
      return a.length === 0 && b.length === 0 ? 0 : ((d[a.length] as number[])[b.length] as number) / Math.max(a.length, b.length);
    };
    const random = mulberry32(11);
    const words = ['a', 'b', 'c'];
    for (let i = 0; i < 500; i++) {
      const a = Array.from({ length: Math.floor(random() * 15) }, () => words[Math.floor(random() * words.length)] as string);
      // Half the time B is A with a word or two changed, so the common ends are long.
      const b = random() < 0.5 ? a.map((w) => (random() < 0.15 ? 'x' : w)) : Array.from({ length: Math.floor(random() * 15) }, () => words[Math.floor(random() * words.length)] as string);
      expect(tokenDistance(a, b)).toBeCloseTo(textbook(a, b), 12);
    }
  });

  it("measures B's move beyond the spread of each side's own repeats", () => {
    const cache = new DistanceCache();
    // Each side varies one word in four among its repeats; B says the same things: no move beyond the floor.
    const a = ['the answer is 42', 'the answer is 42', 'the result is 42'];
    const same = movement(a, ['the result is 42', 'the answer is 42'], cache);
    expect(same?.floor).toBeCloseTo(0.25, 3);
    expect(same?.beyond).toBe(0);
    // B answers something else entirely: far beyond the floor.
    const moved = movement(a, ['I cannot help with that', 'I cannot help with that'], cache);
    expect(moved?.between).toBe(1);
    expect(moved?.beyond).toBeGreaterThan(0.5);
    expect(movement([], ['x'], cache)).toBeNull();
  });
});
