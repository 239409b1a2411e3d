/**
 * A backend as an agent serves it: which driver, its settings, where its CLI is and which version
 * it is. `preflight` answers "can this machine run it?" for the agent, `backend-check` and doctor.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findDriver, installedVariant, knownBackendNames, listDrivers, packageVariant } from '../../drivers/registry.js';
import { resolveBinary } from '../../drivers/resolve.js';
import { splitCommandLine } from '../../drivers/command-line.js';
import { runProcess } from '../../drivers/run/runner.js';
import type { Driver, ResolvedBinary, ToolPolicy } from '../../drivers/types.js';
import { resolveFolderBinary } from '../../drivers/folder.js';
import { checkEngine, engineProblem, type EngineCheck } from '../../drivers/engine.js';
import { folderDriverFor } from './folder-backend.js';

export interface BackendSpec {
  /** Backend name as tasks are routed (`claude_code`, `glm`, `echo`, a folder backend...). */
  name: string;
  /** Driver options: `shell_cmd`, `acp_cmd`, `tmux_session`... */
  options?: Record<string, string>;
  model?: string;
  toolPolicy?: ToolPolicy;
  /** Tasks of this backend run at once (default 1). */
  concurrency?: number;
  /** Started tasks per minute at most (unset = no limit). */
  ratePerMinute?: number;
  timeoutMs?: number;
  /** Path the user set for the CLI; must exist when given. */
  binaryPath?: string;
  /** Variables for this backend's CLI only (mittelo.config.json `env`). */
  env?: Record<string, string>;
}

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface Preflight {
  backend: string;
  status: CheckStatus;
  driver: string | null;
  binary: ResolvedBinary | null;
  version: string | null;
  /** Why the status is not ok, in plain words, one line each. */
  problems: string[];
  auth: { env_present: string[]; files_present: string[]; hint: string | null };
  required_flags: string[];
  /** The CLI's npm package and its `engines.node` against the Node it runs on; null when not an npm CLI. */
  engine: EngineCheck | null;
}

export class BackendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendError';
  }
}

/** The driver serving a backend name: a registered driver or alias, else a folder backend. */
export function driverFor(name: string, env: NodeJS.ProcessEnv = process.env): Driver {
  const registered = findDriver(name);
  if (registered) return registered;
  const folder = folderDriverFor(name, env);
  if (folder) return folder;
  throw new BackendError(
    `unknown backend "${name}": not a built-in backend (${knownBackendNames().join(', ')}) and no folder backend ${name}/run in $MITTELO_BACKENDS_DIR or ./backends`,
  );
}

const VERSION_TIMEOUT_MS = 15_000;

/** Runs the CLI's version command (no prompt, no credentials needed) and parses it. */
export async function probeVersion(driver: Driver, binary: ResolvedBinary): Promise<{ version: string | null; output: string }> {
  if (!driver.versionArgs) return { version: null, output: '' };
  const result = await runProcess({ command: binary.path, args: driver.versionArgs, stdin: null, timeoutMs: VERSION_TIMEOUT_MS, sandboxHome: true, killGraceMs: 500 });
  const output = `${result.stdout}\n${result.stderr}`.trim();
  if (result.home) fs.rmSync(result.home, { recursive: true, force: true });
  return { version: driver.parseVersion(output), output };
}

function expandHome(file: string): string {
  return file.startsWith('~') ? path.join(os.homedir(), file.slice(1)) : file;
}

const MAX_CREDENTIAL_FILE_BYTES = 1024 * 1024;

/** Whether a credential file is there and, where the driver says what proves a login, holds one. */
function credentialFile(driver: Driver, file: string): 'holds' | 'absent' | 'no-login' {
  const full = expandHome(file);
  const proof = driver.authHints.proof?.[file];
  try {
    const stat = fs.statSync(full);
    if (!proof) return 'holds';
    if (!stat.isFile() || stat.size > MAX_CREDENTIAL_FILE_BYTES) return 'no-login';
    return proof.holds(fs.readFileSync(full, 'utf8')) ? 'holds' : 'no-login';
  } catch {
    return 'absent';
  }
}

function authState(driver: Driver, env: NodeJS.ProcessEnv): Preflight['auth'] {
  const envPresent = driver.authHints.env.filter((name) => (env[name] ?? '').trim() !== '');
  const files = driver.authHints.files.map((file) => ({ file, state: credentialFile(driver, file) }));
  const filesPresent = files.filter((f) => f.state === 'holds').map((f) => f.file);
  const withoutLogin = files.filter((f) => f.state === 'no-login').map((f) => `${f.file} is there but holds no login (no ${driver.authHints.proof?.[f.file]?.meaning ?? 'credentials'})`);
  const needsAuth = driver.authHints.env.length + driver.authHints.files.length > 0;
  const hint =
    needsAuth && envPresent.length === 0 && filesPresent.length === 0
      ? `no credentials found: set ${driver.authHints.env.join(' or ') || 'its API key'}${driver.authHints.files.length ? ` or log in with the CLI (it keeps ${driver.authHints.files.join(', ')})` : ''}` +
        (withoutLogin.length > 0 ? `; ${withoutLogin.join('; ')}` : '')
      : null;
  return { env_present: envPresent, files_present: filesPresent, hint };
}

