/** Binary resolution on a fake machine built in a temp folder: every root injected, nothing from the real one. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { clearResolveCache, defaultLoginShellPath, resolveBinary, type ResolveOptions } from '../../drivers/resolve.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mittelo-resolve-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

let machine: string;
let counter = 0;
beforeEach(() => {
  counter += 1;
  machine = path.join(root, `m${counter}`);
  fs.mkdirSync(machine);
  clearResolveCache();
});

/** Creates an executable (or, with mode 0o644, a non-executable) file at machine-relative `rel`. */
function put(rel: string, mode = 0o755): string {
  const file = path.join(machine, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '#!/bin/sh\necho fake\n');
  fs.chmodSync(file, mode);
  return file;
}

/** Options that see only the fake machine: no login shell, no npm, PATH and home inside it. */
function on(overrides: Partial<ResolveOptions> & { path?: string[] } = {}): ResolveOptions {
  const { path: pathDirs = [], ...rest } = overrides;
  return {
    env: { PATH: pathDirs.map((d) => path.join(machine, d)).join(':') },
    platform: 'linux',
    homeDir: path.join(machine, 'home'),
    loginShellPath: async () => null,
    npmGlobalPrefix: async () => null,
    ...rest,
  };
}

describe('resolveBinary', () => {
  it('a configured path wins over everything, and a missing configured path is not replaced by another binary', async () => {
    const configured = put('opt/codex/codex');
    put('usr/bin/codex');
    expect(await resolveBinary('codex', on({ path: ['usr/bin'], configuredPath: configured }))).toEqual({ path: configured, source: 'configured' });
    expect(await resolveBinary('codex', on({ path: ['usr/bin'], configuredPath: path.join(machine, 'nope', 'codex') }))).toBeNull();
  });

  it("the login shell's PATH comes before this process's PATH", async () => {
    const fromLogin = put('login/bin/claude');
    put('usr/bin/claude');
    const options = on({ path: ['usr/bin'], loginShellPath: async () => `${path.join(machine, 'empty')}:${path.join(machine, 'login', 'bin')}` });
    expect(await resolveBinary('claude', options)).toEqual({ path: fromLogin, source: 'login-shell-path' });
  });

  it('then the process PATH, skipping files that are not executable and directories with the name', async () => {
    put('a/gemini', 0o644);
    fs.mkdirSync(path.join(machine, 'b', 'gemini'), { recursive: true });
    const good = put('c/gemini');
    expect(await resolveBinary('gemini', on({ path: ['a', 'b', 'c'] }))).toEqual({ path: good, source: 'path' });
  });

  it('then the npm global prefix bin folder', async () => {
    const file = put('npm-global/bin/opencode');
    expect(await resolveBinary('opencode', on({ npmGlobalPrefix: async () => path.join(machine, 'npm-global') }))).toEqual({ path: file, source: 'npm-global' });
  });

  it('then nvm, newest Node version first, honouring NVM_DIR', async () => {
    put('home/.nvm/versions/node/v18.20.0/bin/claude');
    const newest = put('home/.nvm/versions/node/v20.11.1/bin/claude');
    put('home/.nvm/versions/node/v9.0.0/bin/claude');
    expect(await resolveBinary('claude', on())).toEqual({ path: newest, source: 'nvm' });
    const custom = put('custom-nvm/versions/node/v22.0.0/bin/claude');
    expect(await resolveBinary('claude', on({ env: { PATH: '', NVM_DIR: path.join(machine, 'custom-nvm') } }))).toEqual({ path: custom, source: 'nvm' });
  });

  it('then fnm installations', async () => {
    const file = put('home/.local/share/fnm/node-versions/v20.19.0/installation/bin/gemini');
    expect(await resolveBinary('gemini', on())).toEqual({ path: file, source: 'fnm' });
  });

  it('then ~/.local/bin and ~/.opencode/bin, where installer scripts put kiro-cli, kimi and opencode', async () => {
    const kiro = put('home/.local/bin/kiro-cli');
    const opencode = put('home/.opencode/bin/opencode');
    expect(await resolveBinary('kiro-cli', on())).toEqual({ path: kiro, source: 'local-bin' });
    expect(await resolveBinary('opencode', on())).toEqual({ path: opencode, source: 'local-bin' });
  });

  it('finds Windows .cmd shims in %APPDATA%\\npm using PATHEXT', async () => {
    const shim = put('AppData/Roaming/npm/codex.cmd', 0o644);
    const env = { Path: '', PATHEXT: '.COM;.EXE;.BAT;.CMD', APPDATA: path.join(machine, 'AppData', 'Roaming') };
    expect(await resolveBinary('codex', on({ platform: 'win32', env }))).toEqual({ path: shim, source: 'npm-global' });
  });

  it('returns null when the binary is nowhere', async () => {
    expect(await resolveBinary('kimi', on({ path: ['usr/bin'] }))).toBeNull();
  });
});

describe('login shell PATH probe', () => {
  it("reads PATH from a login shell's output, ignoring what its profile prints", async () => {
    const shell = put('bin/fake-shell');
    // A "login shell" whose profile prints noise and sets PATH, then runs the -lc command.
    fs.writeFileSync(shell, `#!/bin/sh\necho "Welcome! motd noise"\nPATH=/custom/bin:/usr/bin\nexport PATH\nexec /bin/sh -c "$2"\n`);
    expect(await defaultLoginShellPath({ SHELL: shell, PATH: '/usr/bin:/bin' }, 'linux')).toBe('/custom/bin:/usr/bin');
  });

  it('gives up quickly (null) when the shell hangs or fails', async () => {
    const slow = put('bin/slow-shell');
    // A profile stuck on something slow: the probe's timeout ends the shell and its children.
    fs.writeFileSync(slow, '#!/bin/sh\nsleep 30\n');
    const started = Date.now();
    expect(await defaultLoginShellPath({ SHELL: slow, PATH: '/usr/bin:/bin' }, 'linux', 500)).toBeNull();
    expect(Date.now() - started).toBeLessThan(10_000); // the profile sleeps 30 s
    expect(await defaultLoginShellPath({ SHELL: path.join(machine, 'missing-shell') }, 'linux')).toBeNull();
  });
});
