/**
 * `lock write`: records this machine's CLIs as the known-good state. A CLI is locked only when it is
 * installed, reports a version we can read and still lists every flag its driver relies on;
 * anything else is left out with the reason, so the lock never pins a setup that does not work.
 */
import os from 'node:os';
import { resolveModel } from '../../drivers/model.js';
import { installedVariant, packageVariant } from '../../drivers/registry.js';
import type { Driver } from '../../drivers/types.js';
import { mapLimit } from '../agent/backend-check.js';
import type { WorkspaceConfig } from '../agent/config.js';
import { LOCK_FORMAT_VERSION, readLock, type LockEntry, type LockFile } from './file.js';
import { installSourceOf, lockableDriver, lockableDrivers, observeCli } from './inspect.js';

export interface RecordOptions {
  workspace: string;
  /** Only these backends (names or aliases); default every vendor CLI driver. */
  backends?: string[];
  config: WorkspaceConfig;
  env?: NodeJS.ProcessEnv;
  now?: Date;
}

export interface LeftOut {
  cli: string;
  reason: string;
}

export interface RecordResult {
  lock: LockFile;
  left_out: LeftOut[];
}

function uniqueDrivers(names: string[] | undefined): Driver[] {
  if (!names || names.length === 0) return lockableDrivers();
  const drivers = new Map<string, Driver>();
  for (const name of names) {
    const driver = lockableDriver(name);
    drivers.set(driver.name, driver);
  }
  return [...drivers.values()];
}

async function entryFor(driver: Driver, options: RecordOptions, previous: LockEntry | undefined): Promise<LockEntry | LeftOut> {
  const env = options.env ?? process.env;
  const observed = await observeCli(driver, { flags: driver.requiredFlags, config: options.config, env });
  if (!observed.binary) return { cli: driver.name, reason: `not installed: ${observed.not_found ?? 'binary not found'}` };
  const installed = observed.engine ? packageVariant(driver, observed.engine.package) : installedVariant(driver, observed.version_output);
  if (installed !== driver) {
    return { cli: driver.name, reason: `the installed ${driver.binary} (${observed.binary.path}) is the ${installed.name} CLI: it is locked as ${installed.name}` };
  }
  if (observed.engine_problem) return { cli: driver.name, reason: observed.engine_problem };
  if (!observed.version) {
    return { cli: driver.name, reason: `${observed.binary.path} ${driver.versionArgs?.join(' ') ?? ''} printed no version we understand: ${observed.version_output.slice(0, 120) || '(nothing)'}` };
  }
  const flags = observed.flags;
  if (flags?.error) return { cli: driver.name, reason: `cannot check its flags: ${flags.error}` };
  if (flags && flags.missing.length > 0) {
    return { cli: driver.name, reason: `${observed.version} lacks ${flags.missing.join(' ')} in \`${flags.help_argv.join(' ')}\`: this driver cannot run it` };
  }
  // A model from the config or MITTELO_<NAME>_MODEL wins; else a model pinned by hand in the old lock stays.
  const model = resolveModel({ backend: driver.name, driver, explicit: options.config.backends[driver.name]?.model ?? null, env }) ?? previous?.model;
  const entry: LockEntry = {
    name: driver.name,
    binary: driver.binary ?? undefined,
    source: installSourceOf(driver, observed.binary),
    version: observed.version,
    flags: [...driver.requiredFlags],
  };
  if (model) entry.model = model;
  return entry;
}

/** Probes every CLI asked for (in parallel) and builds the lock; does not write it. */
export async function recordLock(options: RecordOptions): Promise<RecordResult> {
  const drivers = uniqueDrivers(options.backends);
  let previous: LockFile | null = null;
  try {
    previous = readLock(options.workspace);
  } catch {
    // A broken old lock is simply replaced.
  }
  const results = await mapLimit(drivers, 4, (driver) => entryFor(driver, options, previous?.clis.find((e) => e.name === driver.name)));
  const clis = results.filter((r): r is LockEntry => 'version' in r);
  const leftOut = results.filter((r): r is LeftOut => 'reason' in r);
  const lock: LockFile = {
    lock_version: LOCK_FORMAT_VERSION,
    written_at: (options.now ?? new Date()).toISOString(),
    host: os.hostname(),
    clis,
    notes: leftOut.map((l) => `${l.cli} left out: ${l.reason}`),
  };
  return { lock, left_out: leftOut };
}
