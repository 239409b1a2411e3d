/**
 * Issue 10: the app and `mittelo serve` protect the whole surface with a per-workspace token (a
 * 0600 file in the workspace), on the page and on the hub's own JSONL and REST ports; `mittelo`
 * commands pointed at the workspace or the hub find it; blank tokens are refused and --token-file
 * keeps the token out of the process list. Real `mittelo serve`/`hub` processes on 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HubClient } from '../../core/wire/client.js';
import { RawConnection, cliPath, rawCall, runCli, spawnHubProcess, tempDir } from '../helpers.js';

const children: ChildProcess[] = [];

afterEach(async () => {
  await Promise.all(children.splice(0).map(stop));
});

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

interface Served {
  child: ChildProcess;
  root: string;
  workspace: string;
  env: NodeJS.ProcessEnv;
  base: string;
  token: string;
  hubPort: number;
  restUrl: string;
}

/** `mittelo serve` on a fresh workspace; the hub and REST on free ports, as a user would start it. */
async function serve(extra: string[] = [], extraEnv: NodeJS.ProcessEnv = {}): Promise<Served> {
  const root = tempDir('mittelo-token-');
  const workspace = path.join(root, 'ws');
  const env = { ...process.env, XDG_CONFIG_HOME: path.join(root, 'config'), MITTELO_SERVE_TOKEN: '', MITTELO_TOKEN: '', MITTELO_PORT: '', MITTELO_HOST: '', MITTELO_DB: '', ...extraEnv };
  const child = spawn(process.execPath, [cliPath, 'serve', '--port', '0', '--hub-port', '0', '--rest-port', '0', '--no-agents', '--workspace', workspace, ...extra], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const base = await new Promise<{ base: string; token: string }>((resolve, reject) => {
    let stdout = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      const match = /^Mittelo Control Center: (http:\/\/127\.0\.0\.1:\d+\/)\?token=(\S+)$/m.exec(stdout);
      if (match?.[1] && match[2]) resolve({ base: match[1], token: decodeURIComponent(match[2]) });
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
  const status = await call(base.base, 'hub.status', base.token);
  const result = status.result as { port: number; rest_url: string };
  return { child, root, workspace, env, ...base, hubPort: result.port, restUrl: result.rest_url };
}

async function call(base: string, name: string, token?: string, input: object = {}): Promise<{ status: number; ok: boolean; result?: unknown; error?: { code: string; message: string } }> {
  const response = await fetch(`${base}api/call/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(input),
  });
  return { status: response.status, ...((await response.json()) as { ok: boolean }) };
}

describe('the workspace token of mittelo serve', () => {
  it('is made on first start, readable by the user only, and printed once in the URL', async () => {
    const served = await serve();
    const file = path.join(served.workspace, '.mittelo', 'token');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file, 'utf8').trim()).toBe(served.token);
    expect(served.token.length).toBeGreaterThanOrEqual(40);
    expect((await call(served.base, 'hub.status')).status).toBe(401);
  });

  it('setting a backend binary path over browser mode needs the token (and the confirmation)', async () => {
    const served = await serve();
    const input = { name: 'codex', binary_path: process.execPath, confirm_binary_path: true };
    expect((await call(served.base, 'backends.configure', undefined, input)).status).toBe(401);
    expect(fs.existsSync(path.join(served.workspace, 'mittelo.config.json'))).toBe(false);
    const unconfirmed = await call(served.base, 'backends.configure', served.token, { name: 'codex', binary_path: process.execPath });
    expect(unconfirmed).toMatchObject({ ok: false, error: { message: expect.stringContaining('confirm it first') } });
    expect((await call(served.base, 'backends.configure', served.token, input)).ok).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(served.workspace, 'mittelo.config.json'), 'utf8'))).toMatchObject({ backends: { codex: { binary_path: process.execPath } } });
  });

  it('guards the hub JSONL port: no token, no call; the workspace token opens it', async () => {
    const served = await serve();
    const conn = await RawConnection.open(served.hubPort);
    const refused = await rawCall(conn, 1, 'enqueue', { prompt: 'from a stranger' });
    expect(refused).toMatchObject({ error: { code: 'unauthorized' } });
    expect(await rawCall(conn, 2, 'auth', { token: served.token })).toMatchObject({ result: { ok: true } });
    expect(await rawCall(conn, 3, 'stats')).toMatchObject({ error: null });
    conn.close();
  });

  it('guards the hub REST port: 401 without the token, 200 with it', async () => {
    const served = await serve();
    expect((await fetch(`${served.restUrl}/stats`)).status).toBe(401);
    const post = await fetch(`${served.restUrl}/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"prompt":"x"}' });
    expect(post.status).toBe(401);
    expect((await fetch(`${served.restUrl}/stats`, { headers: { authorization: `Bearer ${served.token}` } })).status).toBe(200);
  });

  it('is found by mittelo commands run in the workspace (port too) and by commands pointed at the hub port from anywhere', async () => {
    const served = await serve();
    const inWorkspace = await runCli(['enqueue', '--prompt', 'found by the workspace', '--json'], served.env, served.workspace);
    expect(inWorkspace.stderr).toBe('');
    expect(inWorkspace.code).toBe(0);
    const elsewhere = await runCli(['status', '--port', String(served.hubPort), '--json'], served.env, served.root);
    expect(elsewhere.code).toBe(0);
    expect(JSON.parse(elsewhere.stdout)).toMatchObject({ stats: { queued: 1 } });
    // Another user's config dir has no record: that command needs the token given.
    const stranger = await runCli(['status', '--port', String(served.hubPort)], { ...served.env, XDG_CONFIG_HOME: path.join(served.root, 'other') }, served.root);
    expect(stranger.code).not.toBe(0);
    expect(stranger.stderr).toMatch(/unauthorized/);
    expect(stranger.stderr).toContain('pass --token-file <workspace>/.mittelo/token or MITTELO_TOKEN');
    const withFile = await runCli(['status', '--port', String(served.hubPort), '--token-file', path.join(served.workspace, '.mittelo', 'token')], { ...served.env, XDG_CONFIG_HOME: path.join(served.root, 'other') }, served.root);
    expect(withFile.code).toBe(0);
  });

  it('is found by mittelo doctor too, which then asks the hub who it is instead of saying it needs --token', async () => {
    const served = await serve();
    const doctor = async (env: NodeJS.ProcessEnv, cwd: string) => {
      const result = await runCli(['doctor', '--core', '--json', '--port', String(served.hubPort)], env, cwd);
      const report = JSON.parse(result.stdout) as { core: { check: string; details?: { held_by?: string | null } }[] };
      return report.core.find((c) => c.check === 'jsonl_port')?.details?.held_by;
    };
    expect(await doctor(served.env, served.workspace)).toMatch(/^a mittelo hub \d/);
    // Outside the workspace, without the app's record (another user's config) and no token given, it can only say one is needed.
    expect(await doctor({ ...served.env, XDG_CONFIG_HOME: path.join(served.root, 'other') }, served.root)).toBe('a mittelo hub (it requires a token: pass --token)');
  });

  it('leaves no record behind once stopped, and a second start keeps the same token', async () => {
    const first = await serve();
    await stop(first.child);
    expect(fs.existsSync(path.join(first.workspace, '.mittelo', 'hub.json'))).toBe(false);
    expect(fs.readdirSync(path.join(first.root, 'config', 'mittelo', 'hubs'))).toEqual([]);
    const again = spawn(process.execPath, [cliPath, 'serve', '--port', '0', '--hub-port', '0', '--no-rest', '--no-agents', '--workspace', first.workspace], { cwd: first.root, env: first.env, stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(again);
    const url = await new Promise<string>((resolve) => {
      let stdout = '';
      again.stdout?.on('data', (d: Buffer) => {
        stdout += d.toString();
        const match = /Mittelo Control Center: (\S+)/.exec(stdout);
        if (match?.[1]) resolve(match[1]);
      });
    });
    expect(new URL(url).searchParams.get('token')).toBe(first.token);
  });

  it('serve --token VALUE protects the hub ports with that token too', async () => {
    const served = await serve(['--token', 'given-token-1234567890']);
    expect(served.token).toBe('given-token-1234567890');
    await expect(HubClient.connect({ host: '127.0.0.1', port: served.hubPort, token: 'wrong-token' })).rejects.toThrow(/invalid token/);
    const client = await HubClient.connect({ host: '127.0.0.1', port: served.hubPort, token: 'given-token-1234567890' });
    await expect(client.call('stats')).resolves.toBeTruthy();
    client.close();
    expect((await fetch(`${served.restUrl}/stats`)).status).toBe(401);
  });
});

describe('hub tokens on the command line', () => {
  it.each([[' '], [''], ['\t']])('mittelo hub --host 0.0.0.0 --token %j is refused as blank', async (token) => {
    const dir = tempDir('mittelo-token-');
    const result = await runCli(['hub', '--host', '0.0.0.0', '--port', '0', '--db', path.join(dir, 'hub.db'), '--token', token], { MITTELO_TOKEN: '' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--token is blank/);
  });

  it('MITTELO_TOKEN of spaces is refused too; an empty one means none', async () => {
    const dir = tempDir('mittelo-token-');
    const result = await runCli(['hub', '--host', '0.0.0.0', '--port', '0', '--db', path.join(dir, 'hub.db')], { MITTELO_TOKEN: '   ' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/MITTELO_TOKEN is blank/);
  });

  it('--token-file: an empty file is refused; a good one guards the hub and stays out of /proc/PID/cmdline', async () => {
    const dir = tempDir('mittelo-token-');
    const empty = path.join(dir, 'empty');
    fs.writeFileSync(empty, '\n');
    const refused = await runCli(['hub', '--port', '0', '--db', path.join(dir, 'a.db'), '--token-file', empty], { MITTELO_TOKEN: '' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/--token-file .* is blank/);

    const file = path.join(dir, 'token');
    fs.writeFileSync(file, 'file-token-abcdef123456\n', { mode: 0o600 });
    const hub = await spawnHubProcess(['--db', path.join(dir, 'b.db'), '--token-file', file], { MITTELO_TOKEN: '' });
    children.push(hub.child);
    if (process.platform === 'linux') expect(fs.readFileSync(`/proc/${hub.child.pid}/cmdline`, 'utf8')).not.toContain('file-token-abcdef123456');
    await expect(runCli(['status', '--port', String(hub.port)], { MITTELO_TOKEN: '' }, dir)).resolves.toMatchObject({ code: 1 });
    await expect(runCli(['status', '--port', String(hub.port), '--token-file', file], { MITTELO_TOKEN: '' }, dir)).resolves.toMatchObject({ code: 0 });
  });

  it('plain mittelo hub on loopback stays tokenless: a seed JSONL client works as before', async () => {
    const dir = tempDir('mittelo-token-');
    const hub = await spawnHubProcess(['--db', path.join(dir, 'hub.db')], { MITTELO_TOKEN: '' });
    children.push(hub.child);
    const conn = await RawConnection.open(hub.port);
    expect(await rawCall(conn, 1, 'enqueue', { prompt: 'seed' })).toMatchObject({ id: 1, result: { task_id: 1 }, error: null });
    conn.close();
  });
});
