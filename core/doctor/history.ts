/**
 * Doctor results kept over time in `doctor_runs`: one row per run with the whole report as JSON.
 * The listing reads back, per run, each CLI's version and what changed since that host's previous
 * run, so "which CLI version changed when" is one command.
 */
import type { Db } from '../store/database.js';
import type { DoctorReport } from './types.js';

export interface VersionChange {
  cli: string;
  /** Null when the CLI was not installed at the previous run that checked it. */
  from: string | null;
  to: string | null;
}

export interface DoctorHistoryRow {
  id: number;
  created_at: number;
  host: string;
  ok: boolean;
  /** Installed CLIs checked by that run and their versions (null: installed, version unreadable). */
  versions: Record<string, string | null>;
  /** Against the previous run on the same host that checked the same CLI. */
  changes: VersionChange[];
  failures: string[];
}

/** Stores a report (without its `recorded` field) and returns the row id. */
export function recordDoctorRun(db: Db, report: DoctorReport): number {
  const { recorded: _recorded, ...stored } = report;
  const info = db
    .prepare('INSERT INTO doctor_runs (created_at, host, ok, report) VALUES (?, ?, ?, ?)')
    .run(report.created_at, report.host, report.ok ? 1 : 0, JSON.stringify(stored));
  return Number(info.lastInsertRowid);
}

interface VersionRow {
  id: number;
  host: string;
  cli: string | null;
  version: string | null;
  installed: number;
}

/** The newest `limit` runs, newest first. Version changes are computed over the whole history. */
export function listDoctorRuns(db: Db, limit: number): DoctorHistoryRow[] {
  const runs = db
    .prepare(
      `SELECT id, created_at, host, ok, json_extract(report, '$.failures') AS failures
       FROM doctor_runs ORDER BY id DESC LIMIT ?`,
    )
    .all(limit) as { id: number; created_at: number; host: string; ok: number; failures: string | null }[];
  if (runs.length === 0) return [];
  const newest = runs[0]?.id ?? 0;
  // One pass over every backend entry ever stored (small: a few per run), oldest first.
  const entries = db
    .prepare(
      `SELECT r.id AS id, r.host AS host,
              json_extract(b.value, '$.backend') AS cli,
              json_extract(b.value, '$.version') AS version,
              json_extract(b.value, '$.binary') IS NOT NULL AS installed
       FROM doctor_runs r, json_each(r.report, '$.backends') b
       WHERE r.id <= ? ORDER BY r.id, b.key`,
    )
    .all(newest) as VersionRow[];

  const byRun = new Map<number, { versions: Record<string, string | null>; changes: VersionChange[] }>();
  const last = new Map<string, string | null>(); // host + cli -> version at the last run that checked it
  for (const e of entries) {
    if (!e.cli) continue;
    const run = byRun.get(e.id) ?? { versions: {}, changes: [] };
    byRun.set(e.id, run);
    const now = e.installed ? e.version : null;
    if (e.installed) run.versions[e.cli] = e.version;
    const key = `${e.host}\u0000${e.cli}`;
    if (last.has(key) && last.get(key) !== now) run.changes.push({ cli: e.cli, from: last.get(key) ?? null, to: now });
    last.set(key, now);
  }
  return runs.map((r) => ({
    id: r.id,
    created_at: r.created_at,
    host: r.host,
    ok: r.ok === 1,
    versions: byRun.get(r.id)?.versions ?? {},
    changes: byRun.get(r.id)?.changes ?? [],
    failures: parseFailures(r.failures),
  }));
}

function parseFailures(json: string | null): string[] {
  if (!json) return [];
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((f): f is string => typeof f === 'string') : [];
  } catch {
    return [];
  }
}
