/**
 * What is installed for one CLI, as the lock sees it: where the binary is, which version it
 * reports, which of a list of flags its help still lists, and how it was installed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { findDriver, listDrivers } from '../../drivers/registry.js';
import { resolveBinary } from '../../drivers/resolve.js';
import type { Driver, ResolvedBinary } from '../../drivers/types.js';
import { checkEngine, engineProblem, type EngineCheck } from '../../drivers/engine.js';
import { probeVersion } from '../agent/backend.js';
import { checkRequiredFlags, type FlagCheck } from '../agent/flag-check.js';
import type { WorkspaceConfig } from '../agent/config.js';
import { HubError, errorMessage } from '../errors.js';
import type { InstallSource } from './file.js';

export interface Observed {
  driver: Driver;
  binary: ResolvedBinary | null;
  /** Why the binary was not found (a configured path that does not exist...), when it was not. */
  not_found: string | null;
  version: string | null;
  /** What the version command printed, for messages when it could not be parsed. */
  version_output: string;
  /** Null when the binary is missing or no flags were asked for. */
  flags: FlagCheck | null;
  /** Its npm package's `engines.node` against the Node it runs on (null: not an npm CLI). */
  engine: EngineCheck | null;
  /** Set when that Node cannot run it: then version is the package's and no flag was checked. */
  engine_problem: string | null;
}

/** The CLIs a lock covers by default: every one-shot vendor driver (they have a binary and a version). */
export function lockableDrivers(): Driver[] {
  return listDrivers().filter((d) => d.kind === 'one-shot' && d.binary !== null);
}

/** The driver for a name given with --backend; it must run a CLI of its own with a version to lock. */
export function lockableDriver(name: string): Driver {
  const driver = findDriver(name);
  if (!driver) throw new HubError('bad_request', `unknown backend "${name}"; lockable CLIs: ${lockableDrivers().map((d) => d.name).join(', ')}`);
  if (!driver.binary || !driver.versionArgs) {
    throw new HubError('bad_request', `backend "${name}" (${driver.name}) runs no CLI of its own with a version, so there is nothing to lock`);
  }
  return driver;
}

export interface ObserveOptions {
  /** Flags to look for in the CLI's help; none skips the help call. */
  flags?: string[];
  config?: WorkspaceConfig;
  env?: NodeJS.ProcessEnv;
}

export async function observeCli(driver: Driver, options: ObserveOptions = {}): Promise<Observed> {
  const observed: Observed = { driver, binary: null, not_found: null, version: null, version_output: '', flags: null, engine: null, engine_problem: null };
  if (!driver.binary) return { ...observed, not_found: `${driver.name} runs no CLI of its own` };
  const configuredPath = options.config?.backends[driver.name]?.binary_path ?? null;
  try {
    observed.binary = await resolveBinary(driver.binary, { configuredPath, env: options.env ?? process.env });
  } catch (err) {
    observed.not_found = errorMessage(err);
  }
  if (!observed.binary) {
    observed.not_found ??= configuredPath
      ? `the configured binary_path ${configuredPath} is not an executable file`
      : `${driver.binary} not found on PATH, the login shell's PATH or the usual install places`;
    return observed;
  }
  observed.engine = checkEngine(observed.binary.path, options.env ?? process.env);
  observed.engine_problem = observed.engine ? engineProblem(driver.binary, observed.engine) : null;
  if (observed.engine_problem) {
    // Its --version and --help would only be the crash of a Node too old for it.
    observed.version = observed.engine?.package_version ?? null;
    return observed;
  }
  const { version, output } = await probeVersion(driver, observed.binary);
  observed.version = version;
  observed.version_output = output;
  const flags = options.flags ?? [];
  if (flags.length > 0) observed.flags = await checkRequiredFlags({ ...driver, requiredFlags: flags }, observed.binary);
  return observed;
}

/** `@scope/name` or `name` after the last node_modules folder of a path, if there is one. */
function npmPackageIn(realPath: string): string | null {
  const parts = realPath.split(path.sep);
  const at = parts.lastIndexOf('node_modules');
  if (at === -1) return null;
  const first = parts[at + 1];
  if (!first) return null;
  if (!first.startsWith('@')) return first;
  const second = parts[at + 2];
  return second ? `${first}/${second}` : null;
}

/** How the binary got there, read from where it really lives (npm's symlink into node_modules, Homebrew's Cellar). */
export function installSourceOf(driver: Driver, binary: ResolvedBinary): InstallSource {
  let real = binary.path;
  try {
    real = fs.realpathSync(binary.path);
  } catch {
    // Keep the path as found.
  }
  const pkg = npmPackageIn(real);
  if (pkg) return { type: 'npm', package: pkg };
  const brew = /[/\\](?:Cellar|Caskroom)[/\\]([^/\\]+)[/\\]/.exec(real);
  if (brew?.[1]) return { type: 'brew', formula: brew[1] };
  if (binary.source === 'homebrew' || /^(\/opt\/homebrew|\/home\/linuxbrew\/\.linuxbrew)\//.test(real)) return { type: 'brew' };
  const upstream = driver.npmPackage ? `; the CLI is published on npm as ${driver.npmPackage}` : '';
  return { type: 'other', note: `binary at ${real}${upstream}` };
}
