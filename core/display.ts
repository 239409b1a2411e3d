/**
 * How a number reads wherever a person sees it: the app, the text and HTML reports, the CLI. One
 * dash for a value nobody reported (unknown is never shown as 0), one money rule, one duration rule;
 * and how a system test's containment and its writes outside the workdir read (app and HTML reports).
 * Pure and import-free (eslint.config.js holds it to that), so the renderer may import it beside the
 * contract, core/api.ts.
 */

/** A value that was not reported (a CLI without cost, a side of a comparison that has no task). */
export const DASH = '—';

/** The minus sign of negative amounts and changes (U+2212, not the hyphen: it lines up with +). */
export const MINUS = '−';

export function isKnown(value: number | null | undefined): value is number {
  return value !== null && value !== undefined && Number.isFinite(value);
}

function signOf(value: number): string {
  return value < 0 ? MINUS : '';
}

/**
 * US dollars: 2 decimals from $1 up ("$12.50"), 4 below so a per-task cost means something
 * ("$0.0031"), and one significant digit below $0.0001 ("$0.00002") so a cost is never shown as
 * zero; "$0" when it was free.
 */
export function formatCost(usd: number | null | undefined): string {
  if (!isKnown(usd)) return DASH;
  if (usd === 0) return '$0';
  const size = Math.abs(usd);
  const decimals = size >= 1 ? 2 : size >= 0.0001 ? 4 : Math.min(20, -Math.floor(Math.log10(size)));
  return `${signOf(usd)}$${size.toFixed(decimals)}`;
}

/** A duration: "850 ms" below a second, "1.2 s" below a minute, "2.5 min" from there. */
export function formatMs(ms: number | null | undefined): string {
  if (!isKnown(ms)) return DASH;
  const size = Math.abs(ms);
  if (Math.round(size) < 1_000) return `${signOf(Math.round(ms))}${Math.round(size)} ms`;
  if (size < 59_950) return `${signOf(ms)}${(size / 1_000).toFixed(1)} s`;
  return `${signOf(ms)}${(size / 60_000).toFixed(1)} min`;
}

/** A count with thousands separators: "12,345" (rounded to a whole number). */
export function formatCount(value: number | null | undefined): string {
  if (!isKnown(value)) return DASH;
  const whole = Math.round(value);
  return `${signOf(whole)}${Math.abs(whole).toLocaleString('en-US')}`;
}

/**
 * A signed change and its percentage: "+300 ms (+25.0%)", "−$0.0020 (−10.0%)", "±0 ms"; the dash
 * when either side was not reported. `unit` formats the size of the change.
 */
export function formatChange(delta: number | null | undefined, pct: number | null | undefined, unit: (size: number) => string): string {
  if (!isKnown(delta)) return DASH;
  const sign = delta > 0 ? '+' : delta < 0 ? MINUS : '±';
  const pctText = isKnown(pct) ? ` (${pct > 0 ? '+' : signOf(pct)}${Math.abs(pct).toFixed(1)}%)` : '';
  return `${sign}${unit(Math.abs(delta))}${pctText}`;
}

/** "A → B" with the dash for a side that was not reported: "1.2 s → 1.5 s", "— → $0.0100". */
export function formatBeforeAfter(a: number | null | undefined, b: number | null | undefined, unit: (value: number) => string): string {
  const side = (value: number | null | undefined) => (isKnown(value) ? unit(value) : DASH);
  return `${side(a)} → ${side(b)}`;
}

/** A plain number for a column whose header names the unit ("p50 ms"): "1234", the dash when unknown. */
export function formatPlain(value: number | null | undefined, decimals = 0): string {
  return isKnown(value) ? value.toFixed(decimals) : DASH;
}

/** How a system test was kept inside its workdir (the artifact's `workspace.isolation.mode`). */
export type IsolationMode = 'contained' | 'detected_only';

const ISOLATION_TEXT: Record<IsolationMode, string> = {
  contained: 'Contained: the agent could write only its workdir',
  detected_only: 'Not contained here: writes outside the workdir are found after the task',
};

/** One sentence on the containment: the artifact's `{mode, detail}`, or a compared side's mode; null for older runs. */
export function isolationText(isolation: { mode: IsolationMode; detail?: string } | IsolationMode | null | undefined): string | null {
  if (!isolation) return null;
  if (typeof isolation === 'string') return `${ISOLATION_TEXT[isolation]}.`;
  return `${ISOLATION_TEXT[isolation.mode]}${isolation.detail ? ` (${isolation.detail})` : ''}.`;
}

/** A workspace's record of what left the workdir: words, and the paths written or refused outside it. */
export interface OutsideRecord {
  outside: string[];
  wrote_outside?: string[] | undefined;
  refused_outside?: string[] | undefined;
}

/**
 * What left the workdir, one line each: the artifact's words (`outside`, which name each path with
 * where it went), then any written or refused path those words do not name (an agent that sent the
 * lists only), so an outside write is never left unshown.
 */
export function outsideLines(ws: OutsideRecord): string[] {
  const named = (p: string) => ws.outside.some((line) => line === p || line.startsWith(`${p} (`));
  return [
    ...ws.outside,
    ...(ws.wrote_outside ?? []).filter((p) => !named(p)).map((p) => `${p} (written outside the workdir)`),
    ...(ws.refused_outside ?? []).filter((p) => !named(p)).map((p) => `${p} (refused: the task was contained)`),
  ];
}
