/** Human output of `mittelo doctor` and `mittelo doctor --history`. */
import type { DoctorHistoryRow } from './history.js';
import type { DoctorBackend, DoctorReport } from './types.js';
import { BINARY_SOURCE_LABELS } from '../../drivers/resolve.js';
import { engineLine } from '../../drivers/engine.js';

const MARK = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' } as const;


function backendLines(b: DoctorBackend): string[] {
  const required = b.required ? `required (${b.required_because.join(', ')})` : 'not required';
  // A CLI nobody asked for that is not installed is not a failure of this machine.
  const mark = !b.required && b.status === 'fail' ? ' -- ' : MARK[b.status];
  const lines = [`  [${mark}] ${b.backend}: ${required}`];
  const field = (label: string, value: string) => lines.push(`         ${`${label}:`.padEnd(8)} ${value}`);
  if (b.binary) field('binary', `${b.binary.path} (via ${BINARY_SOURCE_LABELS[b.binary.source]})`);
  else if (b.kind === 'built-in' && b.driver !== 'tmux') field('binary', 'none needed (built in)');
  else field('binary', 'not found');
  if (b.binary && b.kind !== 'folder') field('version', `${b.version ?? 'unknown'}${b.verified_version ? ` (driver verified against ${b.verified_version})` : ''}`);
  if (b.engine) field('node', engineLine(b.engine));
  if (b.flags) {
    const total = b.flags.present.length + b.flags.missing.length;
    field('flags', b.flags.error ? `not checked: ${b.flags.error}` : b.flags.missing.length > 0 ? `missing ${b.flags.missing.join(' ')} (${b.flags.present.length} of ${total} present)` : `${total} of ${total} in \`${b.flags.help_argv.join(' ')}\``);
  }
  const creds = [...b.auth.env_present.map((n) => `${n} set`), ...b.auth.files_present];
  if (creds.length > 0 || b.auth.hint) field('auth', creds.length > 0 ? creds.join(', ') : (b.auth.hint ?? ''));
  if (b.lock) field('lock', `${b.lock.status}: ${b.lock.message}${b.lock.fix ? ` (fix: ${b.lock.fix})` : ''}`);
  if (b.live) {
    const said = b.live.message.replace(/\s+/g, ' ');
    field('live', !b.live.sent ? said : b.live.ok ? `ok in ${b.live.duration_ms} ms: ${said.slice(0, 80)}` : `${b.live.failure ?? 'failed'}: ${said.slice(0, 200)}`);
  }
  for (const problem of b.problems) lines.push(`         - ${problem}`);
  return lines;
}

export function formatDoctorReport(report: DoctorReport): string {
  const lines = [`mittelo doctor ${report.mittelo_version} on ${report.host} (${report.platform}), ${new Date(report.created_at * 1000).toISOString()}`, '', 'core:'];
  for (const c of report.core) lines.push(`  [${MARK[c.status]}] ${c.check.padEnd(11)} ${c.summary}`);
  if (report.backends.length > 0) {
    lines.push('', `backends (lock: ${report.lock.present ? report.lock.file : 'none'}):`);
    for (const b of report.backends) lines.push(...backendLines(b));
  }
  if (report.warnings.length > 0) lines.push('', 'warnings:', ...report.warnings.map((w) => `  - ${w}`));
  lines.push('', report.ok ? 'OK: every required check passed' : `FAILED (${report.failures.length}):`);
  for (const f of report.failures) lines.push(`  - ${f}`);
  if (report.recorded && 'id' in report.recorded) lines.push(`recorded as doctor run #${report.recorded.id} (mittelo doctor --history)`);
  else if (report.recorded) lines.push(`not recorded: ${report.recorded.error}`);
  return lines.join('\n');
}

export function formatDoctorHistory(rows: DoctorHistoryRow[]): string {
  if (rows.length === 0) return 'no doctor runs recorded yet';
  return rows
    .map((r) => {
      const when = new Date(r.created_at * 1000).toISOString().replace('T', ' ').slice(0, 19);
      const changed = new Map(r.changes.map((c) => [c.cli, c]));
      const versions = Object.entries(r.versions).map(([cli, v]) => {
        const change = changed.get(cli);
        return `${cli} ${v ?? '?'}${change ? ` (was ${change.from ?? 'not installed'})` : ''}`;
      });
      for (const c of r.changes) if (c.to === null) versions.push(`${c.cli} gone (was ${c.from ?? '?'})`);
      const detail = [...versions, ...(r.ok ? [] : [`failed: ${r.failures[0] ?? '?'}`])].join(', ');
      return `#${String(r.id).padEnd(4)} ${when}  ${r.host}  ${r.ok ? 'OK  ' : 'FAIL'}  ${detail || '(core checks only)'}`;
    })
    .join('\n');
}
