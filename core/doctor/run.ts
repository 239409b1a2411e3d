/**
 * `mittelo doctor` as a function: core checks, then (unless core-only) the backends, then the
 * verdict, then the report is kept in the database's history.
 *
 * What is required (fails doctor, exit 1): every core check, and each backend that is in the lock
 * or named with --backend (not installed, a flag missing from its help, drift from the lock, or a
 * failed --live prompt). Everything else (other CLIs not installed, no credentials found, an
 * unlocked CLI) is a warning.
 */
import os from 'node:os';
import { loadWorkspaceConfig } from '../agent/config.js';
import { errorMessage } from '../errors.js';
import { lockPath, readLock, type LockFile } from '../lock/file.js';
import type { Db } from '../store/database.js';
import { HUB_VERSION } from '../wire/contract.js';
import { checkBackends } from './backends.js';
import { checkContainment, checkDatabase, checkNode, checkPort, checkSqlite } from './core-checks.js';
import { recordDoctorRun } from './history.js';
import type { CoreCheck, DoctorBackend, DoctorReport } from './types.js';

export interface DoctorOptions {
  workspace: string;
  dbPath: string;
  host: string;
  port: number;
  restPort?: number;
  token?: string;
  /** Core checks only (no backends). */
  coreOnly: boolean;
  backends: string[];
  live: boolean;
  liveTimeoutMs: number;
  configFile?: string;
  env?: NodeJS.ProcessEnv;
}

function verdict(core: CoreCheck[], backends: DoctorBackend[]): { failures: string[]; warnings: string[] } {
  const failures: string[] = [];
  const warnings: string[] = [];
  for (const c of core) {
    if (c.status === 'fail') failures.push(`${c.check}: ${c.summary}`);
    else if (c.status === 'warn') warnings.push(`${c.check}: ${c.summary}`);
  }
  const absent: string[] = [];
  for (const b of backends) {
    const why = b.problems[0] ?? b.auth.hint ?? b.status;
    if (b.status === 'fail' && b.required) failures.push(`${b.backend}: ${why}`);
    else if (b.status === 'fail' && !b.binary) absent.push(b.backend);
    else if (b.status === 'fail') warnings.push(`${b.backend} (not required): ${why}`);
    else if (b.status === 'warn') warnings.push(`${b.backend}: ${why}`);
    if (b.lock?.status === 'unlocked') warnings.push(`${b.backend}: installed (${b.version ?? 'version unknown'}) but not in the lock`);
  }
  if (absent.length > 0) warnings.push(`not installed (not required): ${absent.join(', ')}`);
  return { failures, warnings };
}

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const env = options.env ?? process.env;
  const core: CoreCheck[] = [checkNode(), await checkSqlite()];
  let db: Db | null = null;
  if (core[1]?.status === 'ok') {
    const database = await checkDatabase(options.dbPath);
    core.push(database.check);
    db = database.db;
  } else {
    core.push({ check: 'database', status: 'fail', summary: 'not checked: the SQLite driver does not load', details: { path: options.dbPath } });
  }
  core.push(checkContainment(env));
  if (options.port !== 0) core.push(await checkPort('jsonl', options.host, options.port, options.token));
  if (options.restPort !== undefined && options.restPort !== 0) core.push(await checkPort('rest', options.host, options.restPort, options.token));

  const lockInfo: DoctorReport['lock'] = { file: lockPath(options.workspace), present: false, error: null };
  let lock: LockFile | null = null;
  let backends: DoctorBackend[] = [];
  let setupFailure: string | null = null;
  if (!options.coreOnly) {
    try {
      lock = readLock(options.workspace);
      lockInfo.present = lock !== null;
    } catch (err) {
      lockInfo.present = true;
      lockInfo.error = errorMessage(err);
      setupFailure = `lock: ${lockInfo.error}`;
    }
    try {
      const config = loadWorkspaceConfig(options.configFile, options.workspace);
      backends = await checkBackends({ named: options.backends, lock, config, live: options.live, liveTimeoutMs: options.liveTimeoutMs, env });
    } catch (err) {
      setupFailure ??= `backends: ${errorMessage(err)}`;
    }
  }

  const { failures, warnings } = verdict(core, backends);
  if (setupFailure) failures.push(setupFailure);
  if (!options.coreOnly && !lockInfo.present) warnings.push(`no lock file at ${lockInfo.file}: CLI versions are not checked against one (mittelo lock write)`);
  const report: DoctorReport = {
    ok: failures.length === 0,
    created_at: Date.now() / 1000,
    host: os.hostname(),
    mittelo_version: HUB_VERSION,
    platform: `${process.platform}-${process.arch}`,
    workspace: options.workspace,
    core,
    backends,
    lock: lockInfo,
    failures,
    warnings,
  };
  if (db) {
    try {
      report.recorded = { id: recordDoctorRun(db, report) };
    } catch (err) {
      report.recorded = { error: errorMessage(err) };
    } finally {
      db.close();
    }
  } else {
    report.recorded = { error: 'the database is not usable (see the database check)' };
  }
  return report;
}
