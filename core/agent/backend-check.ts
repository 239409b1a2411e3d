/**
 * The full check of one backend for `backend-check` and `backends`: preflight (binary, version,
 * credentials, required options) plus the required flags read from the CLI's own help, and the
 * list of every backend this machine knows (drivers, their aliases, folder backends).
 */
import { listFolderBackends, type FolderLookup } from '../../drivers/folder.js';
import { listDrivers, normalizeBackendName } from '../../drivers/registry.js';
import type { Driver } from '../../drivers/types.js';
import { preflight, type BackendSpec, type CheckStatus, type Preflight } from './backend.js';
import { checkRequiredFlags, missingFlagMessage, type FlagCheck } from './flag-check.js';

export interface BackendReport extends Preflight {
  aliases: string[];
  kind: 'built-in' | 'vendor' | 'folder';
  /** The CLI version the driver was verified against, when it says. */
  verified_version: string | null;
  /** Null when there is nothing to check (no required flags, or no binary was found). */
  flags: FlagCheck | null;
}

/** Exit status of `backend-check`: 0 only when ok. */
export const EXIT_CODES: Record<CheckStatus, number> = { ok: 0, fail: 1, warn: 2 };

/** The registered driver (not a folder backend) a name or alias stands for. */
function registeredDriver(name: string): Driver | undefined {
  const key = normalizeBackendName(name);
  return listDrivers().find((d) => [d.name, ...d.aliases].some((n) => normalizeBackendName(n) === key));
}

export async function checkBackend(spec: BackendSpec, env: NodeJS.ProcessEnv = process.env): Promise<BackendReport> {
  const report: BackendReport = { ...(await preflight(spec, env)), aliases: [], kind: 'folder', verified_version: null, flags: null };
  const registered = registeredDriver(spec.name);
  if (!registered) return report;
  report.aliases = registered.aliases;
  report.kind = registered.kind === 'one-shot' ? 'vendor' : 'built-in';
  report.verified_version = registered.verifiedVersion ?? null;
  // The flags of the CLI that is installed (preflight may have switched `kimi` to Kimi Code).
  const used = (report.driver ? registeredDriver(report.driver) : undefined) ?? registered;
  report.verified_version = used.verifiedVersion ?? null;
  if (!report.binary || !used.binary || used.requiredFlags.length === 0) return report;
  // A CLI this Node cannot start has no help to read; preflight already said why.
  if (report.engine && !report.engine.ok) return report;

  const flags = await checkRequiredFlags(used, report.binary);
  report.flags = flags;
  if (flags.error) report.problems.push(`cannot check the flags this driver relies on: ${flags.error}`);
  for (const flag of flags.missing) report.problems.push(missingFlagMessage(flag, used.binary, flags.help_argv.slice(1)));
  if (flags.error || flags.missing.length > 0) report.status = 'fail';
  return report;
}

/**
 * Every backend name worth a row: each registered driver by its name, an alias when the config has
 * its own settings for it (it may point at another binary), and every folder backend not hidden by
 * a driver of the same name.
 */
export function allBackendNames(configured: string[] = [], lookup: FolderLookup = {}): string[] {
  const names: string[] = [];
  for (const driver of listDrivers()) {
    names.push(driver.name);
    for (const alias of driver.aliases) if (configured.includes(alias)) names.push(alias);
  }
  const taken = new Set(listDrivers().flatMap((d) => [d.name, ...d.aliases].map(normalizeBackendName)));
  for (const folder of listFolderBackends(lookup)) if (!taken.has(normalizeBackendName(folder.name))) names.push(folder.name);
  return names;
}

/** Runs `work` over `items` with at most `limit` at once, keeping the order of the results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
