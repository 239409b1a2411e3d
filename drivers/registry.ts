/**
 * Every backend by name: the vendor CLI drivers and the built-in ones. Lookup accepts a driver's
 * name or any alias, case-insensitively, with `-` and `_` alike (`claude-code` = `claude_code`).
 * Folder backends (MITTELO_BACKENDS_DIR, ./backends) are not listed here: findDriver falls back to
 * drivers/folder.ts, which looks on disk at each lookup.
 */
import type { Driver } from './types.js';
import { normalizeBackendName } from './backend-name.js';
import { claudeCodeDriver } from './claude-code.js';
import { codexDriver } from './codex.js';
import { geminiDriver } from './gemini.js';
import { isKimiCodeVersionOutput, kimiDriver } from './kimi.js';
import { kimiCodeDriver } from './kimi-code.js';
import { kiroDriver } from './kiro.js';
import { opencodeDriver } from './opencode.js';
import { acpDriver } from './acp.js';
import { echoDriver } from './echo.js';
import { FolderBackendError, findFolderBackend, folderDriver } from './folder.js';
import { shellDriver } from './shell.js';
import { tmuxDriver } from './tmux.js';

/** Backends that run in-process or drive a session themselves (echo, shell, tmux, ACP). */
const BUILTIN_DRIVERS: readonly Driver[] = [echoDriver, shellDriver, tmuxDriver, acpDriver];

/** One-shot vendor CLIs, each in its own module. */
const VENDOR_DRIVERS: readonly Driver[] = [claudeCodeDriver, geminiDriver, codexDriver, kiroDriver, kimiDriver, kimiCodeDriver, opencodeDriver];

const DRIVERS: readonly Driver[] = [...BUILTIN_DRIVERS, ...VENDOR_DRIVERS];

export { normalizeBackendName };

function buildIndex(drivers: readonly Driver[]): Map<string, Driver> {
  const index = new Map<string, Driver>();
  for (const driver of drivers) {
    for (const key of [driver.name, ...driver.aliases].map(normalizeBackendName)) {
      const taken = index.get(key);
      if (taken) throw new Error(`backend name "${key}" is claimed by both ${taken.name} and ${driver.name}`);
      index.set(key, driver);
    }
  }
  return index;
}

const INDEX = buildIndex(DRIVERS);

export class UnknownBackendError extends Error {
  readonly code = 'unknown_backend';
  constructor(
    readonly backend: string,
    readonly known: string[],
  ) {
    super(`unknown backend "${backend}"; known backends: ${known.join(', ')}`);
    this.name = 'UnknownBackendError';
  }
}

/**
 * The driver for the CLI actually installed under `driver`'s command: `kimi` is the legacy Python
 * CLI or Kimi Code (2.x), told apart by what `kimi --version` printed. Other drivers are themselves.
 */
export function installedVariant(driver: Driver, versionOutput: string): Driver {
  if (driver === kimiDriver && isKimiCodeVersionOutput(versionOutput)) return kimiCodeDriver;
  if (driver === kimiCodeDriver && versionOutput.trim() !== '' && !isKimiCodeVersionOutput(versionOutput)) return kimiDriver;
  return driver;
}

/** The driver for the npm package a command belongs to, when that is a variant of `driver` (`kimi` from @moonshot-ai/kimi-code). */
export function packageVariant(driver: Driver, npmPackage: string): Driver {
  if ((driver === kimiDriver || driver === kimiCodeDriver) && npmPackage === kimiCodeDriver.npmPackage) return kimiCodeDriver;
  return driver;
}

export function listDrivers(): readonly Driver[] {
  return DRIVERS;
}

/** Names and aliases, as accepted by getDriver, e.g. for `--backend` help and error messages. */
export function knownBackendNames(): string[] {
  return DRIVERS.map((d) => (d.aliases.length > 0 ? `${d.name} (${d.aliases.join(', ')})` : d.name));
}

/** A registered driver first; otherwise a folder backend `<name>/run` found on disk right now. */
export function findDriver(name: string): Driver | undefined {
  return INDEX.get(normalizeBackendName(name)) ?? findFolderDriver(name.trim());
}

function findFolderDriver(name: string): Driver | undefined {
  try {
    return findFolderBackend(name) ? folderDriver(name) : undefined;
  } catch (err) {
    if (err instanceof FolderBackendError) return undefined; // not a plain identifier: cannot be a folder backend
    throw err;
  }
}

/** The driver for a backend name or alias; throws UnknownBackendError listing the known ones. */
export function getDriver(name: string): Driver {
  const driver = findDriver(name);
  if (!driver) throw new UnknownBackendError(name, knownBackendNames());
  return driver;
}
