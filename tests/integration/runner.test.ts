import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { probeContainment, TAG_VARIABLE } from '../../drivers/run/containment.js';
import { runProcess } from '../../drivers/run/runner.js';
import { REDACTED } from '../../drivers/run/redact.js';
import type { OutputStream, RunRequest, RunResult } from '../../drivers/run/types.js';
import { alive } from '../agent-helpers.js';
import { repoRoot } from '../helpers.js';

const fixtures = path.join(repoRoot, 'tests', 'fixtures', 'runner');
const GRACE_MS = 200;
const made: string[] = [];
const envBefore = { ...process.env };

function run(script: string, args: string[] = [], options: Partial<RunRequest> = {}): Promise<RunResult> {
  return runProcess({ command: process.execPath, args: [path.join(fixtures, script), ...args], stdin: null, killGraceMs: GRACE_MS, ...options });
}

/** Collects live chunks and resolves `seen(text)` once the concatenated stream contains `text`. */
function liveRecorder() {
  const chunks: { stream: OutputStream; text: string }[] = [];
  const waiters: { text: string; resolve: () => void }[] = [];
  const joined = (stream?: OutputStream): string =>
    chunks.filter((c) => !stream || c.stream === stream).map((c) => c.text).join('');
  return {
    chunks,
    joined,
    onOutput(stream: OutputStream, text: string) {
      chunks.push({ stream, text });
      for (const waiter of waiters.filter((w) => joined().includes(w.text))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    },
    seen(text: string): Promise<void> {
      return new Promise((resolve) => (joined().includes(text) ? resolve() : waiters.push({ text, resolve })));
    },
  };
}

function pidsFrom(stdout: string): { child: number; sleeper: number } {
  const child = /child (\d+)/.exec(stdout)?.[1];
  const sleeper = /sleeper (\d+) ready/.exec(stdout)?.[1];
  expect(child, stdout).toBeDefined();
  expect(sleeper, stdout).toBeDefined();
  return { child: Number(child), sleeper: Number(sleeper) };
}

afterEach(() => {
  for (const name of Object.keys(process.env)) if (!(name in envBefore)) delete process.env[name];
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('runProcess: starting and ending', () => {
  it('writes the prompt to stdin and closes it, so a child reading to EOF finishes', async () => {
    const prompt = `héllo ${'x'.repeat(1024 * 1024)}`;
    const result = await run('stdin-echo.mjs', [], { stdin: prompt });
    expect(JSON.parse(result.stdout)).toEqual({ length: prompt.length, head: prompt.slice(0, 40) });
    const empty = await run('stdin-echo.mjs', [], { stdin: null });
    expect(JSON.parse(empty.stdout)).toEqual({ length: 0, head: '' });
  });

  it('passes argv literally, with no shell to expand quotes, $(...), globs or variables', async () => {
    const args = ['a b', '"quoted"', "it's", '$(echo hacked)', '`id`', '*', '$HOME', '; rm -rf /', ''];
    const result = await run('argv.mjs', args);
    expect(JSON.parse(result.stdout)).toEqual(args);
    expect(result.argv.slice(2)).toEqual(args);
  });

  it('reports the exit code, or the signal that ended the child', async () => {
    const exited = await run('exit.mjs', ['code', '7']);
    expect(exited).toMatchObject({ exitCode: 7, signal: null, stdout: 'out\n', stderr: 'err\n', timedOut: false, spawnError: null });
    const killed = await run('exit.mjs', ['signal', 'SIGTERM']);
    expect(killed).toMatchObject({ exitCode: null, signal: 'SIGTERM', timedOut: false, cancelled: false });
  });

  it('returns a missing binary as spawnError ENOENT and a non-executable file as EACCES, without throwing', async () => {
    const missing = await runProcess({ command: '/nonexistent/mittelo-cli', args: ['x'], stdin: 'prompt' });
    expect(missing.spawnError?.code).toBe('ENOENT');
    expect(missing.exitCode).toBeNull();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mittelo-runner-'));
    made.push(dir);
    const file = path.join(dir, 'not-executable');
    fs.writeFileSync(file, '#!/bin/sh\necho hi\n', { mode: 0o644 });
    const denied = await runProcess({ command: file, args: [], stdin: null });
    expect(denied.spawnError?.code).toBe('EACCES');
    const noCwd = await run('argv.mjs', [], { cwd: path.join(dir, 'missing') });
    expect(noCwd.spawnError).toMatchObject({ code: 'ENOENT', message: expect.stringContaining('working directory') });
  });

  // Which rungs ran is read from the time they took (the sleeper ignores the first two, so each waits
  // its full grace) and the rung order from killProcessGroup itself (kill-ladder.test.ts): what the
  // sleeper logs depends on it getting CPU before SIGKILL, which a loaded CI machine does not promise.
  it('on timeout ends the whole group through the ladder, down to a grandchild ignoring SIGINT and SIGTERM', async () => {
    const result = await run('tree.mjs', ['wait'], { timeoutMs: 1500 });
    expect(result).toMatchObject({ timedOut: true, cancelled: false, exitCode: null, signal: 'SIGINT' });
    expect(result.durationMs).toBeGreaterThanOrEqual(1500 + 2 * GRACE_MS);
    const pids = pidsFrom(result.stdout);
    expect(alive(pids.child)).toBe(false);
    expect(alive(pids.sleeper)).toBe(false);
  });

  it('on cancel (AbortSignal) ends the whole group the same way', async () => {
    const live = liveRecorder();
    const controller = new AbortController();
    void live.seen('ready').then(() => controller.abort());
    const result = await run('tree.mjs', ['wait'], { signal: controller.signal, onOutput: live.onOutput });
    expect(result).toMatchObject({ cancelled: true, timedOut: false, signal: 'SIGINT' });
    expect(result.durationMs).toBeGreaterThanOrEqual(2 * GRACE_MS);
    const pids = pidsFrom(result.stdout);
    expect(alive(pids.child)).toBe(false);
    expect(alive(pids.sleeper)).toBe(false);
  });

  it('does not start a run whose signal is already aborted', async () => {
    const result = await run('argv.mjs', [], { signal: AbortSignal.abort() });
    expect(result).toMatchObject({ cancelled: true, exitCode: null, stdout: '', spawnError: null });
  });

  it('ends processes a child leaves behind in its group when it exits on its own', async () => {
    const result = await run('tree.mjs', ['exit']);
    expect(result).toMatchObject({ exitCode: 0, timedOut: false, cancelled: false });
    expect(alive(pidsFrom(result.stdout).sleeper)).toBe(false);
  });

  it('still returns when a process that left the group keeps the output pipes open', async () => {
    const result = await run('tree.mjs', ['escape'], { timeoutMs: 10_000, containment: 'group' });
    const { sleeper } = pidsFrom(result.stdout);
    try {
      expect(result).toMatchObject({ exitCode: 0, timedOut: false });
      expect(result.durationMs).toBeLessThan(5000);
    } finally {
      process.kill(sleeper, 'SIGKILL');
    }
  });

  it('ends a grandchild that called setsid and holds the output pipes, once the child exits', async () => {
    const result = await run('tree.mjs', ['escape'], { timeoutMs: 10_000 });
    const { sleeper } = pidsFrom(result.stdout);
    try {
      expect(result).toMatchObject({ exitCode: 0, timedOut: false });
      expect(alive(sleeper)).toBe(false);
    } finally {
      if (alive(sleeper)) process.kill(sleeper, 'SIGKILL');
    }
  });
});

describe.runIf(process.platform === 'linux')('runProcess: containment (Linux)', () => {
  const cgroups = probeContainment().mechanism === 'cgroup';

  /** Runs the double-forking fixture and returns the daemon's pid and whether it survived the run. */
  async function daemonRun(options: Partial<RunRequest>, clean = false): Promise<{ result: RunResult; survived: boolean }> {
    const result = await run('daemon.mjs', clean ? ['clean'] : [], { timeoutMs: 20_000, ...options });
    const pid = Number(/daemon (\d+)/.exec(result.stdout)?.[1]);
    expect(pid, result.stdout + result.stderr).toBeGreaterThan(0);
    const survived = alive(pid);
    if (survived) process.kill(pid, 'SIGKILL');
    return { result, survived };
  }

  // The control: the daemon really leaves the process group, so the tests below mean something.
  it('with the process group alone (macOS), a double-forked daemon in its own session outlives the run', async () => {
    const { result, survived } = await daemonRun({ containment: 'group' });
    expect(result.exitCode).toBe(0);
    expect(survived).toBe(true);
  });

  it('environ: ends a double-forked daemon in its own session, found by the tag in its environment', async () => {
    const { result, survived } = await daemonRun({ containment: 'environ' });
    expect(result.exitCode).toBe(0);
    expect(survived).toBe(false);
  });

  it.runIf(cgroups)('cgroup: ends a double-forked daemon even when it emptied its environment', async () => {
    const { result, survived } = await daemonRun({ containment: 'cgroup' }, true);
    expect(result.exitCode).toBe(0);
    expect(survived).toBe(false);
  });

  it.runIf(cgroups)('cgroup: gives each run its own cgroup, removed when the run ends; the tag is not recorded', async () => {
    const result = await run('env.mjs', [], { containment: 'cgroup' });
    const tag = (JSON.parse(result.stdout) as { env: Record<string, string> }).env[TAG_VARIABLE] ?? '';
    expect(tag).toMatch(/^[0-9a-f]{24}$/);
    expect(result.env[TAG_VARIABLE]).toBeUndefined();
    const ownCgroup = /^0::(.*)$/m.exec(fs.readFileSync('/proc/self/cgroup', 'utf8'))?.[1] ?? '';
    expect(ownCgroup).not.toContain(tag); // this process stepped back out after the spawn
    const mount = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((line) => line.includes(' - cgroup2 '))?.split(' ')[4] ?? '';
    expect(fs.existsSync(path.join(mount, ownCgroup, `mittelo-${tag}`))).toBe(false);
  });

  it('refuses an unknown MITTELO_CONTAINMENT with an error naming it', async () => {
    process.env.MITTELO_CONTAINMENT = 'jail';
    const result = await run('argv.mjs');
    expect(result.spawnError).toMatchObject({ code: 'ECONFIG', message: expect.stringContaining('MITTELO_CONTAINMENT must be one of auto, cgroup, environ, group; got "jail"') });
  });
});

describe('runProcess: output', () => {
  it('caps a 200 MiB flood at the limit, marks it truncated and keeps memory bounded', async () => {
    const limit = 1024 * 1024;
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    const live = liveRecorder();
    const started = Date.now();
    const result = await run('flood.mjs', ['200'], { maxOutputBytes: limit, onOutput: live.onOutput }).finally(() =>
      clearInterval(sampler),
    );
    expect(result.exitCode).toBe(0);
    expect(result.stdoutTruncated).toBe(true);
    expect(result.stderrTruncated).toBe(false);
    expect(result.stdout).toBe(`${'x'.repeat(limit)}\n[mittelo: output truncated after ${limit} bytes]`);
    expect(live.joined('stdout')).toBe(result.stdout);
    expect(peak - before).toBeLessThan(100 * 1024 * 1024);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('streams chunks live, before the child exits', async () => {
    const live = liveRecorder();
    const running = run('live.mjs', [], { onOutput: live.onOutput });
    await live.seen('\n');
    const pid = Number(/pid (\d+)/.exec(live.joined())?.[1]);
    expect(alive(pid)).toBe(true);
    process.kill(pid, 'SIGUSR1');
    const result = await running;
    expect(result.exitCode).toBe(0);
    expect(live.joined('stdout')).toBe(result.stdout);
  });

  it('decodes UTF-8 split across chunks without breaking characters, live and captured', async () => {
    const text = 'héllo ✓ 日本 🚀\n';
    const live = liveRecorder();
    const result = await run('trickle.mjs', [text], { onOutput: live.onOutput });
    expect(result.stdout).toBe(text);
    expect(live.chunks.length).toBeGreaterThan(1);
    expect(live.joined('stdout')).toBe(text);
  });

  it('never stops a capped capture inside a multi-byte character', async () => {
    const result = await run('say.mjs', ['✓✓✓✓'], { maxOutputBytes: 7 });
    expect(result.stdout).toBe('✓✓\n[mittelo: output truncated after 7 bytes]');
  });
});

describe('runProcess: environment and folders', () => {
  it('passes only allowlisted parent vars, the request env and the task ids', async () => {
    process.env.MY_RANDOM_VAR = 'leak';
    process.env.LC_MITTELO_TEST = 'C';
    const result = await run('env.mjs', [], { env: { BACKEND_OPTION: 'on' }, taskId: 42, workerId: 'w-1' });
    const { env } = JSON.parse(result.stdout) as { env: Record<string, string> };
    expect(env.MY_RANDOM_VAR).toBeUndefined();
    expect(env.PATH).toBe(process.env.PATH);
    expect(env.LC_MITTELO_TEST).toBe('C');
    expect(env).toMatchObject({ BACKEND_OPTION: 'on', MITTELO_TASK_ID: '42', MITTELO_WORKER_ID: 'w-1' });
    expect(result.env.MY_RANDOM_VAR).toBeUndefined();
    expect(result.env.MITTELO_TASK_ID).toBe('42');
  });

  it('sandboxes HOME and the XDG dirs in a fresh folder, or in MITTELO_SUBPROCESS_HOME', async () => {
    const fresh = await run('env.mjs', [], { sandboxHome: true });
    const home = fresh.home ?? '';
    made.push(home);
    expect(home).not.toBe('');
    expect(home).not.toBe(os.homedir());
    const { env } = JSON.parse(fresh.stdout) as { env: Record<string, string> };
    expect(env.HOME).toBe(home);
    for (const name of ['XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'XDG_CACHE_HOME', 'XDG_STATE_HOME']) {
      expect(env[name]?.startsWith(home + path.sep), name).toBe(true);
      expect(fs.statSync(env[name] ?? '').isDirectory()).toBe(true);
    }

    const configured = fs.mkdtempSync(path.join(os.tmpdir(), 'mittelo-runner-home-'));
    made.push(configured);
    process.env.MITTELO_SUBPROCESS_HOME = configured;
    const pinned = await run('env.mjs', [], { sandboxHome: true });
    expect(pinned.home).toBeNull();
    expect((JSON.parse(pinned.stdout) as { env: Record<string, string> }).env.HOME).toBe(configured);
  });

  it('runs in a fresh per-task folder when asked, else in cwd', async () => {
    const fresh = await run('env.mjs', [], { freshWorkdir: true, taskId: 'T 7' });
    const workdir = fresh.workdir ?? '';
    made.push(workdir);
    expect(path.basename(workdir)).toMatch(/^mittelo-task-T_7-/);
    expect(fs.realpathSync((JSON.parse(fresh.stdout) as { cwd: string }).cwd)).toBe(fs.realpathSync(workdir));

    const plain = await run('env.mjs', [], { cwd: os.tmpdir() });
    expect(plain.workdir).toBeNull();
    expect(fs.realpathSync((JSON.parse(plain.stdout) as { cwd: string }).cwd)).toBe(fs.realpathSync(os.tmpdir()));
  });

  it('lets MITTELO_SUBPROCESS_WORKDIR override cwd and hold the fresh per-task folders', async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'mittelo-runner-work-'));
    made.push(base);
    process.env.MITTELO_SUBPROCESS_WORKDIR = base;
    const pinned = await run('env.mjs', [], { cwd: os.homedir() });
    expect(fs.realpathSync((JSON.parse(pinned.stdout) as { cwd: string }).cwd)).toBe(fs.realpathSync(base));
    const fresh = await run('env.mjs', [], { freshWorkdir: true, taskId: 8 });
    expect(path.dirname(fresh.workdir ?? '')).toBe(base);
  });
});

describe('runProcess: redaction', () => {
  const PARENT_SECRET = 'parent-secret-value-123';
  const REQUEST_SECRET = 'request-secret-value-456';
  const SHAPED = 'sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789';

  it('redacts env secrets and key shapes in argv, stdout, stderr, the recorded env and live chunks', async () => {
    process.env.MITTELO_TEST_API_KEY = PARENT_SECRET;
    const live = liveRecorder();
    const result = await run('say.mjs', [`${PARENT_SECRET} ${SHAPED}`, `SERVICE_TOKEN=${REQUEST_SECRET} Bearer abcdefgh12345678`], {
      env: { SERVICE_TOKEN: REQUEST_SECRET },
      onOutput: live.onOutput,
    });
    const everything = JSON.stringify({ result, live: live.chunks });
    for (const secret of [PARENT_SECRET, REQUEST_SECRET, SHAPED, 'abcdefgh12345678']) expect(everything).not.toContain(secret);
    expect(result.stdout).toBe(`${REDACTED} ${REDACTED}`);
    expect(result.stderr).toBe(`SERVICE_TOKEN=${REDACTED} Bearer ${REDACTED}`);
    expect(result.argv[2]).toBe(`${REDACTED} ${REDACTED}`);
    expect(result.env.SERVICE_TOKEN).toBe(REDACTED);
    expect(live.joined('stdout')).toBe(result.stdout);
    expect(live.joined('stderr')).toBe(result.stderr);
  });

  it('hides URL credentials in the recorded env, argv and output, while the child gets them as they are', async () => {
    const proxy = 'http://proxy-user:s3cret-pass-42@proxy.example:3128';
    const live = liveRecorder();
    const result = await run('env.mjs', ['HTTPS_PROXY', `--proxy=${proxy}`], { env: { HTTPS_PROXY: proxy }, onOutput: live.onOutput });
    const printed = JSON.parse(result.stdout) as { env: Record<string, string>; digests: Record<string, string> };
    expect(printed.digests.HTTPS_PROXY).toBe(crypto.createHash('sha256').update(proxy).digest('hex'));
    const hidden = `http://proxy-user:${REDACTED}@proxy.example:3128`;
    expect(result.env.HTTPS_PROXY).toBe(hidden);
    expect(printed.env.HTTPS_PROXY).toBe(hidden);
    expect(result.argv[3]).toBe(`--proxy=${hidden}`);
    expect(JSON.stringify({ result, live: live.chunks })).not.toContain('s3cret-pass-42');
  });

  // A CLI streaming a model's answer may pause anywhere, a secret's middle included.
  it('never emits a secret in pieces live, however long the pause between its parts', async () => {
    for (const [first, second] of [
      [`key ${SHAPED.slice(0, 20)}`, `${SHAPED.slice(20)} ok\n`],
      ['proxy http://user:s3cre', 't-pass@proxy.example:3128/ ok\n'],
    ] as const) {
      const live = liveRecorder();
      const result = await run('pause.mjs', [first, '600', second], { onOutput: live.onOutput });
      expect(live.chunks.length).toBeGreaterThan(1);
      expect(result.stdout).toContain(REDACTED);
      expect(live.joined('stdout')).toBe(result.stdout);
      for (const chunk of live.chunks) expect(chunk.text).not.toMatch(/sk-ant-api03-AbCdEfG|s3cre/);
    }
  });

  it('redacts a secret written in pieces across live chunks', async () => {
    const live = liveRecorder();
    const result = await run('trickle.mjs', [`key=${SHAPED} then ${REQUEST_SECRET}\n`, 'stderr'], {
      env: { OTHER_SECRET: REQUEST_SECRET },
      onOutput: live.onOutput,
    });
    expect(live.chunks.length).toBeGreaterThan(1);
    expect(result.stderr).toBe(`key=${REDACTED} then ${REDACTED}\n`);
    expect(live.joined('stderr')).toBe(result.stderr);
  });
});
