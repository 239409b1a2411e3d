/** The one entry point the CLI (and an export button) calls: a comparison as text, JSON or HTML. */
import { renderHtml } from './render-html.js';
import { renderText } from './render-text.js';
import type { Comparison, RenderOptions } from './types.js';

/** Text has no trailing line break (the caller adds one); JSON is the Comparison object as is. */
export function renderComparison(c: Comparison, options: RenderOptions): string {
  switch (options.format) {
    case 'json':
      return JSON.stringify(c, null, 2);
    case 'html':
      return renderHtml(c);
    case 'text':
      return renderText(c, { color: options.color });
  }
}

/** Colour for a stream that is a terminal, unless NO_COLOR is set (https://no-color.org) or FORCE_COLOR asks for it anyway. */
export function shouldUseColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}
