/**
 * electron-builder's beforeBuild hook: rebuilds the native module (better-sqlite3) for Electron's
 * ABI inside the staged app only (buildPath and projectRootPath both app-stage/), then tells
 * electron-builder the dependencies are handled, so it never rebuilds ./node_modules.
 * Needs Electron's headers (downloaded by @electron/rebuild) and a C++ toolchain, at package time.
 */
import { rebuild } from '@electron/rebuild';

export default async function beforeBuild({ appDir, electronVersion, arch }) {
  console.log(`rebuilding better-sqlite3 for Electron ${electronVersion} (${arch}) in ${appDir}`);
  await rebuild({ buildPath: appDir, projectRootPath: appDir, electronVersion, arch, onlyModules: ['better-sqlite3'], force: true, mode: 'sequential' });
  return false;
}
