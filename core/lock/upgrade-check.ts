/**
 * `mittelo lock upgrade-check`: rehearse a CLI upgrade before adopting it. The locked version and
 * the candidate (`--to`, default latest) are installed side by side in the CLI cache (never over
 * the user's install); their help is compared (flags and allowed values added and removed), the
 * candidate must pass the driver's contract (its --version, every flag and value the driver passes)
 * and its package's engines.node must hold for the Node it would run on; then a pack (default: the
 * pack of the workspace's baseline run) runs with the candidate and is compared with the baseline
 * (rehearse-pack.ts). One verdict per CLI: safe, breaks (with why) or review (changes the driver
 * does not use, or a pack with no baseline to compare with).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkEngine, engineProblem, type EngineCheck } from '../../drivers/engine.js';
import { runProcess } from '../../drivers/run/runner.js';
import { TOOL_POLICIES, type OneShotDriver } from '../../drivers/types.js';
import { specFromSettings, type WorkspaceConfig } from '../agent/config.js';
import { envWholeNumber } from '../env-number.js';
import { HubError, errorMessage } from '../errors.js';
import { cacheRoot, ensureRealClis, pathWith, type CliPin } from './cli-cache.js';
import { readLock, type LockEntry } from './file.js';
import { diffHelp, readHelp, type HelpDiff } from './help-diff.js';
import { lockableDriver, observeCli } from './inspect.js';
import { DEFAULT_KEPT_REHEARSALS, rehearsePack, type PackRehearsal, type WithRuns } from './rehearse-pack.js';

export type UpgradeVerdict = 'safe' | 'breaks' | 'review' | 'current';

export interface UpgradeReport {
  cli: string;
  package: string;
  from: string;
  to: string;
  verdict: UpgradeVerdict;
  /** Why it breaks, or what to review; empty when safe. */
  reasons: string[];
  help_diff: HelpDiff | null;
  contract: { version_reported: string | null; missing_flags: string[]; removed_values: { flag: string; value: string }[] } | null;
  engine: EngineCheck | null;
  /** The candidate binary rehearsed (in the CLI cache, or the --candidate-path given). */
  candidate_bin: string | null;
  /** The pack run with the candidate and its comparison with the baseline; null when no pack ran. */
  pack: PackRehearsal | null;
  /** What adopts the candidate for the user (the rehearsal never installs it for them); null without an npm package. */
  install_command: string | null;
}

