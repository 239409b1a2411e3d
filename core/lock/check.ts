/**
 * The drift report: each locked CLI compared with what is installed (missing, older, newer,
 * different, flag_missing, node_too_old or ok), plus installed CLIs the lock does not cover (unlocked).
 * `lockState` gives runs the same answer in the shape they record.
 */
import { normalizeBackendName } from '../../drivers/registry.js';
import { loadWorkspaceConfig, type WorkspaceConfig } from '../agent/config.js';
import { mapLimit } from '../agent/backend-check.js';
import type { LockEntryState } from '../runs/types.js';
import { lockPath, readLock, reinstallHint, type LockEntry } from './file.js';
import { lockableDriver, lockableDrivers, observeCli, type Observed } from './inspect.js';
import { compareVersions } from './semver.js';

export const DRIFT_STATUSES = ['ok', 'missing', 'older', 'newer', 'different', 'flag_missing', 'node_too_old', 'unlocked'] as const;
export type DriftStatus = (typeof DRIFT_STATUSES)[number];

/** The statuses that fail `lock check` (and doctor, for a locked CLI). `unlocked` is information only. */
export function isDrift(status: DriftStatus): boolean {
  return status !== 'ok' && status !== 'unlocked';
}

export interface DriftEntry {
  cli: string;
  status: DriftStatus;
  locked_version: string | null;
  installed_version: string | null;
  binary_path: string | null;
  /** Locked flags the installed CLI's help no longer lists. */
  missing_flags: string[];
  /** One line in plain words. */
  message: string;
  /** How to get back to the lock, when there is a drift to undo. */
  fix: string | null;
}

export interface DriftReport {
  lock_file: string;
  written_at: string;
  ok: boolean;
  entries: DriftEntry[];
}

/** The version half of the comparison: ok, older, newer or different (unparseable either side). */
function versionStatus(locked: string, installed: string | null): 'ok' | 'older' | 'newer' | 'different' {
  if (installed === null) return 'different';
  if (installed === locked) return 'ok';
  const order = compareVersions(installed, locked);
  if (order === null) return 'different';
  return order === 0 ? 'ok' : order < 0 ? 'older' : 'newer';
}

const VERSION_WORDS = { older: 'older than', newer: 'newer than', different: 'not comparable with' } as const;

/**
 * How to get back to the lock. A CLI whose path was set by hand is not the one a global install
 * would replace: say to put the locked version at that path (or point the path at one).
 */
function fixHint(entry: LockEntry, observed: Observed): string {
  const usual = reinstallHint(entry);
  if (observed.binary?.source !== 'configured') return usual;
  return `its path was set by hand (${observed.binary.path}): install ${entry.version} there, or set the path to a ${entry.version} install (Backends page, Settings, Path to the CLI). Clearing the path uses the usual install instead: ${usual}`;
}

/** Compares one lock entry with what was observed; pure, so doctor can reuse it on its own probes. */
export function driftOf(entry: LockEntry, observed: Observed): DriftEntry {
  const base = {
    cli: entry.name,
    locked_version: entry.version,
    installed_version: observed.version,
    binary_path: observed.binary?.path ?? null,
    missing_flags: [] as string[],
  };
  const fix = fixHint(entry, observed);
  if (!observed.binary) {
    return { ...base, status: 'missing', message: `not installed (${observed.not_found ?? 'binary not found'}); locked at ${entry.version}`, fix };
  }
  if (observed.engine_problem) {
    const requires = observed.engine?.requires ?? 'the Node its package.json asks for';
    return { ...base, status: 'node_too_old', message: observed.engine_problem, fix: `install a Node that satisfies ${requires} and put it first on PATH` };
  }
  const version = versionStatus(entry.version, observed.version);
  const versionText =
    version === 'ok'
      ? `${entry.version} as locked`
      : observed.version === null
        ? `version unreadable (${observed.version_output.slice(0, 120) || 'no output'}); locked ${entry.version}`
        : `installed ${observed.version} is ${VERSION_WORDS[version]} locked ${entry.version}`;
  const flags = observed.flags;
  if (flags && (flags.error || flags.missing.length > 0)) {
    const missing = flags.error ? entry.flags : flags.missing;
    const why = flags.error ? `cannot read its help: ${flags.error}` : `${missing.join(' ')} missing from \`${flags.help_argv.join(' ')}\``;
    return { ...base, status: 'flag_missing', missing_flags: missing, message: `${why}; ${versionText}`, fix };
  }
  return { ...base, status: version, message: versionText, fix: version === 'ok' ? null : fix };
}

export interface CheckOptions {
  workspace?: string;
  /** Per-backend settings (binary_path); default mittelo.config.json of the workspace. */
  config?: WorkspaceConfig;
  env?: NodeJS.ProcessEnv;
}

const PARALLEL = 4;

/** The drift report of a workspace's lock, or null when it has no lock file. */
export async function checkLock(options: CheckOptions = {}): Promise<DriftReport | null> {
  const workspace = options.workspace ?? process.cwd();
  const lock = readLock(workspace);
  if (!lock) return null;
  const config = options.config ?? loadWorkspaceConfig(undefined, workspace);
  const env = options.env ?? process.env;

  const locked = await mapLimit(lock.clis, PARALLEL, async (entry) => driftOf(entry, await observeCli(lockableDriver(entry.name), { flags: entry.flags, config, env })));
  const lockedNames = new Set(lock.clis.map((e) => normalizeBackendName(lockableDriver(e.name).name)));
  const others = lockableDrivers().filter((d) => !lockedNames.has(normalizeBackendName(d.name)));
  const found = await mapLimit(others, PARALLEL, (driver) => observeCli(driver, { config, env }));
  const unlocked: DriftEntry[] = found
    .filter((o) => o.binary !== null)
    .map((o) => ({
      cli: o.driver.name,
      status: 'unlocked',
      locked_version: null,
      installed_version: o.version,
      binary_path: o.binary?.path ?? null,
      missing_flags: [],
      message: `installed (${o.version ?? 'version unknown'}) but not in the lock`,
      fix: null,
    }));
  const entries = [...locked, ...unlocked];
  return { lock_file: lockPath(workspace), written_at: lock.written_at, ok: !entries.some((e) => isDrift(e.status)), entries };
}

/** The lock as it stands on this machine, for a run to record; null when the workspace has no lock. */
export async function lockState(options: CheckOptions = {}): Promise<LockEntryState[] | null> {
  const report = await checkLock(options);
  if (!report) return null;
  return report.entries.map((e) => ({
    cli: e.cli,
    locked_version: e.locked_version,
    installed_version: e.installed_version,
    status: e.status,
  }));
}
