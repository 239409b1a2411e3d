/** `mittelo lock write|check` (the version lock) and `mittelo doctor` (is this machine fit to run, and has it drifted). */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadWorkspaceConfig } from '../agent/config.js';
import { defaultDbPath } from '../config.js';
import { HubError } from '../errors.js';
import { checkLock, type DriftReport } from '../lock/check.js';
import { lockPath, writeLock } from '../lock/file.js';
import { formatDriftReport, formatRecordResult } from '../lock/format.js';
import { recordLock } from '../lock/record.js';
import { TOKEN_FILE_HELP, collect, parseInteger, parsePort, withHubOrDatabase } from './options.js';
import { clientAddress } from '../session/hub-address.js';

interface WorkspaceFlags {
  workspace?: string;
  config?: string;
  json?: boolean;
}

interface DoctorFlags extends WorkspaceFlags {
  core?: boolean;
  live?: boolean;
  liveTimeout: number;
  backend?: string[];
  db?: string;
  host?: string;
  port?: number;
  restPort?: number;
  token?: string;
  tokenFile?: string;
  history?: boolean;
  limit: number;
}

/** `--backend a --backend b,c` -> [a, b, c]. */
function names(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

function workspaceOf(flags: WorkspaceFlags): string {
  return path.resolve(flags.workspace ?? process.cwd());
}

function print(flags: { json?: boolean }, value: unknown, human: () => string): void {
  process.stdout.write(flags.json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
}

function withWorkspace(command: Command): Command {
  return command
    .option('--workspace <dir>', `workspace root holding the lock file (default: the current directory)`)
    .option('--config <file>', 'per-backend settings such as binary_path and model (default: mittelo.config.json in the workspace)');
}

function registerLock(program: Command): void {
  const lock = program
    .command('lock')
    .description('the version lock (mittelo.lock.json): CLI versions, install sources and flags known to work here')
    .addHelpText('after', '\nSee docs/VERSION_LOCK.md for the file format, pinning each CLI and using `lock check` as a CI gate.');

  withWorkspace(lock.command('write'))
    .description("record this machine's CLIs in the lock: version, install source, the flags each driver relies on, the pinned model")
    .option('--backend <name>', 'lock only this CLI (repeatable, or comma-separated); default every vendor CLI that is installed', collect)
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nA CLI is locked only when it is installed, its version can be read and its --help lists every flag\n' +
        'its driver relies on; others are left out with the reason (kept as notes in the file).\n' +
        'Exit status: 0 written; 1 nothing written (no CLI could be locked, or a --backend named one could not).',
    )
    .action(async (flags: WorkspaceFlags & { backend?: string[] }) => {
      const workspace = workspaceOf(flags);
      const backends = names(flags.backend);
      const result = await recordLock({ workspace, backends, config: loadWorkspaceConfig(flags.config, workspace) });
      const write = result.lock.clis.length > 0 && (backends.length === 0 || result.left_out.length === 0);
      const file = write ? writeLock(result.lock, workspace) : null;
      print(flags, { file, lock: result.lock, left_out: result.left_out }, () => formatRecordResult(result, file));
      process.exitCode = write ? 0 : 1;
    });

  withWorkspace(lock.command('check'))
    .description('compare the installed CLIs with the lock: ok, missing, older, newer, different, flag_missing, node_too_old, unlocked')
    .option('--json', 'print the drift report as JSON')
    .addHelpText(
      'after',
      '\nExit status: 0 no drift (unlocked CLIs are only reported); 1 drift (missing, older, newer, different,\n' +
        'flag_missing, node_too_old); 2 no lock file or an invalid one.',
    )
    .action(async (flags: WorkspaceFlags) => {
      const workspace = workspaceOf(flags);
      let report: DriftReport | null;
      try {
        report = await checkLock({ workspace, config: loadWorkspaceConfig(flags.config, workspace) });
      } catch (err) {
        process.stderr.write(`mittelo lock check: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 2;
        return;
      }
      if (!report) {
        process.stderr.write(`mittelo lock check: no lock file at ${lockPath(workspace)} (create one with: mittelo lock write)\n`);
        process.exitCode = 2;
        return;
      }
      print(flags, report, () => formatDriftReport(report));
      process.exitCode = report.ok ? 0 : 1;
    });

  registerUpgradeCheck(lock);
}

interface UpgradeCheckFlags extends WorkspaceFlags {
  to: string;
  pack?: string | false;
  candidatePath?: string;
  db?: string;
}

function registerUpgradeCheck(lock: Command): void {
  withWorkspace(lock.command('upgrade-check'))
    .argument('[backend...]', 'locked CLIs to rehearse (default: every npm-installed CLI in the lock)')
    .description('rehearse upgrading locked CLIs: install the candidate beside the locked version, diff their --help, check the driver contract and engines.node, run a pack with it and compare with the baseline')
    .option('--to <version>', 'candidate version or npm dist-tag', 'latest')
    .option('--candidate-path <file>', 'rehearse this binary (a local build, a version already on disk) instead of installing --to; one CLI only')
    .option('--pack <file>', "pack to run with the candidate (default: the pack of the workspace's newest baseline run of that CLI)")
    .option('--no-pack', 'only the help, contract and engine checks; run no pack')
    .option('--db <file>', 'database holding the baseline runs, when no hub answers (env MITTELO_DB, default .mittelo/mittelo.db in the workspace)')
    .option('--json', 'print the reports as JSON')
    .addHelpText(
      'after',
      '\nBoth versions are npm-installed into the CLI cache ($MITTELO_CLI_CACHE, default ~/.cache/mittelo/real-clis),\n' +
        'never over your own install (the locked version is read from your install when it reports that version).\n' +
        "The pack runs on an in-process hub with the candidate binary; its run is kept in .mittelo/upgrade-check.db\n" +
        "(mittelo runs show RUN --db .mittelo/upgrade-check.db) and compared with the pack's baseline run;\n" +
        'that database keeps the newest 20 rehearsal runs (env MITTELO_KEEP_REHEARSALS).\n' +
        'Verdicts: safe; review (help changed in ways the driver does not use, or the pack has no baseline);\n' +
        'breaks (a flag or value the driver passes is gone, --version unreadable, engines.node not met, or the\n' +
        'pack regressed: a prompt that passed in the baseline fails with the candidate).\n' +
        'Exit status: 0 nothing breaks; 1 something breaks; 2 no lock file or a bad argument.',
    )
    .action(async (backends: string[], flags: UpgradeCheckFlags) => {
      const workspace = workspaceOf(flags);
      const { upgradeCheck } = await import('../lock/upgrade-check.js');
      const { formatUpgradeReports } = await import('../lock/format.js');
      const dbFlags = { db: flags.db ?? defaultDbPath(process.env, workspace), embedded: true };
      let reports;
      try {
        reports = await upgradeCheck({
          workspace,
          backends: names(backends),
          to: flags.to,
          ...(flags.candidatePath !== undefined ? { candidatePath: flags.candidatePath } : {}),
          pack: flags.pack === false ? 'none' : flags.pack === undefined ? 'baseline' : { file: flags.pack },
          withRuns: async (work) => {
            try {
              return await withHubOrDatabase(dbFlags, 'lock upgrade-check', work);
            } catch (err) {
              // No hub and no database yet: no run has been made here, so there is no baseline.
              if (err instanceof HubError && err.code === 'unreachable' && !fs.existsSync(dbFlags.db)) return null;
              throw err;
            }
          },
          config: loadWorkspaceConfig(flags.config, workspace),
          log: (line) => process.stderr.write(`${line}\n`),
        });
      } catch (err) {
        process.stderr.write(`mittelo lock upgrade-check: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 2;
        return;
      }
      print(flags, { reports }, () => formatUpgradeReports(reports));
      process.exitCode = reports.some((r) => r.verdict === 'breaks') ? 1 : 0;
    });
}

function registerDoctor(program: Command): void {
  withWorkspace(program.command('doctor'))
    .description('check this machine: Node, SQLite, the database, how task processes are contained, hub ports, then each backend CLI and its lock status')
    .option('--json', 'print the report as JSON')
    .option('--core', 'core checks only (Node, SQLite, database, task containment, ports), no backends')
    .option('--backend <name>', 'check only this backend, and require it (repeatable, or comma-separated)', collect)
    .option('--live', 'also send one real prompt through each backend (its real credentials, HOME not sandboxed)')
    .option('--live-timeout <seconds>', 'time limit of each --live prompt', parseInteger('--live-timeout', { min: 1, max: 600 }), 30)
    .option('--db <file>', 'SQLite database to check and record into (env MITTELO_DB, default .mittelo/mittelo.db in the workspace)')
    .option('--host <host>', 'address the hub listens on (env MITTELO_HOST, default 127.0.0.1)')
    .option('--port <port>', 'hub port to check (env MITTELO_PORT, default 8765; 0 skips the check)', parsePort)
    .option('--rest-port <port>', 'REST port to check as well', parsePort)
    .option('--token <token>', "hub token, to ask a hub already on the port who it is (env MITTELO_TOKEN; default: the token of the app or `mittelo serve` running this workspace's hub)")
    .option('--token-file <file>', TOKEN_FILE_HELP)
    .option('--history', 'list past doctor results instead of running the checks (which CLI version changed when)')
    .option('--limit <n>', 'with --history: how many runs, newest first', parseInteger('--limit', { min: 1 }), 20)
    .addHelpText(
      'after',
      '\nRequired (a failure exits 1): every core check, and each backend in the lock or named with --backend\n' +
        '(not installed, a relied-on flag missing from its --help, drift from the lock, a failed --live prompt).\n' +
        'Other backends, missing credentials and unlocked CLIs are warnings (exit 0).\n' +
        'Every run is stored in the database (table doctor_runs); --history lists them.',
    )
    .action(async (flags: DoctorFlags) => {
      const workspace = workspaceOf(flags);
      const dbPath = flags.db ? path.resolve(flags.db) : defaultDbPath(process.env, workspace);
      if (flags.history) {
        if (!fs.existsSync(dbPath)) {
          // Reading the history must not create a database.
          print(flags, { db: dbPath, runs: [] }, () => `no doctor runs recorded yet (no database at ${dbPath})`);
          return;
        }
        const { openDatabase } = await import('../store/database.js');
        const { listDoctorRuns } = await import('../doctor/history.js');
        const { formatDoctorHistory } = await import('../doctor/format.js');
        const db = openDatabase(dbPath);
        try {
          const runs = listDoctorRuns(db, flags.limit);
          print(flags, { db: dbPath, runs }, () => formatDoctorHistory(runs));
        } finally {
          db.close();
        }
        return;
      }
      const { runDoctor } = await import('../doctor/run.js');
      const { formatDoctorReport } = await import('../doctor/format.js');
      // Like client commands: a hub the app or `mittelo serve` runs on this workspace is asked with its token.
      const address = clientAddress({ ...flags, db: dbPath });
      const report = await runDoctor({
        workspace,
        dbPath,
        host: address.host,
        port: address.port,
        restPort: flags.restPort,
        token: address.token,
        coreOnly: flags.core === true,
        backends: names(flags.backend),
        live: flags.live === true,
        liveTimeoutMs: flags.liveTimeout * 1000,
        configFile: flags.config,
      });
      print(flags, report, () => formatDoctorReport(report));
      process.exitCode = report.ok ? 0 : 1;
    });
}

export function registerLockCommands(program: Command): void {
  registerLock(program);
  registerDoctor(program);
}
