/**
 * The y axis top of a chart: the data's maximum with some headroom, rounded up to 1, 2 or 5 × 10^k,
 * so the highest point sits under a labelled grid line instead of on the frame.
 */
export function niceTop(max: number): number {
  if (!Number.isFinite(max) || max <= 0) return 1;
  const padded = max * 1.05;
  const magnitude = 10 ** Math.floor(Math.log10(padded));
  const step = [1, 2, 5, 10].find((m) => m * magnitude >= padded) ?? 10;
  return step * magnitude;
}
