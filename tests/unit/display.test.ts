/** How numbers read in the app, the reports and the CLI (core/display.ts and the app's lib/format.ts over it). */
import { describe, expect, it } from 'vitest';
import { DASH, formatBeforeAfter, formatChange, formatCost, formatCount, formatMs, formatPlain } from '../../core/display.js';
import { formatAgo, formatTime, formatTokens, formatWhen, runName } from '../../renderer/src/lib/format.js';
import { formatDelta, formatPair, sideRate } from '../../core/compare/format.js';

describe('the dash for a value nobody reported', () => {
  it('is one character, the em dash, never 0', () => {
    expect(DASH).toBe('\u2014');
    for (const unknown of [null, undefined, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(formatCost(unknown)).toBe(DASH);
      expect(formatMs(unknown)).toBe(DASH);
      expect(formatCount(unknown)).toBe(DASH);
      expect(formatPlain(unknown)).toBe(DASH);
      expect(formatChange(unknown, 10, formatMs)).toBe(DASH);
    }
  });

  it('is what the app shows for unknown times, tokens and pass rates', () => {
    expect(formatTime(null)).toBe(DASH);
    expect(formatWhen(undefined)).toBe(DASH);
    expect(formatAgo(null)).toBe(DASH);
    expect(formatTokens(null, undefined)).toBe(DASH);
    expect(formatTokens(1200, null)).toBe('1,200 in / — out');
    expect(sideRate(null)).toBe(DASH);
  });
});

describe('costs', () => {
  it('show 4 decimals under $1, so a per-task cost means something', () => {
    expect(formatCost(0.0031)).toBe('$0.0031');
    expect(formatCost(0.01)).toBe('$0.0100');
    expect(formatCost(0.123456)).toBe('$0.1235');
    expect(formatCost(0.99994)).toBe('$0.9999');
  });

  it('show 2 decimals from $1 up', () => {
    expect(formatCost(1)).toBe('$1.00');
    expect(formatCost(12.345)).toBe('$12.35');
    expect(formatCost(1234.5)).toBe('$1234.50');
  });

  it('show "$0" when free and one significant digit below $0.0001, never a zero for a real cost', () => {
    expect(formatCost(0)).toBe('$0');
    expect(formatCost(0.00002)).toBe('$0.00002');
    expect(formatCost(0.0000004)).toBe('$0.0000004');
  });

  it('carry a minus sign when negative (a change)', () => {
    expect(formatCost(-0.002)).toBe('−$0.0020');
    expect(formatCost(-3)).toBe('−$3.00');
  });
});

describe('durations and counts', () => {
  it('read as ms below a second, s with one decimal below a minute, then min', () => {
    expect(formatMs(0)).toBe('0 ms');
    expect(formatMs(850.4)).toBe('850 ms');
    expect(formatMs(999.6)).toBe('1.0 s');
    expect(formatMs(1530)).toBe('1.5 s');
    expect(formatMs(59_940)).toBe('59.9 s');
    expect(formatMs(59_960)).toBe('1.0 min');
    expect(formatMs(150_000)).toBe('2.5 min');
    expect(formatMs(-300)).toBe('−300 ms');
  });

  it('counts are whole numbers with thousands separators', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(12.6)).toBe('13');
    expect(formatCount(-1500)).toBe('−1,500');
    expect(formatPlain(1234.56)).toBe('1235');
    expect(formatPlain(0.5, 2)).toBe('0.50');
  });
});

describe('changes between two runs', () => {
  it('are signed with their percentage', () => {
    expect(formatChange(300, 25, formatMs)).toBe('+300 ms (+25.0%)');
    expect(formatChange(-0.002, -10, formatCost)).toBe('−$0.0020 (−10.0%)');
    expect(formatChange(0, 0, formatMs)).toBe('±0 ms (0.0%)');
    expect(formatChange(1200, null, formatCount)).toBe('+1,200');
  });

  it('in the reports: nothing for no change, the dash for an unknown side', () => {
    expect(formatDelta({ a: 1200, b: 1500, delta: 300, pct: 25 }, formatMs)).toBe('+300 ms (+25.0%)');
    expect(formatDelta({ a: 1, b: 1, delta: 0, pct: 0 }, formatMs)).toBeNull();
    expect(formatDelta({ a: null, b: 1, delta: null, pct: null }, formatMs)).toBeNull();
    expect(formatPair({ a: null, b: 0.01, delta: null, pct: null }, formatCost)).toBe('— → $0.0100');
    expect(formatBeforeAfter(1200, 1500, formatMs)).toBe('1.2 s → 1.5 s');
  });
});

describe('run names', () => {
  it('are the label, else the id', () => {
    expect(runName({ run_id: 'r1', label: '  nightly ' })).toBe('nightly');
    expect(runName({ run_id: 'r1', label: '   ' })).toBe('r1');
    expect(runName({ run_id: 'r1', label: null })).toBe('r1');
  });
});
