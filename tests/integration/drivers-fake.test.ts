/**
 * Each vendor driver end to end through the real runner against its fake CLI (tests/fixtures/bin),
 * one run per behaviour mode: argv and stdin accepted by a strict parser, answer and usage parsed,
 * every failure class with the CLI's own words, and hung CLIs killed with their children.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { claudeCodeDriver } from '../../drivers/claude-code.js';
import { codexDriver } from '../../drivers/codex.js';
import { geminiDriver } from '../../drivers/gemini.js';
import { kimiDriver } from '../../drivers/kimi.js';
import { kimiCodeDriver } from '../../drivers/kimi-code.js';
import { kiroDriver } from '../../drivers/kiro.js';
import { runOneShot } from '../../drivers/one-shot.js';
import { opencodeDriver } from '../../drivers/opencode.js';
import { runProcess } from '../../drivers/run/runner.js';
import type { RunResult } from '../../drivers/run/types.js';
import type { DriverCall, DriverOutcome, FailureClass, OneShotDriver, ToolPolicy } from '../../drivers/types.js';
import { alive } from '../agent-helpers.js';
import { repoRoot } from '../helpers.js';

const BIN = path.join(repoRoot, 'tests', 'fixtures', 'bin');
/** Kimi Code installs the same `kimi` command as the Python CLI, so its fake lives apart. */
const KIMI_CODE_BIN = path.join(repoRoot, 'tests', 'fixtures', 'kimi-code');

function fakeBinary(driver: OneShotDriver): string {
  return path.join(driver === kimiCodeDriver ? KIMI_CODE_BIN : BIN, driver.binary ?? driver.name);
}
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mittelo-drivers-fake-'));
const made: string[] = [scratch];

afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

interface Case {
  driver: OneShotDriver;
  /** Words of the fake's own failure message expected in the outcome, per mode. */
  auth: string;
  network: string;
  rateLimit: string;
  /** What its usage error for an unknown flag says (opencode just prints its help). */
  usage: string;
}

const CASES: Case[] = [
  { driver: claudeCodeDriver, auth: 'Not logged in · Please run /login', network: 'API Error: Connection error.', rateLimit: 'rate_limit_error', usage: "error: unknown option '--no-such-flag'" },
  { driver: geminiDriver, auth: 'Please set an Auth method', network: 'fetch failed sending request', rateLimit: '429 Too Many Requests', usage: 'Unknown argument: no-such-flag' },
  { driver: codexDriver, auth: '401 Unauthorized', network: 'failed to lookup address information', rateLimit: '429 Too Many Requests', usage: "unexpected argument '--no-such-flag'" },
  { driver: kiroDriver, auth: 'please log in with kiro-cli login', network: 'dns error: failed to lookup address information', rateLimit: 'Too many requests', usage: "unexpected argument '--no-such-flag'" },
  { driver: kimiDriver, auth: 'LLM not set', network: 'LLM provider error: Connection error.', rateLimit: 'Error code: 429', usage: 'No such option: --no-such-flag' },
  {
    driver: kimiCodeDriver,
    auth: 'No model configured. Run `kimi` and use /login to sign in',
    network: 'failed to run prompt: Connection error.',
    rateLimit: '429 Too Many Requests',
    usage: "error: unknown option '--no-such-flag'",
  },
  { driver: opencodeDriver, auth: 'ProviderAuthError', network: 'Unable to connect', rateLimit: 'Rate limit exceeded', usage: 'opencode exited with code 1: ' },
];

interface RunOptions {
  mode?: string;
  prompt?: string;
  toolPolicy?: ToolPolicy;
  model?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  binaryPath?: string;
  signal?: AbortSignal;
  /** Backend options (DriverCall.options). */
  options?: Record<string, string>;
}

async function run(driver: OneShotDriver, options: RunOptions = {}): Promise<{ outcome: DriverOutcome; result: RunResult }> {
  const call: DriverCall = { prompt: options.prompt ?? 'What is 2+2?', toolPolicy: options.toolPolicy ?? 'none', options: options.options ?? {} };
  if (options.model) call.model = options.model;
  const ran = await runOneShot(driver, {
    call,
    binary: { path: options.binaryPath ?? fakeBinary(driver), source: 'configured' },
    run: {
      env: { FAKE_CLI_MODE: options.mode ?? 'success', FAKE_CLI_FLOOD_BYTES: String(2 * 1024 * 1024), ...options.env },
      sandboxHome: true,
      timeoutMs: options.timeoutMs ?? 15_000,
      killGraceMs: 200,
      maxOutputBytes: 64 * 1024,
      ...(options.signal ? { signal: options.signal } : {}),
    },
  });
  for (const dir of [ran.result.home, ran.result.workdir]) if (dir) made.push(dir);
  return ran;
}

