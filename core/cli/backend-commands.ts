/** `mittelo backend-check` (one backend, in depth) and `mittelo backends` (every backend, one row each). */
import { engineLine } from '../../drivers/engine.js';
import type { Command } from 'commander';
import type { BackendSpec } from '../agent/backend.js';
import { EXIT_CODES, allBackendNames, checkBackend, mapLimit, type BackendReport } from '../agent/backend-check.js';
import { loadWorkspaceConfig, specFromSettings, type WorkspaceConfig } from '../agent/config.js';
import { DASH } from '../display.js';
import { driverOptions, withDriverOptions, type DriverOptionFlags } from './options.js';
import { findDriver } from '../../drivers/registry.js';
import { BINARY_SOURCE_LABELS } from '../../drivers/resolve.js';

/** Checks run at once by `backends`: each may start a login shell and two CLI processes. */
const PARALLEL_CHECKS = 4;

interface CheckFlags extends DriverOptionFlags {
  json?: boolean;
  config?: string;
}

function specFor(name: string, config: WorkspaceConfig, flags: CheckFlags & { binaryPath?: string }): BackendSpec {
  const spec = specFromSettings(name, config.backends[name]);
  if (flags.binaryPath) spec.binaryPath = flags.binaryPath;
  spec.options = driverOptions(flags, spec.options);
  return spec;
}


function binaryLine(report: BackendReport): string {
  if (report.binary) return `${report.binary.path} (found via ${BINARY_SOURCE_LABELS[report.binary.source]})`;
  return report.kind === 'built-in' ? 'none needed (built in)' : 'not found';
}

function authLine(report: BackendReport): string | null {
  const found = [...report.auth.env_present.map((name) => `${name} set`), ...report.auth.files_present];
  if (found.length > 0) return found.join(', ');
  return report.auth.hint;
}

function flagsLine(report: BackendReport): string | null {
  const { flags } = report;
  if (!flags && report.engine && !report.engine.ok) return `not checked (it cannot start on this Node): ${report.required_flags.join(' ')}`;
  if (!flags) return report.required_flags.length > 0 ? `not checked (needs the binary): ${report.required_flags.join(' ')}` : null;
  if (flags.error) return `not checked: ${flags.error}`;
  const total = flags.present.length + flags.missing.length;
  const listed = `${flags.present.length} of ${total} listed by \`${flags.help_argv.join(' ')}\``;
  return flags.missing.length > 0 ? `${listed}; missing ${flags.missing.join(' ')}` : `${listed}: ${flags.present.join(' ')}`;
}

export function formatReport(report: BackendReport): string {
  const aliases = report.aliases.length > 0 ? ` (aliases ${report.aliases.join(', ')})` : '';
  const lines = [`${report.backend}: ${report.status.toUpperCase()}`];
  const field = (label: string, value: string | null) => {
    if (value !== null) lines.push(`  ${`${label}:`.padEnd(9)} ${value}`);
  };
  // Preflight may serve a backend with the driver of the CLI actually installed (`kimi` that is Kimi Code).
  const registered = findDriver(report.backend)?.name;
  const switched = report.driver && registered && report.driver !== registered ? ` (the installed ${findDriver(report.backend)?.binary ?? report.backend} is ${report.driver}, not ${registered})` : '';
  field('driver', report.driver ? `${report.driver}${switched}${aliases}, ${report.kind}` : null);
  field('binary', report.driver ? binaryLine(report) : null);
  if (report.binary && report.kind !== 'folder') {
    const verified = report.verified_version ? ` (driver verified against ${report.verified_version})` : '';
    field('version', `${report.version ?? 'unknown'}${verified}`);
  }
  field('node', report.engine ? engineLine(report.engine) : null);
  field('auth', authLine(report));
  field('flags', flagsLine(report));
  if (report.problems.length > 0) {
    lines.push('  problems:');
    for (const problem of report.problems) lines.push(`    - ${problem}`);
  }
  return lines.join('\n');
}

function cut(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

export function formatBackendTable(reports: BackendReport[]): string {
  const header = ['BACKEND', 'KIND', 'STATUS', 'VERSION', 'BINARY', 'NOTE'];
  const rows = reports.map((r) => [
    r.backend + (r.aliases.length > 0 ? ` (${r.aliases.join(', ')})` : ''),
    r.kind,
    r.status,
    r.version ?? DASH,
    r.binary ? r.binary.path : r.kind === 'built-in' && r.driver !== 'tmux' ? 'built in' : DASH,
    cut(r.problems[0] ?? r.auth.hint ?? '', 100),
  ]);
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return all.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}

export function registerBackendCommands(program: Command): void {
  const check = program
    .command('backend-check')
    .description('check that one backend can run here: binary, version, credentials, the flags its driver relies on')
    .requiredOption('--backend <name>', 'backend or alias (claude_code, glm, codex, echo, a folder backend...)')
    .option('--binary-path <path>', "use this executable for the backend's CLI (else binary_path from the config, else search)")
    .option('--config <file>', 'per-backend settings (default: mittelo.config.json if present)')
    .option('--json', 'print the report as JSON');
  withDriverOptions(check)
    .addHelpText(
      'after',
      '\nExit status: 0 ok, 1 fail (cannot run: not installed, a required flag missing from its --help...),\n' +
        '2 warn (runs, but no credentials were found: it may fail at the first prompt).',
    )
    .action(async (flags: CheckFlags & { backend: string; binaryPath?: string }) => {
      const config = loadWorkspaceConfig(flags.config);
      const report = await checkBackend(specFor(flags.backend, config, flags));
      process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
      process.exitCode = EXIT_CODES[report.status];
    });

  const list = program
    .command('backends')
    .description('list every backend (drivers, aliases with their own settings, folder backends) with its status')
    .option('--config <file>', 'per-backend settings (default: mittelo.config.json if present)')
    .option('--json', 'print the reports as JSON');
  withDriverOptions(list)
    .addHelpText(
      'after',
      `\nFolder backends are read from $MITTELO_BACKENDS_DIR and ./backends. Checks run ${PARALLEL_CHECKS} at a time.\n` +
        'Exit status 0 whatever the statuses (gate on one backend with backend-check).',
    )
    .action(async (flags: CheckFlags) => {
      const config = loadWorkspaceConfig(flags.config);
      const names = allBackendNames(Object.keys(config.backends));
      const reports = await mapLimit(names, PARALLEL_CHECKS, (name) => checkBackend(specFor(name, config, flags)));
      process.stdout.write(flags.json ? `${JSON.stringify({ backends: reports }, null, 2)}\n` : `${formatBackendTable(reports)}\n`);
    });
}