export async function preflight(spec: BackendSpec, env: NodeJS.ProcessEnv = process.env): Promise<Preflight> {
  const report: Preflight = {
    backend: spec.name,
    status: 'ok',
    driver: null,
    binary: null,
    version: null,
    problems: [],
    auth: { env_present: [], files_present: [], hint: null },
    required_flags: [],
    engine: null,
  };
  let driver: Driver;
  try {
    driver = driverFor(spec.name, env);
  } catch (err) {
    return { ...report, status: 'fail', problems: [err instanceof Error ? err.message : String(err)] };
  }
  const switchTo = (installed: Driver): void => {
    driver = installed;
    report.driver = installed.name;
    report.required_flags = installed.requiredFlags;
  };
  report.driver = driver.name;
  report.required_flags = driver.requiredFlags;
  for (const [option, value] of Object.entries(requiredOptions(driver))) {
    if (!spec.options?.[option]) report.problems.push(`backend ${spec.name} needs ${value}`);
  }
  const commandProblem = await checkConfiguredCommand(driver, spec, env);
  if (commandProblem) report.problems.push(commandProblem);
  if (driver.binary) {
    try {
      report.binary = await resolveBinary(driver.binary, { configuredPath: spec.binaryPath ?? null, env });
    } catch (err) {
      report.problems.push(err instanceof Error ? err.message : String(err));
    }
    if (!report.binary) {
      if (report.problems.length === 0 && spec.binaryPath) {
        // A configured path is never silently replaced by another binary (resolve.ts): name the path.
        report.problems.push(`configured path ${spec.binaryPath} for ${driver.binary} does not exist or is not an executable file`);
      } else if (report.problems.length === 0) {
        report.problems.push(`${driver.binary} not found on PATH, the login shell's PATH or the usual install places${driver.npmPackage ? ` (install: npm install -g ${driver.npmPackage})` : ''}`);
      }
      return { ...report, status: 'fail' };
    }
    report.engine = checkEngine(report.binary.path, env);
    // The package says which CLI this is (`kimi`: Kimi Code or not) even when it cannot start.
    if (report.engine) switchTo(packageVariant(driver, report.engine.package));
    const tooOld = report.engine ? engineProblem(cliLabel(driver), report.engine) : null;
    if (tooOld && report.engine) {
      // It cannot start on this Node, so its --version and --help are a crash: say why instead.
      report.version = report.engine.package_version;
      report.problems.push(tooOld);
    } else {
      const probed = await probeVersion(driver, report.binary);
      const { output } = probed;
      let { version } = probed;
      // The same command may be another CLI (`kimi`: the Python CLI or Kimi Code): serve what is there.
      const installed = installedVariant(driver, output);
      if (installed !== driver) {
        switchTo(installed);
        version = installed.parseVersion(output);
      }
      report.version = version;
      if (driver.versionArgs && !version) {
        report.problems.push(`${report.binary.path} ${driver.versionArgs.join(' ')} printed no version we understand: ${output.slice(0, 200) || '(nothing)'}`);
      }
    }
  }
  // findDriver also answers with folder backends: a driver that is not registered is one.
  if (!driver.binary && !listDrivers().includes(driver)) {
    report.binary = resolveFolderBinary(spec.name, { env });
    if (!report.binary) report.problems.push(`folder backend ${spec.name}: its run file is not executable (chmod +x it)`);
  }
  report.auth = authState(driver, env);
  if (report.problems.length > 0) report.status = 'fail';
  else if (report.auth.hint) report.status = 'warn';
  return report;
}

/** The name a message uses for a CLI: its binary, or the driver name. */
function cliLabel(driver: Driver): string {
  return driver.binary ?? driver.name;
}

/**
 * The program a shell or ACP backend runs (the first word of its command line) must exist: the
 * same resolution as for vendor CLIs, so "ok" means the command can start.
 */
async function checkConfiguredCommand(driver: Driver, spec: BackendSpec, env: NodeJS.ProcessEnv): Promise<string | null> {
  const option = driver.name === 'shell' ? 'shell_cmd' : driver.name === 'acp' ? 'acp_cmd' : null;
  const line = option ? spec.options?.[option] : undefined;
  if (!option || !line) return null;
  let program: string;
  try {
    [program] = splitCommandLine(line);
  } catch (err) {
    return `backend ${spec.name}: its ${option} cannot be read: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (program.includes('/')) {
    return fs.existsSync(path.resolve(program)) ? null : `backend ${spec.name}: ${program} (from its ${option}) does not exist`;
  }
  const found = await resolveBinary(program, { env }).catch(() => null);
  return found ? null : `backend ${spec.name}: ${program} (from its ${option}) was not found on PATH, the login shell's PATH or the usual install places`;
}

/** Options a built-in driver cannot run without, with how to give them. */
export function requiredOptions(driver: Driver): Record<string, string> {
  switch (driver.name) {
    case 'shell':
      return { shell_cmd: 'a command line (--shell-cmd "...")' };
    case 'acp':
      return { acp_cmd: 'an ACP agent command line (--acp-cmd "gemini --acp")' };
    case 'tmux':
      return { tmux_session: 'a tmux session name (--tmux-session NAME)' };
    default:
      return {};
  }
}
