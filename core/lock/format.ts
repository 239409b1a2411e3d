/** Human output of `lock write` and `lock check`: one aligned row per CLI, fixes underneath. */
import { DASH } from '../display.js';
import type { DriftReport } from './check.js';
import type { RecordResult } from './record.js';
import type { PackRehearsal } from './rehearse-pack.js';
import type { UpgradeReport } from './upgrade-check.js';

function table(rows: string[][]): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}

export function formatDriftReport(report: DriftReport): string {
  const rows = [['CLI', 'STATUS', 'LOCKED', 'INSTALLED', 'DETAIL']];
  for (const e of report.entries) rows.push([e.cli, e.status, e.locked_version ?? DASH, e.installed_version ?? DASH, e.message]);
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
    rows.push([e.name, e.version, source, e.model ?? DASH]);
  }
  const lines = result.lock.clis.length > 0 ? [table(rows)] : ['no CLI could be locked'];
  for (const l of result.left_out) lines.push(`left out ${l.cli}: ${l.reason}`);
  lines.push(file ? `wrote ${file}` : 'lock file not written');
  return lines.join('\n');
}

const VERDICT_WORDS: Record<UpgradeReport['verdict'], string> = {
  safe: 'safe to upgrade',
  review: 'works with the driver; review the changes',
  breaks: 'BREAKS',
  current: 'already at this version',
};

const PACK_WORDS: Record<PackRehearsal['verdict'], string> = {
  pass: 'no regression against the baseline',
  regressed: 'REGRESSED against the baseline',
  no_baseline: 'no baseline to compare with',
  error: 'could not run',
};

export function formatPackLine(pack: PackRehearsal): string {
  const runs = [pack.baseline_run ? `A: baseline ${pack.baseline_run}` : null, pack.candidate_run ? `B: candidate run ${pack.candidate_run} in ${pack.db}` : null].filter(Boolean).join(', ');
  const counts = pack.candidate_run ? `; ${pack.tasks - pack.failed}/${pack.tasks} passed, ${pack.new_failures} prompt(s) regressed, ${pack.fixed} improved` : '';
  return `pack ${pack.pack_name}: ${PACK_WORDS[pack.verdict]}${counts}${runs ? ` (${runs})` : ''}`;
}

export function formatUpgradeReports(reports: UpgradeReport[]): string {
  const lines: string[] = [];
  for (const r of reports) {
    lines.push(`${r.cli} ${r.from} -> ${r.to} (${r.package}): ${VERDICT_WORDS[r.verdict]}`);
    for (const reason of r.reasons) lines.push(`  - ${reason}`);
    const diff = r.help_diff;
    if (diff && (diff.flags_added.length > 0 || diff.flags_removed.length > 0 || diff.choices_changed.length > 0)) {
      lines.push('  help changes:');
      if (diff.flags_added.length > 0) lines.push(`    flags added:   ${diff.flags_added.join(' ')}`);
      if (diff.flags_removed.length > 0) lines.push(`    flags removed: ${diff.flags_removed.join(' ')}`);
      for (const c of diff.choices_changed) lines.push(`    ${c.flag}: ${[c.added.length ? `+${c.added.join(' +')}` : '', c.removed.length ? `-${c.removed.join(' -')}` : ''].filter(Boolean).join(' ')}`);
    } else if (diff) {
      lines.push('  help: no flag or value changed');
    }
    if (r.engine) lines.push(`  node: ${r.engine.requires ? `${r.package} ${r.to} declares ${r.engine.requires}` : 'no engines.node declared'}; found ${r.engine.node ?? (r.engine.runs_as === 'native' ? 'none needed (native)' : 'none')}`);
    if (r.pack) lines.push(`  ${formatPackLine(r.pack)}`, ...r.pack.warnings.map((w) => `    warning: ${w}`));
    if (r.verdict !== 'breaks' && r.verdict !== 'current' && r.install_command) lines.push(`  adopt it: ${r.install_command}, then mittelo lock write --backend ${r.cli}`);
  }
  const breaking = reports.filter((r) => r.verdict === 'breaks');
  lines.push('', breaking.length > 0 ? `not safe: ${breaking.map((r) => r.cli).join(', ')}` : 'every rehearsed upgrade works with its driver (then: install it, and mittelo lock write)');
  return lines.join('\n');
}
