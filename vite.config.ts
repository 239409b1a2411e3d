/**
 * Builds the renderer (renderer/ → dist/renderer/). `base: './'` keeps every asset URL relative, so
 * the same build loads from file:// in Electron and from / in browser mode (`mittelo serve`).
 * `npm run dev:renderer` proxies /api to a running `mittelo serve` (MITTELO_SERVE_URL).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

const repo = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(repo, 'renderer');
const serveUrl = process.env.MITTELO_SERVE_URL ?? 'http://127.0.0.1:8780';

/**
 * STYLE: the renderer reaches core only through the contract, plus core/display.ts (how numbers read,
 * pure and import-free: eslint.config.js) and core/highlight/ (syntax colours of diffs, pure code the
 * server's reports share); type-only imports vanish before this runs.
 */
function contractOnly(): Plugin {
  const allowed = new Set([path.join(repo, 'core', 'api.ts'), path.join(repo, 'core', 'display.ts')]);
  const shared = path.join(repo, 'core', 'highlight') + path.sep;
  return {
    name: 'mittelo-contract-only',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (!importer || !importer.startsWith(root + path.sep)) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      const file = resolved?.id.split('?')[0] ?? '';
      const inCore = file.startsWith(path.join(repo, 'core') + path.sep) || file.startsWith(path.join(repo, 'drivers') + path.sep);
      if (inCore && !allowed.has(file) && !file.startsWith(shared)) {
        this.error(`${path.relative(repo, importer)} imports ${path.relative(repo, file)}: the renderer may only import core/api.ts, core/display.ts and core/highlight/`);
      }
      return resolved;
    },
  };
}

export default defineConfig({
  root,
  base: './',
  plugins: [contractOnly(), react()],
  build: {
    outDir: path.join(repo, 'dist', 'renderer'),
    emptyOutDir: true,
    target: 'chrome120',
    sourcemap: true,
  },
  server: { proxy: { '/api': { target: serveUrl, changeOrigin: false } } },
});
