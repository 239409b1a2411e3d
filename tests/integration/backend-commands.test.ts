/**
 * `mittelo backend-check` and `mittelo backends` as real child processes, against the fake CLIs in
 * tests/fixtures/bin on a machine made up in a temp folder (own HOME, PATH, no login shell, no npm
 * prefix), so what is installed on the test machine does not matter. Needs `npm run build` first.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendReport } from '../../core/agent/backend-check.js';
import { listDrivers } from '../../drivers/registry.js';
import { cliPath, repoRoot, runCli, tempDir, type CliResult } from '../helpers.js';

const FAKE_BIN = path.join(repoRoot, 'tests', 'fixtures', 'bin');
const FOLDER_BACKENDS = path.join(repoRoot, 'tests', 'fixtures', 'backends');
const NODE_DIR = path.dirname(process.execPath);
const scratch = tempDir('mittelo-backend-check-');

/** Every credential variable any driver looks at, blanked (empty counts as unset). */
const NO_CREDENTIALS = Object.fromEntries(listDrivers().flatMap((d) => d.authHints.env).map((name) => [name, '']));

beforeAll(() => {
  if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` before the CLI tests`);
});

afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

let count = 0;
function freshDir(name: string): string {
  const dir = path.join(scratch, `${name}-${++count}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** A machine with nothing installed but what `pathDirs` holds: empty HOME, no login shell, no npm prefix. */
function machine(pathDirs: string[], extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const home = freshDir('home');
  return {
    ...NO_CREDENTIALS,
    HOME: home,
    PATH: pathDirs.join(path.delimiter),
    SHELL: '',
    npm_config_prefix: freshDir('npm'),
    NVM_DIR: path.join(home, '.nvm'),
    FNM_DIR: '',
    FNM_MULTISHELL_PATH: '',
    MITTELO_BACKENDS_DIR: '',
    MITTELO_SUBPROCESS_HOME: '',
    ...extra,
  };
}

function check(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return runCli(['backend-check', ...args], env, freshDir('cwd'));
}

function report(result: CliResult): BackendReport {
  return JSON.parse(result.stdout) as BackendReport;
}

/** A fake CLI behind a wrapper that sets FAKE_CLI_HELP_DROP (the runner would not pass it through). */
function fakeWithout(cli: string, flags: string): string {
  const dir = freshDir('wrapped');
  const file = path.join(dir, cli);
  fs.writeFileSync(file, `#!/bin/sh\nFAKE_CLI_HELP_DROP='${flags}' exec '${process.execPath}' '${path.join(FAKE_BIN, cli)}' "$@"\n`, { mode: 0o755 });
  return file;
}

const brewHasKimi = ['/usr/local/bin/kimi', '/opt/homebrew/bin/kimi'].some((f) => fs.existsSync(f));

// Each test builds its own machine, so they run at once (each CLI run is a node start plus a few fake CLI calls).
describe.concurrent('mittelo backend-check', () => {
  it('reports the built-in echo backend ok with exit 0', async () => {
    const result = await check(['--backend', 'echo'], machine([]));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('echo: OK');
    expect(result.stdout).toContain('none needed (built in)');
  });

  it.skipIf(brewHasKimi)('fails with exit 1 and says where it looked when the CLI is not installed', async () => {
    const result = await check(['--backend', 'kimi'], machine([freshDir('empty-bin')]));
    expect(result.code, result.stdout).toBe(1);
    expect(result.stdout).toContain('kimi: FAIL');
    expect(result.stdout).toMatch(/kimi not found on PATH, the login shell's PATH or the usual install places/);
  });

  it('warns with exit 2 when the CLI is found but no credentials are set or stored', async () => {
    const result = await check(['--backend', 'claude_code'], machine([FAKE_BIN, NODE_DIR]));
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stdout).toContain('claude_code: WARN');
    expect(result.stdout).toContain(`${path.join(FAKE_BIN, 'claude')} (found via PATH)`);
    expect(result.stdout).toContain('version:  2.1.197');
    expect(result.stdout).toMatch(/auth: +no credentials found: set ANTHROPIC_API_KEY/);
    expect(result.stdout).toContain('7 of 7 listed by `claude --help`');
  });

  it('checks a kimi that is Kimi Code with the kimi_code driver, and says so', async () => {
    const kimiCode = path.join(repoRoot, 'tests', 'fixtures', 'kimi-code');
    const result = await check(['--backend', 'kimi'], machine([kimiCode, NODE_DIR]));
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stdout).toContain('driver:   kimi_code (the installed kimi is kimi_code, not kimi)');
    expect(result.stdout).toContain('version:  2.1.0 (driver verified against 2.1.0)');
    expect(result.stdout).toContain('3 of 3 listed by `kimi --help`: --prompt --output-format --model');
    expect(result.stdout).toContain('~/.kimi-code/config.toml');
  });

  it('is ok with exit 0 when a credential variable is set, and --json gives the whole report', async () => {
    const result = await check(['--backend', 'glm', '--json'], machine([FAKE_BIN, NODE_DIR], { ANTHROPIC_API_KEY: 'sk-test' }));
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const got = report(result);
    expect(got).toMatchObject({
      backend: 'glm',
      status: 'ok',
      driver: 'claude_code',
      kind: 'vendor',
      aliases: ['glm', 'claude'],
      binary: { path: path.join(FAKE_BIN, 'claude'), source: 'path' },
      version: '2.1.197',
      verified_version: '2.1.197',
      problems: [],
      auth: { env_present: ['ANTHROPIC_API_KEY'], files_present: [], hint: null },
      flags: { help_argv: ['claude', '--help'], missing: [], error: null },
    });
    expect(got.flags?.present).toEqual(got.required_flags);
    expect(JSON.stringify(got)).not.toContain('sk-test');
  });

  it('counts a credentials file in HOME as credentials', async () => {
    const env = machine([FAKE_BIN, NODE_DIR]);
    fs.mkdirSync(path.join(env.HOME ?? '', '.gemini'));
    fs.writeFileSync(path.join(env.HOME ?? '', '.gemini', 'oauth_creds.json'), '{}');
    const got = report(await check(['--backend', 'gemini', '--json'], env));
    expect(got.status).toBe('ok');
    expect(got.auth.files_present).toEqual(['~/.gemini/oauth_creds.json']);
  });

  it('fails with exit 1 when a flag the driver relies on is missing from the CLI --help', async () => {
    const wrapper = fakeWithout('claude', '--output-format');
    const result = await check(['--backend', 'claude_code', '--binary-path', wrapper], machine([NODE_DIR], { ANTHROPIC_API_KEY: 'x' }));
    expect(result.code, result.stdout).toBe(1);
    expect(result.stdout).toContain('claude_code: FAIL');
    expect(result.stdout).toContain(`${wrapper} (found via configured path)`);
    expect(result.stdout).toContain('flag --output-format missing from claude --help: the installed version may be too old or too new');
    expect(result.stdout).toContain('6 of 7 listed by `claude --help`; missing --output-format');
  });

  it('reads the subcommand help the driver names (codex exec --help)', async () => {
    const wrapper = fakeWithout('codex', '--ephemeral,--color');
    const got = report(await check(['--backend', 'codex', '--binary-path', wrapper, '--json'], machine([NODE_DIR], { OPENAI_API_KEY: 'x' })));
    expect(got.status).toBe('fail');
    expect(got.flags).toMatchObject({ help_argv: ['codex', 'exec', '--help'], missing: ['--color', '--ephemeral'] });
    expect(got.problems).toContain('flag --ephemeral missing from codex exec --help: the installed version may be too old or too new for this driver');
  });

  it('takes the binary path from the config file', async () => {
    const cwd = freshDir('cwd');
    fs.writeFileSync(path.join(cwd, 'mittelo.config.json'), JSON.stringify({ backends: { kiro: { binary_path: path.join(FAKE_BIN, 'kiro-cli') } } }));
    const result = await runCli(['backend-check', '--backend', 'kiro', '--json'], machine([NODE_DIR], { KIRO_API_KEY: 'x' }), cwd);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(report(result)).toMatchObject({ binary: { source: 'configured' }, flags: { help_argv: ['kiro-cli', 'chat', '--help'], missing: [] } });
  });

  it('needs --shell-cmd for the shell backend and is ok with it', async () => {
    const without = await check(['--backend', 'shell'], machine([]));
    expect(without.code).toBe(1);
    expect(without.stdout).toContain('backend shell needs a command line (--shell-cmd "...")');
    // `cat` must be found on the machine's PATH: the check resolves the command's program.
    const withCmd = await check(['--backend', 'shell', '--shell-cmd', 'cat'], machine(['/usr/bin', '/bin']));
    expect(withCmd.code, withCmd.stdout).toBe(0);
  });

  it('fails a shell or acp backend whose command does not exist, naming it', async () => {
    const shell = await check(['--backend', 'shell', '--shell-cmd', 'no-such-program-4711 --flag'], machine([]));
    expect(shell.code).toBe(1);
    expect(shell.stdout).toContain('no-such-program-4711 (from its shell_cmd) was not found');
    const acp = await check(['--backend', 'acp', '--acp-cmd', '/nowhere/agent --acp'], machine([]));
    expect(acp.code).toBe(1);
    expect(acp.stdout).toContain('/nowhere/agent (from its acp_cmd) does not exist');
    const fake = await check(['--backend', 'acp', '--acp-cmd', `${path.join(repoRoot, 'tests', 'fixtures', 'acp-agent')} --acp`], machine([]));
    expect(fake.code, fake.stdout).toBe(0);
  });

  it('checks a folder backend from MITTELO_BACKENDS_DIR', async () => {
    const got = report(await check(['--backend', 'upper', '--json'], machine([], { MITTELO_BACKENDS_DIR: FOLDER_BACKENDS })));
    expect(got).toMatchObject({ backend: 'upper', status: 'ok', kind: 'folder', binary: { path: path.join(FOLDER_BACKENDS, 'upper', 'run'), source: 'backends-dir' }, flags: null });
  });

  it('fails on an unknown backend, listing the known ones', async () => {
    const result = await check(['--backend', 'nope'], machine([]));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/unknown backend "nope": not a built-in backend \(echo, shell, tmux, acp, claude_code \(glm, claude\)/);
  });

  it('explains its exit statuses in --help and refuses a missing --backend in one line', async () => {
    const help = await runCli(['backend-check', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit status: 0 ok, 1 fail');
    expect(help.stdout).toContain('2 warn');
    const bad = await runCli(['backend-check']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("error: required option '--backend <name>' not specified");
  });
});

describe.concurrent('mittelo backends', () => {
  it('lists every driver and a folder backend from MITTELO_BACKENDS_DIR, with statuses, exit 0', async () => {
    const env = machine([FAKE_BIN, NODE_DIR], { MITTELO_BACKENDS_DIR: FOLDER_BACKENDS, ANTHROPIC_API_KEY: 'x' });
    const [table, json] = await Promise.all([runCli(['backends'], env, freshDir('cwd')), runCli(['backends', '--json'], env, freshDir('cwd'))]);
    expect(table.code, table.stderr).toBe(0);
    expect(json.code, json.stderr).toBe(0);
    const { backends } = JSON.parse(json.stdout) as { backends: BackendReport[] };
    const byName = new Map(backends.map((b) => [b.backend, b]));
    for (const driver of listDrivers()) expect(byName.has(driver.name), driver.name).toBe(true);
    expect(byName.get('echo')?.status).toBe('ok');
    expect(byName.get('claude_code')).toMatchObject({ status: 'ok', aliases: ['glm', 'claude'], version: '2.1.197' });
    expect(byName.get('gemini')).toMatchObject({ status: 'warn', binary: { source: 'path' } });
    expect(byName.get('shell')?.status).toBe('fail');
    expect(byName.get('upper')).toMatchObject({ kind: 'folder', status: 'ok' });
    expect(byName.get('fail')).toMatchObject({ kind: 'folder' });

    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^BACKEND +KIND +STATUS +VERSION +BINARY +NOTE$/);
    expect(lines).toHaveLength(backends.length + 1);
    expect(table.stdout).toMatch(/claude_code \(glm, claude\) +vendor +ok +2\.1\.197/);
    expect(table.stdout).toMatch(/upper +folder +ok/);
    expect(table.stdout).toMatch(/shell +built-in +fail .*needs a command line/);
  });

  it('lists folder backends from ./backends too', async () => {
    const cwd = freshDir('cwd');
    fs.cpSync(path.join(FOLDER_BACKENDS, 'upper'), path.join(cwd, 'backends', 'shout'), { recursive: true });
    const result = await runCli(['backends', '--json'], machine([]), cwd);
    const { backends } = JSON.parse(result.stdout) as { backends: BackendReport[] };
    expect(backends.find((b) => b.backend === 'shout')).toMatchObject({ kind: 'folder', status: 'ok' });
  });

  it('fails a folder backend whose run file is not executable', async () => {
    const cwd = freshDir('cwd');
    fs.mkdirSync(path.join(cwd, 'backends', 'lazy'), { recursive: true });
    fs.writeFileSync(path.join(cwd, 'backends', 'lazy', 'run'), '#!/bin/sh\ncat\n', { mode: 0o644 });
    const result = await runCli(['backend-check', '--backend', 'lazy'], machine([]), cwd);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('folder backend lazy: its run file is not executable (chmod +x it)');
  });
});
