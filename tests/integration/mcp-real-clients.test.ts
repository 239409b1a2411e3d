/**
 * docs/MCP.md's registration commands run against the real agent CLIs pinned in mittelo.lock.json
 * (installed like the drivers' contract test, scripts/real-clis.ts). No account is needed to
 * register an MCP server and list it: Claude Code and Gemini CLI start `mittelo mcp` and report
 * it connected (they speak MCP to it); Codex lists it from the config it wrote (its `mcp list` does
 * not connect). Each CLI gets a fresh HOME and project folder. MITTELO_SKIP_REAL_CLIS=1 skips it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProcess } from '../../drivers/run/runner.js';
import { ensureRealClis, pathWith, type InstalledCli } from '../../scripts/real-clis.js';
import { cliPath } from '../helpers.js';

const SKIP = !['', '0', 'false'].includes(process.env.MITTELO_SKIP_REAL_CLIS ?? '');
const made: string[] = [];

afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh HOME and an empty project folder, the CLI's working directory. */
function machine(name: string): { home: string; project: string } {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `mittelo-mcp-${name}-`)));
  made.push(root);
  const home = path.join(root, 'home');
  const project = path.join(root, 'project');
  fs.mkdirSync(home);
  fs.mkdirSync(project);
  return { home, project };
}

async function cli(installed: InstalledCli, args: string[], where: { home: string; project: string }): Promise<string> {
  const env: Record<string, string> = { HOME: where.home };
  if (installed.pathPrefix) env.PATH = pathWith(installed.pathPrefix);
  const result = await runProcess({ command: installed.bin, args, stdin: null, env, cwd: where.project, timeoutMs: 90_000 });
  const output = `${result.stdout}\n${result.stderr}`;
  expect(result.exitCode, `${installed.binary} ${args.join(' ')}:\n${output}`).toBe(0);
  return output;
}

/** What the docs tell users to register: `mittelo mcp` by an absolute path (here, the built one). */
const SERVER = [process.execPath, cliPath, 'mcp'];

if (SKIP) {
  describe('registering mittelo mcp with the real agent CLIs', () => {
    it('is skipped on request', (ctx) => ctx.skip(`MITTELO_SKIP_REAL_CLIS=${process.env.MITTELO_SKIP_REAL_CLIS ?? ''}`));
  });
} else {
  describe.concurrent('registering mittelo mcp with the real agent CLIs (docs/MCP.md)', () => {
    const installed = new Map<string, InstalledCli>();
    beforeAll(async () => {
      for (const entry of await ensureRealClis({ log: (line) => console.info(line) })) installed.set(entry.driver, entry);
    }, 15 * 60 * 1000);
    const get = (driver: string): InstalledCli => {
      const entry = installed.get(driver);
      if (!entry) throw new Error(`no pinned ${driver} installed`);
      return entry;
    };

    it('Claude Code: `claude mcp add ... -- mittelo mcp`, then `claude mcp list` connects to it', async () => {
      const claude = get('claude_code');
      const where = machine('claude');
      await cli(claude, ['mcp', 'add', 'mittelo', '-e', 'MITTELO_PORT=8765', '--', ...SERVER], where);
      const listed = await cli(claude, ['mcp', 'list'], where);
      expect(listed).toMatch(new RegExp(`mittelo: ${SERVER.join(' ').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} - ✔ Connected`));
    }, 120_000);

    it('Gemini CLI: `gemini mcp add` writes .gemini/settings.json, and in a trusted folder `gemini mcp list` connects', async () => {
      const gemini = get('gemini');
      const where = machine('gemini');
      await cli(gemini, ['mcp', 'add', '-e', 'MITTELO_PORT=8765', 'mittelo', ...SERVER], where);
      const settings = JSON.parse(fs.readFileSync(path.join(where.project, '.gemini', 'settings.json'), 'utf8')) as { mcpServers: Record<string, unknown> };
      expect(settings.mcpServers.mittelo).toEqual({ command: SERVER[0], args: SERVER.slice(1), env: { MITTELO_PORT: '8765' } });
      // Gemini CLI runs no project MCP server in a folder the user has not trusted.
      expect(await cli(gemini, ['mcp', 'list'], where)).toContain('disabled because this folder is untrusted');
      fs.mkdirSync(path.join(where.home, '.gemini'), { recursive: true });
      fs.writeFileSync(path.join(where.home, '.gemini', 'trustedFolders.json'), JSON.stringify({ [where.project]: 'TRUST_FOLDER' }));
      expect(await cli(gemini, ['mcp', 'list'], where)).toMatch(/✓ mittelo: .* \(stdio\) - Connected/);
    }, 120_000);

    it('Codex: `codex mcp add ... -- mittelo mcp` writes the config.toml entry the docs show, and lists it enabled', async () => {
      const codex = get('codex');
      const where = machine('codex');
      await cli(codex, ['mcp', 'add', 'mittelo', '--env', 'MITTELO_PORT=8765', '--', ...SERVER], where);
      const config = fs.readFileSync(path.join(where.home, '.codex', 'config.toml'), 'utf8');
      expect(config).toContain('[mcp_servers.mittelo]');
      expect(config).toContain(`command = "${SERVER[0]}"`);
      expect(config).toContain(`args = ["${SERVER[1]}", "mcp"]`);
      expect(config).toMatch(/MITTELO_PORT = "8765"/);
      expect(await cli(codex, ['mcp', 'list'], where)).toMatch(/mittelo\s+\S+\s+.*enabled/);
    }, 120_000);
  });
}
