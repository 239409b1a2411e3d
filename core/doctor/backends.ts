/**
 * Doctor's per-backend part: the full backend check (binary and how it was found, version, the
 * driver's flags in the real --help, auth hints), the CLI's standing against the lock, and with
 * --live one real prompt through the driver with the user's own credentials.
 */
import fs from 'node:fs';
import { engineProblem } from '../../drivers/engine.js';
import { resolveModel } from '../../drivers/model.js';
import { runOneShot } from '../../drivers/one-shot.js';
import type { RunResult } from '../../drivers/run/types.js';
import type { Driver, DriverOutcome, ExecuteContext } from '../../drivers/types.js';
import { driverFor, type BackendSpec } from '../agent/backend.js';
import { checkBackend, mapLimit, type BackendReport } from '../agent/backend-check.js';
import { specFromSettings, type WorkspaceConfig } from '../agent/config.js';
import { checkRequiredFlags, type FlagCheck } from '../agent/flag-check.js';
import { errorMessage } from '../errors.js';
import { driftOf, isDrift, type DriftEntry } from '../lock/check.js';
import type { LockEntry, LockFile } from '../lock/file.js';
import { lockableDrivers } from '../lock/inspect.js';
import type { DoctorBackend, LiveResult } from './types.js';

export const LIVE_PROMPT = 'ping';
const PARALLEL_CHECKS = 4;

export interface BackendCheckOptions {
  /** Backends named with --backend: only these are checked, and all are required. */
  named: string[];
  lock: LockFile | null;
  config: WorkspaceConfig;
  live: boolean;
  liveTimeoutMs: number;
  env?: NodeJS.ProcessEnv;
}

/** Named backends, else every vendor CLI plus whatever the lock holds. */
function backendNames(options: BackendCheckOptions): string[] {
  if (options.named.length > 0) return [...new Set(options.named)];
  return [...new Set([...lockableDrivers().map((d) => d.name), ...(options.lock?.clis.map((e) => e.name) ?? [])])];
}

/** The driver's flag check narrowed to the locked flags, when it already covers them; else null (check again). */
function lockedFlags(entry: LockEntry, check: FlagCheck | null): FlagCheck | null {
  if (!check) return null;
  if (check.error) return check;
  const seen = new Set([...check.present, ...check.missing]);
  if (!entry.flags.every((f) => seen.has(f))) return null;
  return { ...check, present: entry.flags.filter((f) => check.present.includes(f)), missing: entry.flags.filter((f) => check.missing.includes(f)) };
}

async function lockStanding(report: BackendReport, driver: Driver, lock: LockFile | null): Promise<DriftEntry | null> {
  if (!lock) return null;
  const entry = lock.clis.find((e) => e.name === driver.name);
  if (!entry) {
    if (!report.binary) return null;
    return {
      cli: driver.name,
      status: 'unlocked',
      locked_version: null,
      installed_version: report.version,
      binary_path: report.binary.path,
      missing_flags: [],
      message: 'installed but not in the lock',
      fix: null,
    };
  }
  let flags = lockedFlags(entry, report.flags);
  if (!flags && report.binary && entry.flags.length > 0) flags = await checkRequiredFlags({ ...driver, requiredFlags: entry.flags }, report.binary);
  return driftOf(entry, {
    driver,
    binary: report.binary,
    not_found: report.problems[0] ?? null,
    version: report.version,
    version_output: '',
    flags,
    engine: report.engine,
    engine_problem: report.engine ? engineProblem(driver.binary ?? driver.name, report.engine) : null,
  });
}

function cleanUp(result: RunResult): void {
  for (const dir of [result.workdir, result.home]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

/** One real prompt, HOME not sandboxed (the CLI must find its own login), bounded by a short timeout. */
export async function liveProbe(driver: Driver, report: BackendReport, spec: BackendSpec, timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<LiveResult> {
  const call = {
    prompt: LIVE_PROMPT,
    model: resolveModel({ backend: spec.name, driver, explicit: spec.model ?? null, env }),
    toolPolicy: 'none' as const,
    options: spec.options ?? {},
  };
  const ctx: ExecuteContext = { call, run: { timeoutMs, sandboxHome: false, killGraceMs: 1000 }, binary: report.binary };
  const started = Date.now();
  let outcome: DriverOutcome;
  try {
    const ran = driver.kind === 'one-shot' ? await runOneShot(driver, ctx) : await driver.execute(ctx);
    cleanUp(ran.result);
    outcome = ran.outcome;
  } catch (err) {
    outcome = { ok: false, failure: 'crashed', message: `the driver failed: ${errorMessage(err)}` };
  }
  const duration = Date.now() - started;
  if (outcome.ok) return { sent: true, ok: true, failure: null, message: outcome.output.answer.trim().slice(0, 200), duration_ms: duration };
  return { sent: true, ok: false, failure: outcome.failure, message: outcome.message.trim().slice(0, 500), duration_ms: duration };
}

async function checkOne(name: string, options: BackendCheckOptions): Promise<DoctorBackend> {
  const env = options.env ?? process.env;
  const spec = specFromSettings(name, options.config.backends[name]);
  const report = await checkBackend(spec, env);
  const requiredBecause: DoctorBackend['required_because'] = [];
  if (options.named.includes(name)) requiredBecause.push('named');
  let driver: Driver | null = null;
  try {
    driver = driverFor(name, env);
  } catch {
    // Unknown backend: checkBackend already says so in its problems.
  }
  if (driver && options.lock?.clis.some((e) => e.name === driver.name)) requiredBecause.push('lock');
  const result: DoctorBackend = { ...report, required: requiredBecause.length > 0, required_because: requiredBecause, lock: null, live: null };
  if (!driver) return result;

  result.lock = await lockStanding(report, driver, options.lock);
  if (result.lock && isDrift(result.lock.status) && result.lock.status !== 'missing') {
    // `missing` is already the binary-not-found problem; other drift is new information.
    result.problems.push(`lock: ${result.lock.status}: ${result.lock.message}`);
    result.status = 'fail';
  }
  if (options.live) {
    if (report.status === 'fail') {
      result.live = { sent: false, ok: false, failure: null, message: 'not sent: the backend cannot run (see problems)', duration_ms: null };
    } else {
      result.live = await liveProbe(driver, report, spec, options.liveTimeoutMs, env);
      if (!result.live.ok) {
        result.problems.push(`live prompt failed (${result.live.failure ?? 'unknown'}): ${result.live.message}`);
        result.status = 'fail';
      }
    }
  }
  return result;
}

export function checkBackends(options: BackendCheckOptions): Promise<DoctorBackend[]> {
  return mapLimit(backendNames(options), PARALLEL_CHECKS, (name) => checkOne(name, options));
}
