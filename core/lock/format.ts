/** Human output of `lock write` and `lock check`: one aligned row per CLI, fixes underneath. */
import type { DriftReport } from './check.js';
import type { RecordResult } from './record.js';

function table(rows: string[][]): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}

export function formatDriftReport(report: DriftReport): string {
  const rows = [['CLI', 'STATUS', 'LOCKED', 'INSTALLED', 'DETAIL']];
  for (const e of report.entries) rows.push([e.cli, e.status, e.locked_version ?? '-', e.installed_version ?? '-', e.message]);
  const lines = [`lock ${report.lock_file} (written ${report.written_at})`, table(rows)];
  const fixes = report.entries.filter((e) => e.fix !== null);
  if (fixes.length > 0) {
    lines.push('', 'to match the lock:');
    for (const e of fixes) lines.push(`  ${e.cli}: ${e.fix}`);
  }
  lines.push('', report.ok ? 'no drift' : `drift: ${report.entries.filter((e) => e.status !== 'ok' && e.status !== 'unlocked').map((e) => `${e.cli} ${e.status}`).join(', ')}`);
  return lines.join('\n');
}

export function formatRecordResult(result: RecordResult, file: string | null): string {
  const rows = [['CLI', 'VERSION', 'SOURCE', 'MODEL']];
  for (const e of result.lock.clis) {
    const source = e.source.type === 'npm' ? `npm ${e.source.package}` : e.source.type === 'brew' ? `brew${e.source.formula ? ` ${e.source.formula}` : ''}` : `other (${e.source.note.length > 60 ? `${e.source.note.slice(0, 59)}…` : e.source.note})`;
    rows.push([e.name, e.version, source, e.model ?? '-']);
  }
  const lines = result.lock.clis.length > 0 ? [table(rows)] : ['no CLI could be locked'];
  for (const l of result.left_out) lines.push(`left out ${l.cli}: ${l.reason}`);
  lines.push(file ? `wrote ${file}` : 'lock file not written');
  return lines.join('\n');
}
