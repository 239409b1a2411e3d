/**
 * Opt-in contract check against the real vendor CLIs: set MITTELO_REAL_CLI_DIR to a folder holding
 * `claude`, `gemini`, `codex`, `opencode` (and `kiro-cli`, `kimi` if you have them), e.g. after
 * `npm install --prefix DIR @anthropic-ai/claude-code @google/gemini-cli @openai/codex opencode-ai`
 * with DIR/node_modules/.bin as the folder. Each CLI found must print a version the driver parses,
 * list every required flag in its help, and accept the driver's argv: with a fresh HOME and no
 * credentials a prompt fails, but with a failure class (never a usage error).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudeCodeDriver } from '../../drivers/claude-code.js';
import { codexDriver } from '../../drivers/codex.js';
import { geminiDriver } from '../../drivers/gemini.js';
import { kimiDriver } from '../../drivers/kimi.js';
import { kiroDriver } from '../../drivers/kiro.js';
import { runOneShot } from '../../drivers/one-shot.js';
import { opencodeDriver } from '../../drivers/opencode.js';
import { runProcess } from '../../drivers/run/runner.js';
import type { FailureClass, OneShotDriver } from '../../drivers/types.js';

const dir = process.env.MITTELO_REAL_CLI_DIR;

/** What a prompt with no credentials and no network is expected to end in, per CLI_FACTS. */
const EXPECTED: [OneShotDriver, FailureClass[]][] = [
  [claudeCodeDriver, ['auth_required']],
  [geminiDriver, ['auth_required']],
  [codexDriver, ['network', 'auth_required']],
  [opencodeDriver, ['timeout', 'crashed', 'auth_required', 'network']],
  [kiroDriver, ['auth_required', 'network']],
  [kimiDriver, ['auth_required', 'network']],
];

const present = dir
  ? EXPECTED.filter(([driver]) => fs.existsSync(path.join(dir, driver.binary ?? ''))).map(([driver, expected]) => [driver.name, driver, expected] as const)
  : [];

describe.runIf(present.length > 0)('real vendor CLIs (MITTELO_REAL_CLI_DIR)', () => {
  it.each(present)('%s: version, help flags and a credential-less prompt', async (_name, driver, expected) => {
    const command = path.join(dir ?? '', driver.binary ?? '');
    const home = fs.mkdtempSync(path.join('/var/tmp', 'mittelo-real-home-'));
    try {
      const env = { HOME: home };
      const version = await runProcess({ command, args: driver.versionArgs, stdin: null, env, timeoutMs: 20_000 });
      const parsed = driver.parseVersion(`${version.stdout}\n${version.stderr}`);
      expect(parsed).toMatch(/^\d+\.\d+\.\d+/);
      if (driver.verifiedVersion && parsed !== driver.verifiedVersion) console.warn(`${driver.name}: verified ${driver.verifiedVersion}, found ${parsed}`);

      const help = await runProcess({ command, args: driver.helpArgs ?? ['--help'], stdin: null, env, timeoutMs: 20_000 });
      for (const flag of driver.requiredFlags) expect(`${help.stdout}${help.stderr}`, `${driver.name} --help lists ${flag}`).toContain(flag);

      const { outcome } = await runOneShot(driver, {
        call: { prompt: 'Reply with the single word: pong', toolPolicy: 'none', options: {} },
        binary: { path: command, source: 'configured' },
        run: { env, timeoutMs: 10_000, killGraceMs: 500 },
      });
      expect(outcome.ok).toBe(false);
      if (outcome.ok) return;
      console.info(`${driver.name} ${parsed ?? '?'}: ${outcome.failure}: ${outcome.message}`);
      expect(outcome.message).not.toMatch(/unknown (option|argument)|unexpected argument|invalid value/i);
      expect(expected, `${driver.name}: ${outcome.failure}: ${outcome.message}`).toContain(outcome.failure);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  }, 60_000);
});
