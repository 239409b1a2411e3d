/**
 * The vendor drivers against the real CLIs, installed from npm at the versions pinned in
 * mittelo.lock.json (the repo's own version lock) into a cache outside the repo (scripts/real-clis.ts; cold install about half
 * a minute, warm a version check each). HOME is a fresh temporary folder, no credential variable is
 * passed, and the machine has no network: every prompt fails, and what is checked is *how*: the
 * failure class each CLI must end in, its own words in the message, and no process left behind.
 * MITTELO_SKIP_REAL_CLIS=1 skips the suite (visibly); an install failure fails it with the reason.
 * Kiro and the Python Kimi CLI are not on npm: put `kiro-cli` / `kimi` in MITTELO_REAL_CLI_DIR to
 * check them too. Kimi Code (npm, needs Node >= 22.19) runs on a Node 22 the cache installs from npm.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { claudeCodeDriver } from '../../drivers/claude-code.js';
import { codexDriver } from '../../drivers/codex.js';
import { geminiDriver } from '../../drivers/gemini.js';
import { kimiDriver } from '../../drivers/kimi.js';
import { kimiCodeDriver } from '../../drivers/kimi-code.js';
import { checkBackend } from '../../core/agent/backend-check.js';
import { checkEngine } from '../../drivers/engine.js';
import { acpDriver } from '../../drivers/acp.js';
import { kiroDriver } from '../../drivers/kiro.js';
import { oneShotRequest } from '../../drivers/one-shot.js';
import { opencodeDriver } from '../../drivers/opencode.js';
import { listDrivers } from '../../drivers/registry.js';
import { runProcess } from '../../drivers/run/runner.js';
import type { DriverCall, FailureClass, OneShotDriver } from '../../drivers/types.js';
import { ensureRealClis, pathWith, readPins, type InstalledCli } from '../../scripts/real-clis.js';

const SKIP = !['', '0', 'false'].includes(process.env.MITTELO_SKIP_REAL_CLIS ?? '');
/** Cold installs download about 370 MB; a slow CI link gets this long before the suite gives up. */
const INSTALL_TIMEOUT_MS = 15 * 60 * 1000;

interface Expectation {
  driver: OneShotDriver;
  failures: FailureClass[];
  /** A distinctive fragment of what the CLI itself says (shared/CLI_FACTS.md). */
  says: RegExp;
  /** Bound on the prompt run: Codex retries an unreachable network for minutes, opencode forever. */
  timeoutMs: number;
  /** Check that nothing started by the run outlives it. */
  watchProcesses?: boolean;
}

const EXPECTED: Record<string, Expectation> = {
  claude_code: { driver: claudeCodeDriver, failures: ['auth_required'], says: /Not logged in · Please run \/login/, timeoutMs: 60_000 },
  gemini: { driver: geminiDriver, failures: ['auth_required'], says: /Please set an Auth method[\s\S]*GEMINI_API_KEY/, timeoutMs: 60_000 },
  codex: {
    driver: codexDriver,
    failures: ['network', 'auth_required'],
    says: /Reconnecting\.\.\.|failed to lookup address|error sending request|stream disconnected|401 Unauthorized/,
    timeoutMs: 20_000,
    watchProcesses: true,
  },
  // Runs on the Node 22 the cache installs from npm (the package needs >= 22.19).
  kimi_code: { driver: kimiCodeDriver, failures: ['auth_required'], says: /No model configured\. Run `kimi` and use \/login to sign in/, timeoutMs: 60_000 },
  // opencode prints nothing at all offline (its retries go to a log file), so the message is the runner's.
  opencode: { driver: opencodeDriver, failures: ['timeout'], says: /^opencode was stopped after \d+(\.\d)?s without an answer$/, timeoutMs: 8_000, watchProcesses: true },
};

