#!/usr/bin/env node
/**
 * `npm run dist`, step 2: copies what the desktop app ships into app-stage/ (electron-builder's
 * `directories.app`): the built entry points, the renderer, packs and docs, a package.json with the
 * runtime dependencies, and those dependencies copied from ./node_modules exactly as tested. The
 * native module is then rebuilt for Electron inside app-stage/ only (scripts/electron-rebuild.mjs),
 * so ./node_modules keeps the Node build the CLI and the tests use.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stage = path.join(root, 'app-stage');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

const built = ['out/main/index.js', 'out/preload/index.cjs', 'dist/renderer/index.html'];
const missing = built.filter((file) => !fs.existsSync(path.join(root, file)));
if (missing.length > 0) {
  console.error(`stage-app: ${missing.join(', ')} missing; run npm run build first`);
  process.exit(1);
}

fs.rmSync(stage, { recursive: true, force: true });
fs.mkdirSync(stage);
const copy = (from, to = from) => fs.cpSync(path.join(root, from), path.join(stage, to), { recursive: true, filter: (src) => !src.endsWith('.map') });
copy('out');
copy('dist/renderer');
copy('docs');
fs.mkdirSync(path.join(stage, 'packs'));
for (const file of fs.readdirSync(path.join(root, 'packs')).filter((n) => n.endsWith('.jsonl'))) copy(path.join('packs', file));

const manifest = {
  name: pkg.name,
  productName: 'Mittelo Control Center',
  version: pkg.version,
  description: pkg.description,
  license: pkg.license,
  author: 'Mittelo',
  type: 'module',
  main: 'out/main/index.js',
  dependencies: pkg.dependencies,
};
fs.writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);

// The runtime dependency tree as npm resolved it here (no devDependencies), copied folder by folder.
const listed = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  .split('\n')
  .map((line) => line.trim())
  .filter((dir) => dir.startsWith(path.join(root, 'node_modules') + path.sep));
for (const dir of listed) {
  const rel = path.relative(root, dir);
  fs.cpSync(dir, path.join(stage, rel), { recursive: true, dereference: true, filter: (src) => !src.includes(`${path.sep}node_modules${path.sep}.bin`) });
}
console.log(`stage-app: app-stage/ holds the app and ${listed.length} runtime packages`);
