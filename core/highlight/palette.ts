/**
 * The colours of highlighted code, one table for the app (renderer/src/components/highlight.css,
 * checked against this by a unit test) and the self-contained HTML reports (CSS embedded). Each pair
 * meets WCAG AA (4.5:1) on the diff's plain, added and removed line backgrounds of its theme.
 */

interface Swatch {
  /** CSS custom property holding the colour. */
  name: string;
  light: string;
  dark: string;
  /** highlight.js classes drawn in it. */
  classes: string[];
}

export const PALETTE: Swatch[] = [
  { name: '--hl-keyword', light: '#a40e26', dark: '#ff7b72', classes: ['hljs-keyword', 'hljs-doctag', 'hljs-template-tag', 'hljs-selector-tag'] },
  { name: '--hl-string', light: '#0a3069', dark: '#a5d6ff', classes: ['hljs-string', 'hljs-regexp', 'hljs-code', 'hljs-link'] },
  { name: '--hl-constant', light: '#0550ae', dark: '#79c0ff', classes: ['hljs-number', 'hljs-literal', 'hljs-built_in', 'hljs-symbol', 'hljs-variable', 'hljs-attr', 'hljs-selector-attr', 'hljs-selector-class', 'hljs-selector-id', 'hljs-operator'] },
  { name: '--hl-title', light: '#6639ba', dark: '#d2a8ff', classes: ['hljs-title', 'hljs-section'] },
  { name: '--hl-type', light: '#953800', dark: '#ffa657', classes: ['hljs-type', 'hljs-params', 'hljs-property', 'hljs-attribute', 'hljs-template-variable'] },
  { name: '--hl-comment', light: '#57606a', dark: '#9da7b3', classes: ['hljs-comment', 'hljs-quote'] },
  { name: '--hl-tag', light: '#116329', dark: '#7ee787', classes: ['hljs-name', 'hljs-tag', 'hljs-bullet', 'hljs-selector-pseudo', 'hljs-meta'] },
];

/** Rules that need no colour of their own. */
const SHAPES = ['.hljs-comment, .hljs-quote, .hljs-emphasis { font-style: italic; }', '.hljs-strong, .hljs-section { font-weight: 600; }', '.hljs-link { text-decoration: underline; }', '.hljs-subst { color: inherit; }'];

const variables = (theme: 'light' | 'dark') => PALETTE.map((s) => `${s.name}: ${s[theme]};`).join(' ');

/**
 * The palette as CSS: the colours as custom properties under `light` and `dark` (each a selector, or
 * for `dark` an at-rule wrapping a selector), then one rule per swatch.
 */
export function paletteCss(themes: { light: string; dark: string }): string {
  const dark = themes.dark.startsWith('@') ? `${themes.dark} { :root { ${variables('dark')} } }` : `${themes.dark} { ${variables('dark')} }`;
  return [`${themes.light} { ${variables('light')} }`, dark, ...PALETTE.map((s) => `${s.classes.map((c) => `.${c}`).join(', ')} { color: var(${s.name}); }`), ...SHAPES].join('\n');
}
