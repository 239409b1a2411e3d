#!/usr/bin/env node
/**
 * Checks electron-builder.yml the way `electron-builder` itself does before it downloads anything:
 * loads it with electron-builder's own loader and validates it against electron-builder's schema;
 * then checks that the files it packages exist after `npm run build`. Needs no network and no
 * Electron binary; the packaging itself (`npm run dist`) does.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config');
const { DebugLogger } = require('builder-util');

const config = await getConfig(root, path.join(root, 'electron-builder.yml'), null);
await validateConfiguration(config, new DebugLogger(false));
console.log(`electron-builder.yml: valid for electron-builder (appId ${config.appId}, targets linux ${config.linux.target.join('/')}, mac ${config.mac.target}, win ${config.win.target})`);

const needed = ['out/main/index.js', 'out/preload/index.cjs', 'dist/renderer/index.html', 'build/icon.png', 'packs'];
const missing = needed.filter((file) => !fs.existsSync(path.join(root, file)));
if (missing.length > 0) {
  console.error(`missing (run npm run build first): ${missing.join(', ')}`);
  process.exit(1);
}
console.log(`packaged entry points present: ${needed.join(', ')}`);
