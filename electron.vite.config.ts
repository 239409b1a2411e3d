/**
 * electron-vite builds the two Electron entry points only: the main process (ESM, out/main; the
 * core is bundled in, npm dependencies stay external) and the preload (one CommonJS file with
 * everything inlined, as a sandboxed preload must be). The renderer is built by vite.config.ts into
 * dist/renderer, shared with browser mode.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'electron-vite';

const entry = (file: string) => fileURLToPath(new URL(file, import.meta.url));

export default defineConfig({
  main: {
    build: {
      outDir: entry('./out/main'),
      lib: { entry: entry('./electron/main/index.ts'), formats: ['es'], fileName: () => 'index.js' },
      sourcemap: true,
    },
  },
  preload: {
    build: {
      outDir: entry('./out/preload'),
      lib: { entry: entry('./electron/preload/index.ts'), formats: ['cjs'], fileName: () => 'index.cjs' },
      externalizeDeps: false,
      sourcemap: true,
    },
  },
});
