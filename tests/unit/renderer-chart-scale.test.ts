import { describe, expect, it } from 'vitest';
import { niceTop } from '../../renderer/src/components/chart-scale.js';

describe('niceTop', () => {
  it('puts the highest value under a 1, 2 or 5 × 10^k line with some headroom', () => {
    expect(niceTop(818)).toBe(1000);
    expect(niceTop(450)).toBe(500);
    expect(niceTop(470)).toBe(500);
    expect(niceTop(480)).toBe(1000); // 504 with headroom
    expect(niceTop(1)).toBe(2);
    expect(niceTop(3)).toBe(5);
    expect(niceTop(0.3)).toBe(0.5);
  });

  it('gives an empty or broken series a unit axis', () => {
    expect(niceTop(0)).toBe(1);
    expect(niceTop(-5)).toBe(1);
    expect(niceTop(Number.NaN)).toBe(1);
    expect(niceTop(Number.NEGATIVE_INFINITY)).toBe(1);
  });
});