function expectFailure(outcome: DriverOutcome, failure: FailureClass, words: string): void {
  expect(outcome, JSON.stringify(outcome)).toMatchObject({ ok: false, failure });
  if (!outcome.ok) expect(outcome.message).toContain(words);
}

describe.concurrent.each(CASES)('$driver.name against its fake CLI', ({ driver, auth, network, rateLimit, usage }) => {
  it('success: the answer derived from the prompt comes back with its usage, argv and stdin as built', async () => {
    const record = path.join(scratch, `${driver.name}-record.jsonl`);
    const { outcome, result } = await run(driver, { prompt: 'Name the capital of France', model: 'model-x', env: { FAKE_CLI_RECORD: record } });
    expect(outcome.ok, JSON.stringify(outcome)).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.output.answer).toContain('Name the capital of France');
    if (driver.outputFormat !== 'text' && driver !== kimiDriver && driver !== kimiCodeDriver) {
      expect(outcome.output.usage?.input_tokens).toBeGreaterThan(0);
      expect(outcome.output.usage?.output_tokens).toBeGreaterThan(0);
    }
    const seen = JSON.parse(fs.readFileSync(record, 'utf8').trim().split('\n').at(-1) ?? '{}') as { argv: string[]; stdin: string; env: Record<string, string> };
    const invocation = driver.buildInvocation({ prompt: 'Name the capital of France', toolPolicy: 'none', model: 'model-x', options: {} });
    expect(seen.argv).toEqual(invocation.args);
    // On stdin, or (a CLI that cannot read it) in argv as one argument, never both.
    if (invocation.stdin === null) expect(seen.argv.filter((arg) => arg === 'Name the capital of France')).toHaveLength(1);
    expect(seen.stdin).toBe(invocation.stdin ?? '');
    for (const [name, value] of Object.entries(invocation.env ?? {})) expect(seen.env[name]).toBe(value);
    expect(result.exitCode).toBe(0);
  });

  it('auth: auth_required with the CLI message', async () => {
    expectFailure((await run(driver, { mode: 'auth' })).outcome, 'auth_required', auth);
  });

  it('network: network with the CLI message', async () => {
    expectFailure((await run(driver, { mode: 'network' })).outcome, 'network', network);
  });

  it('rate_limit: rate_limited with the CLI message', async () => {
    expectFailure((await run(driver, { mode: 'rate_limit' })).outcome, 'rate_limited', rateLimit);
  });

  it('garbage on exit 0 is bad_output', async () => {
    const { outcome } = await run(driver, { mode: 'garbage' });
    expect(outcome).toMatchObject({ ok: false, failure: 'bad_output' });
  });

  it('a crash in the middle of the output is crashed', async () => {
    const { outcome, result } = await run(driver, { mode: 'crash_mid_stream' });
    expect(outcome, JSON.stringify(outcome)).toMatchObject({ ok: false, failure: 'crashed' });
    expect(result.exitCode === 0 && result.signal === null).toBe(false);
  });

  it('a flood past the capture cap is bad_output and says the output was cut', async () => {
    const { outcome, result } = await run(driver, { mode: 'flood' });
    expect(result.stdoutTruncated).toBe(true);
    expectFailure(outcome, 'bad_output', 'capture limit');
  });

  it('workspace-write runs in a fresh working directory', async () => {
    const record = path.join(scratch, `${driver.name}-write.jsonl`);
    const { outcome, result } = await run(driver, { toolPolicy: 'workspace-write', env: { FAKE_CLI_RECORD: record } });
    expect(outcome.ok).toBe(true);
    expect(result.workdir).not.toBeNull();
    const seen = JSON.parse(fs.readFileSync(record, 'utf8').trim()) as { cwd: string };
    expect(fs.realpathSync(seen.cwd)).toBe(fs.realpathSync(result.workdir ?? ''));
  });

  it('the fake refuses an unknown flag with a usage error, which is crashed', async () => {
    const base = driver.buildInvocation({ prompt: 'x', toolPolicy: 'none', options: {} }).args;
    const result = await runProcess({ command: fakeBinary(driver), args: [...base, '--no-such-flag'], stdin: 'x', timeoutMs: 10_000 });
    expect(result.exitCode).not.toBe(0);
    expectFailure(driver.interpret(result, { prompt: 'x', toolPolicy: 'none', options: {} }), 'crashed', usage);
  });

  it('--version parses and --help lists every required flag', async () => {
    const version = await runProcess({ command: fakeBinary(driver), args: driver.versionArgs, stdin: null, timeoutMs: 10_000 });
    expect(driver.parseVersion(`${version.stdout}\n${version.stderr}`)).toMatch(/^\d+\.\d+\.\d+$/);
    if (driver.verifiedVersion) expect(driver.parseVersion(version.stdout)).toBe(driver.verifiedVersion);
    const help = await runProcess({ command: fakeBinary(driver), args: driver.helpArgs ?? ['--help'], stdin: null, timeoutMs: 10_000 });
    expect(help.exitCode).toBe(0);
    for (const flag of driver.requiredFlags) expect(help.stdout, `${driver.name} help lists ${flag}`).toContain(flag);
  });
});

