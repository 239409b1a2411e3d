/**
 * A made-up machine for the lock and doctor tests: a temp workspace, an own HOME, no login shell,
 * no npm prefix, and a bin folder holding only the fake CLIs a test puts there (tests/fixtures/bin),
 * plain or behind a wrapper script that changes one behaviour. What is installed on the test
 * machine itself does not matter.
 */
import fs from 'node:fs';
import path from 'node:path';
import { listDrivers } from '../drivers/registry.js';
import { repoRoot, runCli, tempDir, type CliResult } from './helpers.js';

export const FAKE_BIN = path.join(repoRoot, 'tests', 'fixtures', 'bin');

/**
 * Vendor CLIs installed in the Homebrew folders, which the binary search always looks in whatever
 * PATH says: tests that need a CLI to be missing skip themselves on such a machine.
 */
export const CLIS_IN_BREW_DIRS = listDrivers()
  .flatMap((d) => (d.kind === 'one-shot' && d.binary ? [d.binary] : []))
  .filter((bin) => ['/usr/local/bin', '/opt/homebrew/bin'].some((dir) => fs.existsSync(path.join(dir, bin))));
export const SOME_CLI_IN_BREW_DIRS = CLIS_IN_BREW_DIRS.length > 0;

/** Every credential variable any driver looks at, blanked (empty counts as unset). */
const NO_CREDENTIALS = Object.fromEntries(listDrivers().flatMap((d) => d.authHints.env).map((name) => [name, '']));

export class FakeMachine {
  readonly root = tempDir('mittelo-lock-machine-');
  readonly bin = path.join(this.root, 'bin');
  readonly home = path.join(this.root, 'home');
  readonly workspace = path.join(this.root, 'workspace');
  readonly dbPath = path.join(this.root, 'data', 'mittelo.db');

  constructor(clis: string[]) {
    for (const dir of [this.bin, this.home, this.workspace, path.join(this.root, 'npm')]) fs.mkdirSync(dir, { recursive: true });
    for (const cli of clis) this.install(cli);
  }

  /** The fake as is (a symlink: it still finds its lib next to the real file). */
  install(cli: string): void {
    this.uninstall(cli);
    fs.symlinkSync(path.join(FAKE_BIN, cli), path.join(this.bin, cli));
  }

  uninstall(cli: string): void {
    fs.rmSync(path.join(this.bin, cli), { force: true });
  }

  /**
   * The fake behind a shell wrapper: `env` is set for it (the runner passes only allowlisted
   * variables, so FAKE_CLI_* must be set here) and `versionLine`, when given, answers --version.
   */
  wrap(cli: string, env: Record<string, string>, versionLine?: string): void {
    this.uninstall(cli);
    const assigns = Object.entries(env).map(([k, v]) => `${k}='${v}'`).join(' ');
    const version = versionLine ? `if [ "$1" = "--version" ]; then echo '${versionLine}'; exit 0; fi\n` : '';
    const body = `#!/bin/sh\n${version}${assigns ? `${assigns} ` : ''}exec '${process.execPath}' '${path.join(FAKE_BIN, cli)}' "$@"\n`;
    fs.writeFileSync(path.join(this.bin, cli), body, { mode: 0o755 });
  }

  get env(): NodeJS.ProcessEnv {
    return {
      ...NO_CREDENTIALS,
      HOME: this.home,
      PATH: [this.bin, path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter),
      SHELL: '',
      npm_config_prefix: path.join(this.root, 'npm'),
      NVM_DIR: path.join(this.home, '.nvm'),
      FNM_DIR: '',
      FNM_MULTISHELL_PATH: '',
      MITTELO_BACKENDS_DIR: '',
      MITTELO_SUBPROCESS_HOME: '',
      MITTELO_DB: '',
      MITTELO_HOST: '',
      MITTELO_PORT: '',
      MITTELO_TOKEN: '',
    };
  }

  run(args: string[]): Promise<CliResult> {
    return runCli(args, this.env, this.workspace);
  }

  get lockFile(): string {
    return path.join(this.workspace, 'mittelo.lock.json');
  }

  readLock(): { clis: { name: string; version: string; flags: string[]; source: Record<string, string>; model?: string }[]; notes: string[] } {
    return JSON.parse(fs.readFileSync(this.lockFile, 'utf8')) as ReturnType<FakeMachine['readLock']>;
  }

  /** Edits one locked CLI's version in the file, as a person would. */
  setLockedVersion(cli: string, version: string): void {
    const lock = JSON.parse(fs.readFileSync(this.lockFile, 'utf8')) as { clis: { name: string; version: string }[] };
    const entry = lock.clis.find((e) => e.name === cli);
    if (!entry) throw new Error(`${cli} is not in the lock`);
    entry.version = version;
    fs.writeFileSync(this.lockFile, JSON.stringify(lock, null, 2));
  }

  remove(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** A port nothing listens on right now (one helper for all tests: helpers.ts). */
export { closedPort as freePort } from './helpers.js';

export function json<T>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${result.code}): ${result.stdout.slice(0, 500)}\nstderr: ${result.stderr.slice(0, 1000)}`);
  }
}

/**
 * A candidate Claude Code for `lock upgrade-check --candidate-path`, in `dir` (off PATH): the fake
 * behind a wrapper that reports `version` and sets `vars` (FAKE_CLI_ANSWER...). Returns its path.
 */
export function fakeClaudeCandidate(dir: string, version: string, vars: Record<string, string> = {}): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'claude');
  const assigns = Object.entries(vars).map(([k, v]) => `${k}='${v}' `).join('');
  fs.writeFileSync(file, `#!/bin/sh\nif [ "$1" = "--version" ]; then echo '${version} (Claude Code)'; exit 0; fi\n${assigns}exec '${process.execPath}' '${path.join(FAKE_BIN, 'claude')}' "$@"\n`, { mode: 0o755 });
  return file;
}
