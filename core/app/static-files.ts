/**
 * The built renderer (dist/renderer) as files for browser mode: paths confined to that folder
 * (no `..`, no symlink out of it), client-side routes answered with index.html, and a page that
 * says how to build the renderer when it is not built.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/** The app's folder: the first one up from here that holds package.json. */
export function appRoot(start = path.dirname(fileURLToPath(import.meta.url))): string | null {
  let dir = start;
  for (let i = 0; i < 8; i++) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
  return null;
}

/** dist/renderer of the app, where `npm run build` puts the renderer. */
export function defaultRendererDir(): string | null {
  const root = appRoot();
  return root ? path.join(root, 'dist', 'renderer') : null;
}

export type StaticAnswer =
  | { kind: 'file'; file: string; type: string; immutable: boolean }
  | { kind: 'not_found' }
  | { kind: 'not_built' };

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Maps a URL path onto a file of `root`; anything that would leave `root` is not found. */
export function resolveStatic(root: string | null, urlPath: string): StaticAnswer {
  if (!root || !isFile(path.join(root, 'index.html'))) return { kind: 'not_built' };
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { kind: 'not_found' };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { kind: 'not_found' };
  const realRoot = fs.realpathSync(root);
  const segments = decoded.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..' || s.startsWith('.'))) return { kind: 'not_found' };
  let file = path.join(realRoot, ...segments);
  if (segments.length === 0 || (!isFile(file) && fs.existsSync(file))) file = path.join(realRoot, 'index.html');
  if (!isFile(file)) {
    // A client-side route (no extension) gets the app; a missing asset is a 404.
    if (path.extname(segments.at(-1) ?? '') !== '') return { kind: 'not_found' };
    file = path.join(realRoot, 'index.html');
  }
  const real = fs.realpathSync(file);
  if (real !== realRoot && !real.startsWith(realRoot + path.sep)) return { kind: 'not_found' };
  const ext = path.extname(real).toLowerCase();
  return { kind: 'file', file: real, type: TYPES[ext] ?? 'application/octet-stream', immutable: segments[0] === 'assets' };
}

export const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Mittelo Control Center</title></head>
<body>
<h1>The app's pages are not built yet</h1>
<p>The server and its API are running, but the pages of the app (the renderer) have not been built on this machine.</p>
<p>In the project folder, run <code>npm run build</code>, then reload this page.</p>
</body></html>
`;