export interface UpgradeCheckOptions {
  workspace: string;
  /** CLIs to check; default every npm-installed CLI in the lock. */
  backends: string[];
  /** `latest`, a dist-tag or an exact version. */
  to: string;
  /**
   * Rehearse this binary (a local build, a version already on disk) instead of installing `to`
   * with npm: one CLI only; its version is what it reports.
   */
  candidatePath?: string;
  /** The pack to run with the candidate: a file, `baseline` (the pack of the newest baseline run of the CLI) or `none`. */
  pack?: { file: string } | 'baseline' | 'none';
  /** Where the baseline runs are read; required unless pack is `none`. */
  withRuns?: WithRuns;
  /** Database the rehearsal runs go to (default .mittelo/upgrade-check.db in the workspace). */
  rehearsalDb?: string;
  config?: WorkspaceConfig;
  env?: NodeJS.ProcessEnv;
  cacheDir?: string;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

/** A binary to run: its path, and a folder to put first on PATH (a newer Node from the cache) or null. */
interface Runnable {
  bin: string;
  pathPrefix: string | null;
}

const HELP_TIMEOUT_MS = 30_000;

/** The exact version `npm view <package>@<to>` resolves to (a tag or range picks one). */
export async function resolveVersion(pkg: string, to: string): Promise<string> {
  const result = await runProcess({ command: 'npm', args: ['view', `${pkg}@${to}`, 'version', '--json'], stdin: null, timeoutMs: 60_000, killGraceMs: 1000 });
  if (result.spawnError) throw new HubError('bad_request', `cannot run npm to find ${pkg}@${to}: ${result.spawnError.message}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(result.stdout || 'null');
  } catch {
    parsed = null;
  }
  const versions = Array.isArray(parsed) ? parsed : [parsed];
  const last = versions.filter((v): v is string => typeof v === 'string').at(-1);
  if (result.exitCode !== 0 || !last) {
    throw new HubError('bad_request', `npm knows no version ${to} of ${pkg}${result.stderr.trim() ? `: ${result.stderr.trim().split('\n').slice(-3).join(' ')}` : ''}`);
  }
  return last;
}

/** `<bin> <args>` with a throwaway HOME, the Node the cache chose first on PATH; stdout and stderr together. */
async function runCached(cli: Runnable, args: string[]): Promise<string> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mittelo-upgrade-'));
  try {
    const result = await runProcess({
      command: cli.bin,
      args,
      stdin: null,
      env: { PATH: pathWith(cli.pathPrefix), HOME: home },
      timeoutMs: HELP_TIMEOUT_MS,
      killGraceMs: 1000,
    });
    return `${result.stdout}\n${result.stderr}`;
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/** Every `--flag value` the driver passes, over every tool policy (with a model, as runs may set one). */
export function valuesPassed(driver: OneShotDriver): { flag: string; value: string }[] {
  const seen = new Map<string, { flag: string; value: string }>();
  for (const toolPolicy of TOOL_POLICIES) {
    const { args } = driver.buildInvocation({ prompt: 'p', model: 'model', toolPolicy, options: {} });
    args.forEach((arg, i) => {
      const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split('=', 2) : [arg, undefined];
      const value = inline ?? args[i + 1];
      if (!flag?.startsWith('--') || value === undefined || value.startsWith('-') || value === 'model' || value === 'p') return;
      seen.set(`${flag}=${value}`, { flag, value });
    });
  }
  return [...seen.values()];
}

function pinFor(entry: LockEntry, driver: OneShotDriver, version: string): CliPin {
  if (entry.source.type !== 'npm') throw new HubError('bad_request', `${entry.name} is not installed from npm (${entry.source.type}): upgrade-check installs candidates with npm only`);
  return { driver: driver.name, package: entry.source.package, version, binary: driver.binary ?? entry.binary ?? driver.name };
}

/** The package a lock entry was installed from, or the driver's own npm package. */
function packageOf(entry: LockEntry, driver: OneShotDriver): string | null {
  return entry.source.type === 'npm' ? entry.source.package : (driver.npmPackage ?? null);
}

/**
 * The locked version, to read its help: the user's own install when it reports the locked version
 * (no npm needed), else an install of it in the CLI cache.
 */
async function lockedRunnable(entry: LockEntry, driver: OneShotDriver, options: UpgradeCheckOptions, log: (line: string) => void): Promise<Runnable> {
  const observed = await observeCli(driver, { ...(options.config ? { config: options.config } : {}), env: options.env ?? process.env });
  if (observed.binary && observed.version === entry.version && !observed.engine_problem) return { bin: observed.binary.path, pathPrefix: null };
  const [locked] = await ensureRealClis({ pins: [pinFor(entry, driver, entry.version)], cacheDir: options.cacheDir ?? cacheRoot(options.env), log });
  if (!locked) throw new Error(`the CLI cache did not install ${entry.name} ${entry.version}`);
  return locked;
}

/** The candidate: the --candidate-path binary (its version is what it reports), or `to` installed from npm into the cache. */
async function candidateRunnable(entry: LockEntry, driver: OneShotDriver, options: UpgradeCheckOptions, log: (line: string) => void): Promise<Runnable & { version: string | null }> {
  if (options.candidatePath !== undefined) {
    const bin = path.resolve(options.candidatePath);
    try {
      fs.accessSync(bin, fs.constants.X_OK);
      if (!fs.statSync(bin).isFile()) throw new Error('not a file');
    } catch {
      throw new HubError('bad_request', `--candidate-path ${bin} is not an executable file`);
    }
    const runnable = { bin, pathPrefix: null };
    return { ...runnable, version: driver.parseVersion(await runCached(runnable, driver.versionArgs)) };
  }
  const pin = pinFor(entry, driver, entry.version);
  const to = await resolveVersion(pin.package, options.to);
  if (to === entry.version) return { bin: '', pathPrefix: null, version: to };
  const [candidate] = await ensureRealClis({ pins: [{ ...pin, version: to }], cacheDir: options.cacheDir ?? cacheRoot(options.env), log });
  if (!candidate) throw new Error(`the CLI cache did not install ${pin.package}@${to}`);
  return { ...candidate, version: to };
}

async function checkOne(entry: LockEntry, options: UpgradeCheckOptions): Promise<UpgradeReport> {
  const driver = lockableDriver(entry.name);
  if (driver.kind !== 'one-shot') throw new HubError('bad_request', `${entry.name} is not a one-shot CLI driver`);
  const log = options.log ?? (() => undefined);
  const pkg = packageOf(entry, driver);
  const candidate = await candidateRunnable(entry, driver, options, log);
  const to = candidate.version ?? 'unknown';
  const base: UpgradeReport = {
    cli: driver.name,
    package: pkg ?? '-',
    from: entry.version,
    to,
    verdict: 'current',
    reasons: [],
    help_diff: null,
    contract: null,
    engine: null,
    candidate_bin: candidate.bin || null,
    pack: null,
    install_command: pkg && candidate.version ? `npm install -g ${pkg}@${candidate.version}` : null,
  };
  if (to === entry.version) return { ...base, reasons: [`${to} is the locked version already`] };

  const locked = await lockedRunnable(entry, driver, options, log);
  const helpArgs = driver.helpArgs ?? ['--help'];
  log(`${driver.name}: comparing the help of ${entry.version} and ${to}`);
  const [oldHelp, newHelp, versionOutput] = await Promise.all([runCached(locked, helpArgs), runCached(candidate, helpArgs), runCached(candidate, driver.versionArgs)]);
  const judged = judgeUpgrade({ driver, to, oldHelp, newHelp, versionOutput, engine: checkEngine(candidate.bin, options.env ?? process.env) });
  const report: UpgradeReport = { ...base, ...judged };
  if (options.pack === 'none' || !options.withRuns) return report;
  log(`${driver.name}: running the pack with ${to}`);
  const pack = await rehearsePack({
    cli: driver.name,
    ...(typeof options.pack === 'object' ? { packFile: options.pack.file } : {}),
    withRuns: options.withRuns,
    spec: specFromSettings(driver.name, options.config?.backends[driver.name]),
    specFor: (name) => specFromSettings(name, options.config?.backends[name]),
    candidate: { bin: candidate.bin, pathPrefix: candidate.pathPrefix, version: to },
    dbPath: options.rehearsalDb ?? path.join(options.workspace, '.mittelo', 'upgrade-check.db'),
    keepRuns: envWholeNumber(options.env ?? process.env, 'MITTELO_KEEP_REHEARSALS', DEFAULT_KEPT_REHEARSALS, 1),
    log: (line) => log(`${driver.name}: ${line}`),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return withPack(report, pack);
}

/** The pack's verdict folded into the CLI's: a regression breaks; no baseline or a failed run is for review. */
export function withPack(report: UpgradeReport, pack: PackRehearsal): UpgradeReport {
  const packReasons = pack.reasons.map((reason) => `pack ${pack.pack_name}: ${reason}`);
  if (pack.verdict === 'pass') return { ...report, pack };
  if (pack.verdict === 'regressed') {
    return { ...report, pack, verdict: 'breaks', reasons: [...(report.verdict === 'breaks' ? report.reasons : []), ...packReasons] };
  }
  if (report.verdict === 'breaks') return { ...report, pack };
  return { ...report, pack, verdict: 'review', reasons: [...report.reasons, ...packReasons] };
}

export interface UpgradeEvidence {
  driver: OneShotDriver;
  to: string;
  /** `--help` (or the driver's helpArgs) of the locked and the candidate version. */
  oldHelp: string;
  newHelp: string;
  /** The candidate's --version output. */
  versionOutput: string;
  /** The candidate's package engines against the Node it would run on. */
  engine: EngineCheck | null;
}

/** The verdict from what the two versions printed: pure, so every rule is tested without npm. */
export function judgeUpgrade(evidence: UpgradeEvidence): Pick<UpgradeReport, 'verdict' | 'reasons' | 'help_diff' | 'contract' | 'engine'> {
  const { driver, to, engine } = evidence;
  const binary = driver.binary ?? driver.name;
  const helpArgs = driver.helpArgs ?? ['--help'];
  const after = readHelp(evidence.newHelp);
  const diff = diffHelp(readHelp(evidence.oldHelp), after);
  const missing = driver.requiredFlags.filter((flag) => !after.flags.includes(flag));
  const removedValues = valuesPassed(driver).filter(({ flag, value }) => after.choices[flag] !== undefined && !after.choices[flag]?.includes(value));
  const reported = driver.parseVersion(evidence.versionOutput);
  const tooOld = engine ? engineProblem(binary, engine) : null;

  const breaks: string[] = [];
  if (reported !== to) breaks.push(`\`${binary} ${driver.versionArgs.join(' ')}\` reports ${reported ?? 'no version the driver can read'}, not ${to}`);
  for (const flag of missing) breaks.push(`the driver passes ${flag}, which ${to}'s \`${[binary, ...helpArgs].join(' ')}\` no longer lists`);
  for (const { flag, value } of removedValues) breaks.push(`the driver passes ${flag} ${value}; ${to} allows only ${after.choices[flag]?.join(', ')}`);
  if (tooOld) breaks.push(tooOld);
  const review = [
    ...diff.flags_removed.filter((f) => !missing.includes(f)).map((f) => `${f} removed (the driver does not use it)`),
    ...diff.choices_changed
      .filter((c) => !removedValues.some((r) => r.flag === c.flag))
      .map((c) => `${c.flag} values${c.added.length ? ` added ${c.added.join(', ')}` : ''}${c.removed.length ? ` removed ${c.removed.join(', ')}` : ''}`),
  ];
  return {
    verdict: breaks.length > 0 ? 'breaks' : review.length > 0 ? 'review' : 'safe',
    reasons: breaks.length > 0 ? breaks : review,
    help_diff: diff,
    contract: { version_reported: reported, missing_flags: missing, removed_values: removedValues },
    engine,
  };
}

export async function upgradeCheck(options: UpgradeCheckOptions): Promise<UpgradeReport[]> {
  const lock = readLock(options.workspace);
  if (!lock) throw new HubError('bad_request', `no lock file in ${options.workspace}: write one first (mittelo lock write)`);
  const wanted = options.backends.map((name) => lockableDriver(name).name);
  if (options.candidatePath !== undefined && wanted.length !== 1) throw new HubError('bad_request', '--candidate-path rehearses one CLI: name it (e.g. upgrade-check claude_code --candidate-path ./claude)');
  const entries = wanted.length > 0 ? wanted.map((name) => lock.clis.find((e) => e.name === name) ?? missingEntry(name)) : lock.clis.filter((e) => e.source.type === 'npm');
  const reports: UpgradeReport[] = [];
  // One at a time: each may install a few hundred MB.
  for (const entry of entries) {
    try {
      reports.push(await checkOne(entry, options));
    } catch (err) {
      reports.push({
        cli: entry.name,
        package: entry.source.type === 'npm' ? entry.source.package : '-',
        from: entry.version,
        to: options.to,
        verdict: 'breaks',
        reasons: [`could not rehearse: ${errorMessage(err)}`],
        help_diff: null,
        contract: null,
        engine: null,
        candidate_bin: null,
        pack: null,
        install_command: null,
      });
    }
  }
  return reports;
}

function missingEntry(name: string): never {
  throw new HubError('bad_request', `${name} is not in the lock: upgrade-check compares a candidate with the locked version (mittelo lock write --backend ${name})`);
}
