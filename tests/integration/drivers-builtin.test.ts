/**
 * The built-in and generic drivers against real processes: echo, shell, folder backends, a fake ACP
 * agent (tests/fixtures/acp-agent) and, when tmux is installed, a private tmux server.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { acpDriver } from '../../drivers/acp.js';
import { probeConfinement } from '../../drivers/run/confine.js';
import { echoDriver } from '../../drivers/echo.js';
import { FolderBackendError, folderDriver, listFolderBackends } from '../../drivers/folder.js';
import { UnknownBackendError, getDriver } from '../../drivers/registry.js';
import { shellDriver } from '../../drivers/shell.js';
import { tmuxDriver } from '../../drivers/tmux.js';
import type { ExecuteContext, ExecutingDriver, ToolPolicy } from '../../drivers/types.js';
import { alive } from '../agent-helpers.js';
import { repoRoot, tempDir } from '../helpers.js';

const fixtures = path.join(repoRoot, 'tests', 'fixtures');
const fakeAgent = path.join(fixtures, 'acp-agent');

interface Setup {
  options?: Record<string, string>;
  toolPolicy?: ToolPolicy;
  run?: ExecuteContext['run'];
  binary?: ExecuteContext['binary'];
  onOutput?: ExecuteContext['onOutput'];
}

function exec(driver: ExecutingDriver, prompt: string, setup: Setup = {}) {
  return driver.execute({
    call: { prompt, toolPolicy: setup.toolPolicy ?? 'none', options: setup.options ?? {} },
    run: { timeoutMs: 10_000, killGraceMs: 200, ...setup.run },
    binary: setup.binary ?? null,
    ...(setup.onOutput ? { onOutput: setup.onOutput } : {}),
  });
}

function writeBackend(dir: string, name: string, script: string, mode = 0o755): void {
  fs.mkdirSync(path.join(dir, name), { recursive: true });
  fs.writeFileSync(path.join(dir, name, 'run'), script, { mode });
}

describe('echo', () => {
  it('answers echo:<prompt> (PROTOCOL.md) and records an artifact with argv ["echo"]', async () => {
    const live: string[] = [];
    const { outcome, result } = await exec(echoDriver, 'héllo\nworld', { onOutput: (_s, t) => live.push(t) });
    expect(outcome).toEqual({ ok: true, output: { answer: 'echo:héllo\nworld' } });
    expect(result).toMatchObject({ argv: ['echo'], exitCode: 0, stdout: 'echo:héllo\nworld', spawnError: null, timedOut: false });
    expect(live.join('')).toBe('echo:héllo\nworld');
  });
});

describe('shell', () => {
  it('an answer cut at the capture limit is bad_output, not a success', async () => {
    const { outcome, result } = await exec(shellDriver, 'ignored', { options: { shell_cmd: 'head -c 300000 /dev/zero' }, run: { maxOutputBytes: 1000 } });
    expect(result.stdoutTruncated).toBe(true);
    expect(outcome).toMatchObject({ ok: false, failure: 'bad_output', message: expect.stringContaining('its answer was cut') });
  });

  it('passes quoted arguments literally, without expansion', async () => {
    const { outcome, result } = await exec(shellDriver, 'ignored', { options: { shell_cmd: `printf '%s|' 'a b' "c \\"d\\"" '$HOME' '*.txt'` } });
    expect(outcome).toEqual({ ok: true, output: { answer: 'a b|c "d"|$HOME|*.txt|' } });
    expect(result.argv).toEqual(['printf', '%s|', 'a b', 'c "d"', '$HOME', '*.txt']);
  });

  it('writes the prompt on stdin and a shell runs only when the command line asks for one', async () => {
    const plain = await exec(shellDriver, 'hello', { options: { shell_cmd: 'tr a-z A-Z' } });
    expect(plain.outcome).toEqual({ ok: true, output: { answer: 'HELLO' } });
    const piped = await exec(shellDriver, 'abc\n', { options: { shell_cmd: `sh -c 'tr a-z A-Z | rev'` } });
    expect(piped.outcome).toEqual({ ok: true, output: { answer: 'CBA' } });
  });

  it('refuses unquoted shell syntax with a message that says how to ask for a shell', async () => {
    const { outcome, result } = await exec(shellDriver, 'x', { options: { shell_cmd: 'cat | tr a-z A-Z' } });
    expect(outcome).toMatchObject({ ok: false, failure: 'not_installed' });
    expect(!outcome.ok && outcome.message).toMatch(/"\|".*sh -c/);
    expect(result.spawnError?.code).toBe('EINVAL');
  });

  it('a non-zero exit is a crash that keeps stderr; a missing command is not_installed', async () => {
    const failed = await exec(shellDriver, 'x', { options: { shell_cmd: `sh -c 'echo partial; echo oops >&2; exit 4'` } });
    expect(failed.outcome).toMatchObject({ ok: false, failure: 'crashed', output: { answer: 'partial' } });
    expect(!failed.outcome.ok && failed.outcome.message).toMatch(/exited with code 4: oops/);
    expect(failed.result).toMatchObject({ exitCode: 4, stderr: 'oops\n' });
    const missing = await exec(shellDriver, 'x', { options: { shell_cmd: 'no-such-command-mittelo --flag' } });
    expect(missing.outcome).toMatchObject({ ok: false, failure: 'not_installed' });
    const unset = await exec(shellDriver, 'x');
    expect(!unset.outcome.ok && unset.outcome.message).toMatch(/--shell-cmd/);
  });
});

describe('folder backends', () => {
  const envDir = path.join(fixtures, 'backends');
  let cwd: string;

  beforeAll(() => {
    cwd = tempDir('mittelo-folder-');
    writeBackend(path.join(cwd, 'backends'), 'upper', '#!/bin/sh\necho "from ./backends"\n');
    writeBackend(path.join(cwd, 'backends'), 'local_only', '#!/bin/sh\necho "local: $(cat)"\n');
    writeBackend(path.join(cwd, 'backends'), 'noexec', '#!/bin/sh\necho never\n', 0o644);
  });

  it('finds a backend in MITTELO_BACKENDS_DIR first, then in ./backends', async () => {
    const withEnv = { env: { MITTELO_BACKENDS_DIR: envDir }, cwd };
    expect((await exec(folderDriver('upper', withEnv), 'hello')).outcome).toEqual({ ok: true, output: { answer: 'HELLO' } });
    expect((await exec(folderDriver('local_only', withEnv), 'hi')).outcome).toEqual({ ok: true, output: { answer: 'local: hi' } });
    const withoutEnv = { env: {}, cwd };
    expect((await exec(folderDriver('upper', withoutEnv), 'hello')).outcome).toEqual({ ok: true, output: { answer: 'from ./backends' } });
  });

  it('lists the backends it can see, the MITTELO_BACKENDS_DIR one hiding a same-named local one', () => {
    const list = listFolderBackends({ env: { MITTELO_BACKENDS_DIR: envDir }, cwd });
    expect(list.map((b) => [b.name, b.source, b.executable])).toEqual([
      ['fail', 'MITTELO_BACKENDS_DIR', true],
      ['local_only', './backends', true],
      ['noexec', './backends', false],
      ['upper', 'MITTELO_BACKENDS_DIR', true],
    ]);
  });

  it.each([['../x'], ['a/b'], [''], ['.hidden'], ['a..b'], ['/etc/passwd']])('rejects the name %j with a clear error', (name) => {
    expect(() => folderDriver(name)).toThrow(FolderBackendError);
    expect(() => folderDriver(name)).toThrow(/invalid folder backend name.*no path separators/);
  });

  it('a run file that is not executable, or no run file at all, is not_installed with the path named', async () => {
    const noexec = await exec(folderDriver('noexec', { env: {}, cwd }), 'x');
    expect(noexec.outcome).toMatchObject({ ok: false, failure: 'not_installed' });
    expect(!noexec.outcome.ok && noexec.outcome.message).toMatch(/noexec\/run is not executable/);
    const missing = await exec(folderDriver('absent', { env: { MITTELO_BACKENDS_DIR: envDir }, cwd }), 'x');
    expect(!missing.outcome.ok && missing.outcome.message).toContain(path.join(envDir, 'absent', 'run'));
  });

  it('a non-zero exit is a crash with the backend stderr kept', async () => {
    const { outcome, result } = await exec(folderDriver('fail', { env: { MITTELO_BACKENDS_DIR: envDir } }), 'please');
    expect(outcome).toMatchObject({ ok: false, failure: 'crashed' });
    expect(!outcome.ok && outcome.message).toMatch(/exited with code 3: fail backend: refusing on purpose/);
    expect(result).toMatchObject({ exitCode: 3, stderr: 'fail backend: refusing on purpose\n' });
  });
});

describe('registry', () => {
  it('serves the built-in drivers by name and falls back to folder backends found on disk', async () => {
    expect(['echo', 'shell', 'tmux', 'acp'].map((name) => getDriver(name).name)).toEqual(['echo', 'shell', 'tmux', 'acp']);
    const saved = process.env.MITTELO_BACKENDS_DIR;
    process.env.MITTELO_BACKENDS_DIR = path.join(fixtures, 'backends');
    try {
      const upper = getDriver('upper');
      expect(upper.kind === 'executing' && (await exec(upper, 'abc')).outcome).toEqual({ ok: true, output: { answer: 'ABC' } });
      expect(() => getDriver('../upper')).toThrow(UnknownBackendError);
    } finally {
      if (saved === undefined) delete process.env.MITTELO_BACKENDS_DIR;
      else process.env.MITTELO_BACKENDS_DIR = saved;
    }
  });
});

describe('acp (fake agent over stdio)', () => {
  const acp = (mode: string, prompt: string, setup: Setup = {}) =>
    exec(acpDriver, prompt, {
      ...setup,
      options: { acp_cmd: `'${fakeAgent}' --acp`, ...setup.options },
      run: { ...setup.run, env: { FAKE_ACP_MODE: mode, ...setup.run?.env } },
    });

  it('assembles the answer from chunks, keeps tool events and speaks ACP v1 with fs and terminal off', async () => {
    const log = path.join(tempDir(), 'received.jsonl');
    const workdir = tempDir('mittelo-acp-cwd-');
    const live: string[] = [];
    const { outcome, result } = await acp('success', 'what is 2+2?', {
      run: { cwd: workdir, env: { FAKE_ACP_LOG: log, FAKE_ACP_NOISE: '1' } },
      onOutput: (stream, text) => stream === 'stdout' && live.push(text),
    });
    expect(outcome).toEqual({
      ok: true,
      output: {
        answer: 'Hello, you said: what is 2+2?',
        tool_calls: [{ id: 'call_read_1', title: 'Read README.md', kind: 'read', status: 'completed' }],
        session_id: 'sess_fake_0001',
        stop_reason: 'end_turn',
      },
    });
    expect(result).toMatchObject({ argv: [fakeAgent, '--acp'], exitCode: 0, timedOut: false, spawnError: null });
    expect(result.stdout).toContain('"sessionUpdate":"tool_call"');
    expect(live.join('')).toContain('"stopReason":"end_turn"');
    const sent = fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { method?: string; params?: unknown });
    expect(sent.map((m) => m.method)).toEqual(['initialize', 'session/new', 'session/prompt']);
    expect(sent[0]?.params).toMatchObject({ protocolVersion: 1, clientCapabilities: { fs: { readTextFile: false, writeTextFile: false }, terminal: false } });
    expect(sent[1]?.params).toEqual({ cwd: workdir, mcpServers: [] });
    expect(sent[2]?.params).toEqual({ sessionId: 'sess_fake_0001', prompt: [{ type: 'text', text: 'what is 2+2?' }] });
  });

  it.each([
    ['none', 'read:denied edit:denied', ['denied', 'denied']],
    ['read-only', 'read:allowed edit:denied', ['allowed', 'denied']],
    ['workspace-write', 'read:allowed edit:allowed', ['allowed', 'allowed']],
  ] as const)('answers permission requests by tool policy: %s', async (toolPolicy, answer, permissions) => {
    const { outcome } = await acp('permission', 'edit notes', { toolPolicy });
    expect(outcome.ok && outcome.output.answer).toBe(answer);
    expect(outcome.ok && outcome.output.tool_calls?.map((t) => [t.kind, t.permission])).toEqual([
      ['read', permissions[0]],
      ['edit', permissions[1]],
    ]);
  });

  it("an error answer is a failure carrying the agent's own message and its stderr", async () => {
    const { outcome, result } = await acp('error', 'x');
    expect(outcome).toMatchObject({ ok: false, failure: 'crashed' });
    expect(!outcome.ok && outcome.message).toMatch(/session\/prompt failed: fake agent exploded while thinking \(code -32603\)/);
    expect(result.stderr).toContain('upstream model call failed');
    const auth = await acp('auth', 'x');
    expect(auth.outcome).toMatchObject({ ok: false, failure: 'auth_required' });
    expect(!auth.outcome.ok && auth.outcome.message).toContain('run `fake login` first');
    // What the agent offered in initialize, so the user knows how to log in.
    expect(!auth.outcome.ok && auth.outcome.message).toContain('it offers to log in with: Log in with fake, Fake API key');
  });

  it('non-JSON output with no valid answer is bad_output; a missing agent is not_installed', async () => {
    const garbage = await acp('garbage', 'x');
    expect(garbage.outcome).toMatchObject({ ok: false, failure: 'bad_output' });
    expect(!garbage.outcome.ok && garbage.outcome.message).toContain('this is not JSON at all');
    const missing = await exec(acpDriver, 'x', { options: { acp_cmd: 'no-such-acp-agent --acp' } });
    expect(missing.outcome).toMatchObject({ ok: false, failure: 'not_installed' });
  });

  it('takes what a strict client trips on in its stride: stray answers, newer update kinds, untitled tools, fs requests', async () => {
    const logged = vi.spyOn(console, 'error');
    try {
      const { outcome, result } = await acp('loose', 'x', { toolPolicy: 'workspace-write' });
      // The fs request (fs is not advertised) got -32601 with our words; the turn went on.
      expect(outcome).toEqual({
        ok: true,
        output: {
          answer: '-32601: fs/read_text_file is not supported by this client (fs and terminal capabilities are off)',
          tool_calls: [{ id: 'call_untitled', kind: 'execute', status: 'failed' }],
          session_id: 'sess_fake_0001',
          stop_reason: 'end_turn',
        },
      });
      expect(result.stdout).toContain('"sessionUpdate":"future_update_kind"');
      // Nothing of it is an error worth printing on the hub's stderr.
      expect(logged).not.toHaveBeenCalled();
    } finally {
      logged.mockRestore();
    }
  });

  it('a protocol line longer than the bound is dropped without ending the conversation', async () => {
    const { outcome, result } = await acp('success', 'long', { run: { env: { FAKE_ACP_LONG_LINE: String(17 * 1024 * 1024) }, maxOutputBytes: 1024 * 1024 } });
    expect(outcome).toMatchObject({ ok: true, output: { answer: 'Hello, you said: long', stop_reason: 'end_turn' } });
    expect(result.stdoutTruncated).toBe(true);
  });

  it('an answer with neither result nor error is bad_output naming the request', async () => {
    const { outcome } = await acp('noresult', 'x');
    expect(outcome).toMatchObject({ ok: false, failure: 'bad_output' });
    expect(!outcome.ok && outcome.message).toMatch(/session\/new: unexpected answer null/);
  });

  it('an agent that exits before answering is a crash with its exit code and stderr', async () => {
    const { outcome } = await exec(acpDriver, 'x', { options: { acp_cmd: `sh -c 'echo boom >&2; exit 2'` } });
    expect(outcome).toMatchObject({ ok: false, failure: 'crashed' });
    expect(!outcome.ok && outcome.message).toMatch(/exited with code 2 before answering initialize; stderr: boom/);
  });

  it('secrets from the environment are redacted from the answer and the transcript', async () => {
    const secret = 'sk-test-0123456789abcdefghijklmnop';
    const { outcome, result } = await acp('success', `key is ${secret}`, { run: { env: { FAKE_API_KEY: secret } } });
    expect(outcome.ok && outcome.output.answer).toBe('Hello, you said: key is [REDACTED]');
    expect(result.stdout).not.toContain(secret);
    expect(result.env.FAKE_API_KEY).toBe('[REDACTED]');
  });

  it('a hanging agent times out and leaves no process behind, grandchildren included', async () => {
    const pidFile = path.join(tempDir(), 'pids');
    const started = Date.now();
    const { outcome, result } = await acp('hang', 'x', { run: { timeoutMs: 600, env: { FAKE_ACP_PIDFILE: pidFile } } });
    expect(outcome).toMatchObject({ ok: false, failure: 'timeout', output: { answer: 'working on it...' } });
    expect(!outcome.ok && outcome.message).toMatch(/within 600 ms; ended with SIGINT, SIGTERM, SIGKILL/);
    expect(result.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(8000);
    const pids = fs.readFileSync(pidFile, 'utf8').trim().split(' ').map(Number);
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(!alive(pid)).toBe(true);
  });

  it.runIf(probeConfinement().available)('confined to its workdir (a system test): talks ACP as usual, cannot write next to the workdir, and its timeout still ends every process', async () => {
    const base = tempDir('mittelo-acp-confined-');
    const workdir = path.join(base, 'task', 'work');
    fs.mkdirSync(workdir, { recursive: true });
    const confine = { writable: workdir, readOnly: [base] };
    const log = path.join(workdir, 'received.jsonl');
    const ok = await acp('success', 'hi', { run: { workdir, confine, env: { FAKE_ACP_LOG: log } } });
    expect(ok.outcome).toMatchObject({ ok: true, output: { answer: 'Hello, you said: hi' } });
    expect(ok.result.argv).toEqual([fakeAgent, '--acp']);
    expect(fs.readFileSync(log, 'utf8')).toContain('session/prompt');
    // The same agent told to log next to its workdir cannot: the folder is read-only for it.
    const outside = await acp('success', 'hi', { run: { workdir, confine, env: { FAKE_ACP_LOG: path.join(base, 'task', 'escape.jsonl') } } });
    expect(outside.outcome.ok).toBe(false);
    expect(outside.result.stderr).toContain('EROFS');
    expect(fs.existsSync(path.join(base, 'task', 'escape.jsonl'))).toBe(false);
    const pidFile = path.join(workdir, 'pids');
    const hung = await acp('hang', 'x', { run: { workdir, confine, timeoutMs: 600, env: { FAKE_ACP_PIDFILE: pidFile } } });
    expect(hung.outcome).toMatchObject({ ok: false, failure: 'timeout' });
    const pids = fs.readFileSync(pidFile, 'utf8').trim().split(' ').map(Number);
    expect(pids.filter(alive)).toEqual([]);
    fs.rmSync(base, { recursive: true, force: true });
  });

  it.runIf(process.platform === 'linux')('a hanging agent\'s grandchild in a session of its own is ended too', async () => {
    const pidFile = path.join(tempDir(), 'pids');
    const { outcome } = await acp('hang', 'x', { run: { timeoutMs: 600, env: { FAKE_ACP_PIDFILE: pidFile, FAKE_ACP_DETACH: '1' } } });
    expect(outcome).toMatchObject({ ok: false, failure: 'timeout' });
    const pids = fs.readFileSync(pidFile, 'utf8').trim().split(' ').map(Number);
    expect(pids).toHaveLength(2);
    const left = pids.filter(alive);
    for (const pid of left) process.kill(pid, 'SIGKILL');
    expect(left).toEqual([]);
  });

  it('cancelling sends session/cancel and the turn ends as cancelled', async () => {
    const log = path.join(tempDir(), 'received.jsonl');
    const controller = new AbortController();
    const pending = acp('slow', 'x', {
      run: { signal: controller.signal, env: { FAKE_ACP_LOG: log } },
      onOutput: (_s, text) => text.includes('partial answer') && controller.abort(),
    });
    const { outcome, result } = await pending;
    expect(outcome).toMatchObject({ ok: false, failure: 'cancelled', output: { answer: 'partial answer', stop_reason: 'cancelled' } });
    expect(result.cancelled).toBe(true);
    expect(fs.readFileSync(log, 'utf8')).toContain('"method":"session/cancel","params":{"sessionId":"sess_fake_0001"}');
  });
});

const tmuxPath = (() => {
  try {
    return execFileSync('which', ['tmux'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
})();

describe.skipIf(!tmuxPath)(`tmux${tmuxPath ? '' : ' (skipped: tmux is not installed; apt-get install tmux to run these)'}`, () => {
  let socket: string;
  const session = 'mittelo-test';
  const tmux = (...args: string[]) => execFileSync('tmux', ['-S', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  const options = (extra: Record<string, string> = {}) => ({ tmux_session: session, tmux_socket: socket, tmux_stable_ms: '400', ...extra });

  beforeAll(() => {
    socket = path.join(tempDir('mittelo-tmux-'), 'sock');
    tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '40', "env PS1='$ ' sh");
  });

  afterAll(() => {
    tmux('kill-server');
  });

  it('types the prompt into the session and returns the text printed after it', async () => {
    const { outcome, result } = await exec(tmuxDriver, 'echo hello-$((6*7))', { options: options() });
    expect(outcome).toEqual({ ok: true, output: { answer: 'hello-42' } });
    expect(result.argv).toEqual(['tmux', '-S', socket, 'send-keys', '-t', session, '-l', '--', 'echo hello-$((6*7))']);
  });

  it('with a marker, waits for it and returns the text before it', async () => {
    const { outcome } = await exec(tmuxDriver, `sleep 0.5; printf 'a\\nb\\n'; echo __DONE__`, { options: options({ tmux_marker: '__DONE__', tmux_stable_ms: '100' }) });
    expect(outcome).toEqual({ ok: true, output: { answer: 'a\nb' } });
  });

  it('honours the timeout while the marker never comes', async () => {
    const { outcome, result } = await exec(tmuxDriver, 'sleep 3', { options: options({ tmux_marker: 'NEVER-PRINTED' }), run: { timeoutMs: 700 } });
    expect(outcome).toMatchObject({ ok: false, failure: 'timeout' });
    expect(result.timedOut).toBe(true);
    tmux('send-keys', '-t', session, 'C-c');
  });

  it("a missing session is a crash with tmux's own message; a missing tmux is not_installed", async () => {
    const missing = await exec(tmuxDriver, 'x', { options: options({ tmux_session: 'no-such-session' }) });
    expect(missing.outcome).toMatchObject({ ok: false, failure: 'crashed' });
    expect(!missing.outcome.ok && missing.outcome.message).toMatch(/can't find session/);
    const noTmux = await exec(tmuxDriver, 'x', { options: options(), binary: { path: '/nonexistent/tmux', source: 'configured' } });
    expect(noTmux.outcome).toMatchObject({ ok: false, failure: 'not_installed' });
  });
});