function hasFlag(text: string, flag: string): boolean {
  const escaped = flag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\w-])${escaped}(?![\\w-])`).test(text);
}

interface ProcessRow {
  pid: number;
  ppid: number;
  pgid: number;
  args: string;
}

function processTable(): ProcessRow[] {
  const listing = execFileSync('ps', ['-eo', 'pid=,ppid=,pgid=,args='], { encoding: 'utf8' });
  return listing.split('\n').flatMap((line) => {
    const match = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    return match ? [{ pid: Number(match[1]), ppid: Number(match[2]), pgid: Number(match[3]), args: match[4] ?? '' }] : [];
  });
}

const HAS_PROC = fs.existsSync('/proc/self/environ');

function hasHome(pid: number, home: string): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`HOME=${home}`);
  } catch {
    return false; // Gone, or no /proc (macOS): the process group is the check there.
  }
}

/**
 * Watches what one run starts: its root is our child running a binary under `installDir` (other
 * test runs may use the same cache at the same time), and everything in the root's process group or
 * with the run's private HOME belongs to it.
 */
class RunWatch {
  readonly groups = new Set<number>();
  readonly seen = new Map<number, ProcessRow>();
  constructor(
    private readonly installDir: string,
    private readonly home: string,
  ) {}

  /** The run's processes now (recording any new process group on the way). */
  members(): ProcessRow[] {
    const table = processTable();
    // Our child running that CLI with this run's HOME: another run of the same CLI (the ACP suite
    // runs alongside) has its own HOME. Without /proc (macOS) the binary path has to do.
    const ownHome = (pid: number): boolean => !HAS_PROC || hasHome(pid, this.home);
    for (const row of table) if (row.ppid === process.pid && row.args.includes(this.installDir) && ownHome(row.pid)) this.groups.add(row.pgid);
    return table.filter((row) => row.pid !== process.pid && (this.groups.has(row.pgid) || hasHome(row.pid, this.home)));
  }

  sample(): void {
    for (const row of this.members()) this.seen.set(row.pid, row);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Everything the run started was seen, and none of it outlives the run. */
function expectNothingLeft(watch: RunWatch, name: string): void {
  expect(watch.seen.size, `${name} was seen running while the prompt ran`).toBeGreaterThan(0);
  const left = [...watch.seen.values()].filter((row) => alive(row.pid));
  const groups = [...watch.groups].filter((pgid) => alive(-pgid));
  expect({ left, groups, members: watch.members() }, 'processes left behind').toEqual({ left: [], groups: [], members: [] });
}

/** Version, help flags and a credential-less prompt against one real binary. */
async function checkRealCli(driver: OneShotDriver, command: string, expected: Omit<Expectation, 'driver'>, pinned: string | null, pathPrefix: string | null = null): Promise<void> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `mittelo-real-${driver.name}-`));
  try {
    const env: Record<string, string> = { HOME: home };
    if (pathPrefix) env.PATH = pathWith(pathPrefix);
    const version = await runProcess({ command, args: driver.versionArgs, stdin: null, env, timeoutMs: 60_000 });
    const parsed = driver.parseVersion(`${version.stdout}\n${version.stderr}`);
    if (pinned) expect(parsed, `${driver.name} --version`).toBe(pinned);
    else expect(parsed).toMatch(/^\d+\.\d+\.\d+/);

    const helpArgs = driver.helpArgs ?? ['--help'];
    const help = await runProcess({ command, args: helpArgs, stdin: null, env, timeoutMs: 60_000 });
    const missing = driver.requiredFlags.filter((flag) => !hasFlag(`${help.stdout}\n${help.stderr}`, flag));
    expect(missing, `flags missing from ${driver.binary ?? driver.name} ${helpArgs.join(' ')}`).toEqual([]);

    // An empty parent environment: no credential variable of the developer's shell reaches the CLI.
    const call: DriverCall = { prompt: 'Reply with the single word: pong', toolPolicy: 'none', options: {} };
    const request = oneShotRequest(driver, { call, binary: { path: command, source: 'configured' }, run: { env, timeoutMs: expected.timeoutMs, killGraceMs: 500 } }, {});
    // `<dir>/node_modules/.bin/<binary>` -> `<dir>`. No event reports a grandchild's birth: sample the process table while the run lasts.
    const watch = new RunWatch(path.dirname(path.dirname(path.dirname(command))), home);
    const sampler = expected.watchProcesses ? setInterval(() => watch.sample(), 250) : undefined;
    const result = await runProcess(request).finally(() => clearInterval(sampler));
    const outcome = driver.interpret(result, call);
    const summary = outcome.ok ? `answered: ${outcome.output.answer}` : `${outcome.failure}: ${outcome.message}`;
    console.info(`${driver.name} ${parsed ?? '?'} (${(result.durationMs / 1000).toFixed(1)}s): ${summary}`);

    expect(outcome.ok, `${driver.name} must fail without credentials or network; ${summary}`).toBe(false);
    if (outcome.ok) return;
    expect(outcome.message).not.toMatch(/unknown (option|argument)|unexpected argument|invalid value/i);
    expect(expected.failures, summary).toContain(outcome.failure);
    expect(outcome.message).toMatch(expected.says);

    if (expected.watchProcesses) expectNothingLeft(watch, driver.name);
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

describe('real CLI pins', () => {
  it('every driver with an npm package has a pin at its verified version, and every pin has such a driver', () => {
    const fromDrivers = listDrivers()
      .filter((driver) => driver.npmPackage)
      .map((driver) => ({ driver: driver.name, package: driver.npmPackage, version: driver.verifiedVersion, binary: driver.binary }));
    const sort = <T extends { driver: string }>(rows: T[]): T[] => [...rows].sort((a, b) => a.driver.localeCompare(b.driver));
    expect(sort(readPins())).toEqual(sort(fromDrivers));
    expect(Object.keys(EXPECTED).sort()).toEqual(fromDrivers.map((row) => row.driver).sort());
  });
});

if (SKIP) {
  const reason = `MITTELO_SKIP_REAL_CLIS=${process.env.MITTELO_SKIP_REAL_CLIS ?? ''}: drivers NOT checked against the real CLIs`;
  console.warn(`drivers-real: skipped (${reason})`);
  describe('real vendor CLIs', () => {
    it('are skipped on request', (ctx) => ctx.skip(reason));
  });
} else {
  describe.concurrent('real vendor CLIs at their pinned versions (no credentials, no network)', () => {
    const installed = new Map<string, InstalledCli>();
    beforeAll(async () => {
      for (const cli of await ensureRealClis({ log: (line) => console.info(line) })) installed.set(cli.driver, cli);
    }, INSTALL_TIMEOUT_MS);

    const cases = readPins().map((pin) => [`${pin.binary} ${pin.version}`, EXPECTED[pin.driver]?.failures.join(' or ') ?? '?', pin.driver] as const);
    it.each(cases)(
      '%s: reports its pinned version, lists every required flag, and a credential-less prompt ends as %s with the CLI\'s own words',
      async (_label, _failures, name) => {
        const cli = installed.get(name);
        const expected = EXPECTED[name];
        if (!cli || !expected) throw new Error(`no installed CLI or expectation for driver ${name}`);
        await checkRealCli(expected.driver, cli.bin, expected, cli.version, cli.pathPrefix);
      },
      120_000,
    );

    it('a CLI whose engines.node this Node does not meet is reported as such (Kimi Code on the Node here), and not with the Node it needs', async () => {
      const cli = [...installed.values()].find((c) => c.pathPrefix !== null);
      if (!cli) return; // this Node meets every pinned CLI's engines: nothing to show here
      const plain = await checkBackend({ name: cli.driver, binaryPath: cli.bin }, { ...process.env, PATH: ['/usr/bin', '/bin', path.dirname(process.execPath)].join(path.delimiter) });
      expect(plain.engine).toMatchObject({ package: cli.package, package_version: cli.version, runs_as: 'node-script', ok: false });
      expect(plain.version).toBe(cli.version);
      expect(plain.problems.join('\n')).toMatch(new RegExp(`needs Node >=\\d+\\.\\d+\\.\\d+ \\(its package\\.json engines\\) but would run on Node ${process.version.replace(/\./g, '\\.')}`));
      expect(plain.problems.join('\n')).not.toMatch(/missing from|printed no version/);
      // With the Node it needs first on PATH (how this suite runs it), the same package is fine.
      expect(checkEngine(cli.bin, { PATH: pathWith(cli.pathPrefix ?? '') })).toMatchObject({ ok: true, runs_as: 'node-script' });
    }, 120_000);
  });
}

interface AcpExpectation {
  /** What starts the CLI as an ACP agent over stdio. */
  args: string[];
  failures: FailureClass[];
  says: RegExp;
  timeoutMs: number;
  watchProcesses?: boolean;
}

/**
 * The generic acp driver against the pinned CLIs that speak the Agent Client Protocol: the
 * handshake (initialize, protocol version 1) must work, and the credential-less turn must end in
 * the failure class each agent's own answer calls for.
 */
const ACP_AGENTS: Record<string, AcpExpectation> = {
  gemini: { args: ['--acp'], failures: ['auth_required'], says: /session\/new failed: Gemini API key is missing or not configured[\s\S]*it offers to log in with: Log in with Google, Gemini API key/, timeoutMs: 60_000 },
  kimi_code: { args: ['acp'], failures: ['auth_required'], says: /session\/new failed: Authentication required[\s\S]*it offers to log in with: Login with Kimi account/, timeoutMs: 60_000 },
  // opencode opens the session, then retries the network forever: the turn is cancelled at the
  // bound, which leaves room for its start (1 s when quiet, over 8 s on a loaded 2-core machine).
  opencode: { args: ['acp'], failures: ['timeout'], says: /did not finish its turn within 20000 ms/, timeoutMs: 20_000, watchProcesses: true },
};

async function checkRealAcpAgent(cli: InstalledCli, expected: AcpExpectation): Promise<void> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `mittelo-real-acp-${cli.driver}-`));
  try {
    const env: Record<string, string> = { HOME: home };
    if (cli.pathPrefix) env.PATH = pathWith(cli.pathPrefix);
    const acpCmd = [cli.bin, ...expected.args].map((word) => `'${word}'`).join(' ');
    const call: DriverCall = { prompt: 'Reply with the single word: pong', toolPolicy: 'none', options: { acp_cmd: acpCmd } };
    const watch = new RunWatch(cli.dir, home);
    const sampler = expected.watchProcesses ? setInterval(() => watch.sample(), 250) : undefined;
    const { outcome, result } = await acpDriver.execute({ call, binary: null, run: { env, cwd: home, timeoutMs: expected.timeoutMs, killGraceMs: 500 } }).finally(() => clearInterval(sampler));
    const summary = outcome.ok ? `answered: ${outcome.output.answer}` : `${outcome.failure}: ${outcome.message}`;
    console.info(`acp ${cli.driver} ${cli.version} (${(result.durationMs / 1000).toFixed(1)}s): ${summary.slice(0, 300)}`);
    expect(result.stdout, 'initialize answered with protocol version 1').toMatch(/"id":0,"result":\{"protocolVersion":1/);
    expect(outcome.ok, summary).toBe(false);
    if (outcome.ok) return;
    expect(expected.failures, summary).toContain(outcome.failure);
    expect(outcome.message).toMatch(expected.says);
    if (expected.watchProcesses) expectNothingLeft(watch, `${cli.driver} acp`);
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

if (!SKIP) {
  describe.concurrent('the acp driver against the real CLIs that speak ACP (no credentials, no network)', () => {
    const installed = new Map<string, InstalledCli>();
    beforeAll(async () => {
      for (const cli of await ensureRealClis({ log: (line) => console.info(line) })) installed.set(cli.driver, cli);
    }, INSTALL_TIMEOUT_MS);

    it.each(Object.entries(ACP_AGENTS).map(([name, expected]) => [`${name} ${expected.args.join(' ')}`, expected.failures.join(' or '), name, expected] as const))(
      '%s: initialize works and a credential-less turn ends as %s',
      async (_label, _failures, name, expected) => {
        const cli = installed.get(name);
        if (!cli) throw new Error(`driver ${name} has no pinned CLI installed`);
        await checkRealAcpAgent(cli, expected);
      },
      120_000,
    );
  });
}

const optInDir = process.env.MITTELO_REAL_CLI_DIR;
const optIn = [kiroDriver, kimiDriver].filter((driver) => optInDir && fs.existsSync(path.join(optInDir, driver.binary ?? '')));
describe.runIf(optIn.length > 0)('real Kiro / Kimi CLIs (opt-in: MITTELO_REAL_CLI_DIR)', () => {
  it.each(optIn.map((driver) => [driver.name, driver] as const))('%s: version, help flags and a credential-less prompt', async (_name, driver) => {
    await checkRealCli(driver, path.join(optInDir ?? '', driver.binary ?? ''), { failures: ['auth_required', 'network'], says: /\S/, timeoutMs: 20_000 }, null);
  }, 120_000);
});