describe('process-level outcomes through the runner', () => {
  it.concurrent.each(CASES.map((c) => [c.driver.name, c.driver] as const))(
    '%s: a hung CLI is a timeout, and neither it nor its child is left running',
    async (name, driver) => {
      const pidfile = path.join(scratch, `${name}-pids`);
      // The timeout must leave a loaded machine time to start the fake and its grandchild (both write
      // the pidfile) before the ladder begins; 700 ms was not enough under load (issue 15).
      const { outcome, result } = await run(driver, { mode: 'hang', timeoutMs: 5_000, env: { FAKE_CLI_PIDFILE: pidfile } });
      expectFailure(outcome, 'timeout', 'without an answer');
      expect(result.timedOut).toBe(true);
      const pids = fs.readFileSync(pidfile, 'utf8').trim().split('\n').map(Number);
      expect(pids).toHaveLength(2);
      for (const pid of pids) expect(alive(pid), `pid ${pid} of ${name}`).toBe(false);
    },
  );

  describe('Codex offline keeps reconnecting: stopped on its own words, not at the task timeout', () => {
    const reconnecting = async (options: Record<string, string>) => {
      const pidfile = path.join(scratch, `codex-retry-${Object.values(options).join('-') || 'default'}-pids`);
      const ran = await run(codexDriver, { mode: 'network_retry', timeoutMs: 120_000, options, env: { FAKE_CLI_PIDFILE: pidfile } });
      expect(ran.result.timedOut).toBe(false);
      expect(ran.result.cancelled).toBe(false);
      for (const pid of fs.readFileSync(pidfile, 'utf8').trim().split('\n').map(Number)) expect(alive(pid), `pid ${pid}`).toBe(false);
      return ran.outcome;
    };

    it('after three reconnect lines by default, as network, quoting the last one', async () => {
      const outcome = await reconnecting({});
      expectFailure(outcome, 'network', 'codex kept saying it cannot reach the network (3 times');
      expectFailure(outcome, 'network', 'last: {"type":"error","message":"Reconnecting... 3/5 (stream disconnected before completion');
    });

    it('give_up_after sets the number of lines', async () => {
      const outcome = await reconnecting({ give_up_after: '7' });
      expectFailure(outcome, 'network', '(7 times');
      expectFailure(outcome, 'network', 'Reconnecting... waiting for network');
    });

    it('give_up_seconds stops it after that long since the first line when the count is off', async () => {
      const outcome = await reconnecting({ give_up_after: '0', give_up_seconds: '1' });
      expectFailure(outcome, 'network', 'give_up_after=0, give_up_seconds=1');
      if (!outcome.ok) expect(Number(/ in ([\d.]+) s;/.exec(outcome.message)?.[1])).toBeGreaterThanOrEqual(1);
    });
  });

  it('a binary that is not there is not_installed', async () => {
    const { outcome } = await run(codexDriver, { binaryPath: path.join(scratch, 'no-such-codex') });
    expectFailure(outcome, 'not_installed', 'ENOENT');
  });

  it('aborting the signal is cancelled', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const { outcome, result } = await run(geminiDriver, { mode: 'hang', signal: controller.signal });
    expectFailure(outcome, 'cancelled', 'cancelled');
    expect(result.cancelled).toBe(true);
  });
});
