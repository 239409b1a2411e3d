/**
 * Readable contrast, measured in the page: every visible text inside `<main>` against the background
 * it is drawn on (semi-transparent layers composited), WCAG AA: 4.5:1, or 3:1 for large text.
 * Disabled controls are left out (WCAG exempts them).
 */
import type { Page } from 'playwright-core';

export async function lowContrast(page: Page, root = 'main'): Promise<string[]> {
  return page.evaluate((rootSelector) => {
    type Rgba = { r: number; g: number; b: number; a: number };
    const parse = (css: string): Rgba | null => {
      const m = /rgba?\(([^)]+)\)/.exec(css);
      if (!m?.[1]) return null;
      const [r = 0, g = 0, b = 0, a = 1] = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
      return { r, g, b, a };
    };
    const over = (top: Rgba, bottom: Rgba): Rgba => ({
      r: top.r * top.a + bottom.r * (1 - top.a),
      g: top.g * top.a + bottom.g * (1 - top.a),
      b: top.b * top.a + bottom.b * (1 - top.a),
      a: 1,
    });
    const luminance = ({ r, g, b }: Rgba) => {
      const f = (v: number) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const background = (el: Element): Rgba => {
      const layers: Rgba[] = [];
      for (let e: Element | null = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c && c.a > 0) {
          layers.push(c);
          if (c.a >= 1) break;
        }
      }
      let result: Rgba = { r: 255, g: 255, b: 255, a: 1 };
      for (const layer of layers.reverse()) result = over(layer, result);
      return result;
    };
    const faded = (el: Element) => {
      for (let e: Element | null = el; e; e = e.parentElement) if (Number(getComputedStyle(e).opacity) < 1) return true;
      return false;
    };
    const problems: string[] = [];
    const rootEl = document.querySelector(rootSelector);
    if (!rootEl) return [`no ${rootSelector}`];
    for (const el of Array.from(rootEl.querySelectorAll('*'))) {
      const text = Array.from(el.childNodes)
        .filter((n) => n.nodeType === Node.TEXT_NODE)
        .map((n) => n.textContent ?? '')
        .join('')
        .trim();
      if (!text || el.getClientRects().length === 0 || el.closest(':disabled, .sr-only') || faded(el)) continue;
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden') continue;
      const color = parse(style.color);
      if (!color) continue;
      const bg = background(el);
      const fg = over(color, bg);
      const [hi, lo] = [luminance(fg), luminance(bg)].sort((x, y) => y - x) as [number, number];
      const ratio = (hi + 0.05) / (lo + 0.05);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) problems.push(`${el.tagName.toLowerCase()}.${el.className || '-'} "${text.slice(0, 40)}": ${ratio.toFixed(2)}:1`);
    }
    return problems;
  }, root);
}
