/**
 * A hash router: `#/tasks?task=12`. Hash URLs work the same from file:// (Electron) and from a
 * server (browser mode), and need no server-side routes.
 */
import { useSyncExternalStore } from 'react';

export interface Location {
  path: string;
  params: URLSearchParams;
}

export type Params = Record<string, string | number | null | undefined>;

function subscribe(listener: () => void): () => void {
  window.addEventListener('hashchange', listener);
  return () => window.removeEventListener('hashchange', listener);
}

const currentHash = () => window.location.hash;

export function parseHash(hash: string): Location {
  const raw = hash.replace(/^#/, '') || '/';
  const [path = '/', query = ''] = raw.split('?', 2);
  return { path: path.startsWith('/') ? path : `/${path}`, params: new URLSearchParams(query) };
}

export function hrefFor(path: string, params: Params = {}): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== null && value !== undefined && value !== '') query.set(key, String(value));
  const search = query.toString();
  return `#${path}${search ? `?${search}` : ''}`;
}

export function useLocation(): Location {
  const hash = useSyncExternalStore(subscribe, currentHash);
  return parseHash(hash);
}

/** `replace` for state that should not fill the history (the selected row, say). */
export function navigate(path: string, params: Params = {}, options: { replace?: boolean } = {}): void {
  const href = hrefFor(path, params);
  if (options.replace) {
    window.history.replaceState(null, '', href);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else window.location.hash = href;
}
