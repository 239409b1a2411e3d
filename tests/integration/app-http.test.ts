/**
 * Browser mode's HTTP bridge over real sockets: the contract at POST /api/call/<name>, UiEvents as
 * Server-Sent Events, the renderer's files with the CSP and no way out of their folder, the token
 * rule off loopback, and `mittelo serve` itself.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UiEvent } from '../../core/api.js';
import { CONTENT_SECURITY_POLICY } from '../../core/app/csp.js';
import { startHttpBridge, type HttpBridge } from '../../core/app/http-bridge.js';
import { startTestApp, type TestApp } from '../app-helpers.js';
import { cliPath, repoRoot, tempDir } from '../helpers.js';

let app: TestApp;
let bridge: HttpBridge;
let rendererDir: string;

beforeAll(async () => {
  app = await startTestApp();
  rendererDir = path.join(app.root, 'renderer');
  fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>app</title><script type="module" src="./assets/app.js"></script>');
  fs.writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log("app")');
  fs.writeFileSync(path.join(app.root, 'secret.txt'), 'outside the renderer');
  bridge = await startHttpBridge({ dispatch: app.dispatch, subscribe: app.subscribe, port: 0, rendererDir, heartbeatMs: 200 });
});

afterAll(async () => {
  await bridge.close();
  await app.remove();
});

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTP request with the path sent exactly as given (no URL normalisation). */
function raw(port: number, method: string, rawPath: string, options: { headers?: Record<string, string>; body?: string } = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: rawPath, headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

async function call(name: string, input: unknown, headers: Record<string, string> = {}, port = bridge.port): Promise<{ status: number; body: { ok: boolean; result?: never; error?: { code: string; message: string } } }> {
  const response = await fetch(`http://127.0.0.1:${port}/api/call/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(input) });
  return { status: response.status, body: (await response.json()) as never };
}

/** Reads the event stream until `match` accepts a UiEvent; resolves with it. */
async function eventFrom(response: Response, match: (event: UiEvent) => boolean, timeoutMs = 10_000): Promise<UiEvent> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        for (const line of block.split('\n')) {
          if (!line.startsWith('data: ')) continue;
          const event = JSON.parse(line.slice(6)) as UiEvent;
          if (match(event)) return event;
        }
      }
    }
  } finally {
    await reader.cancel();
  }
  throw new Error('no matching event on the stream');
}

describe('calls', () => {
  it('enqueue, then tasks.rows shows the task', async () => {
    const enqueued = await call('tasks.enqueue', { prompt: 'over http', backend: 'nobody' });
    expect(enqueued.status).toBe(200);
    const taskId = (enqueued.body.result as unknown as { task_id: number }).task_id;
    const rows = await call('tasks.rows', { search: 'over http' });
    expect((rows.body.result as unknown as { rows: { task_id: number }[] }).rows.map((r) => r.task_id)).toEqual([taskId]);
  });

  it('runs.start on echo returns at once; runs.get shows it done; compare.runs pairs two runs', async () => {
    const runIds: string[] = [];
    for (let i = 0; i < 2; i++) {
      const events = await fetch(`http://127.0.0.1:${bridge.port}/api/events`);
      const started = await call('runs.start', { pack: 'hello', backends: ['echo'] });
      expect(started.status).toBe(200);
      const { run_id: runId, tasks } = started.body.result as unknown as { run_id: string; tasks: number };
      expect(tasks).toBeGreaterThan(0);
      await eventFrom(events, (e) => e.kind === 'hub' && e.event.type === 'acked' && e.event.task.run_id === runId);
      const record = (await call('runs.get', { run_id: runId })).body.result as unknown as { run: { finished_at: number | null }; tasks: { status: string }[] };
      expect(record.run.finished_at).not.toBeNull();
      expect(record.tasks.every((t) => t.status === 'done')).toBe(true);
      runIds.push(runId);
    }
    const compared = await call('compare.runs', { pack_name: 'hello' });
    const result = compared.body.result as unknown as { comparison: { a: { run_id: string }; b: { run_id: string } }; reason: null };
    expect([result.comparison.a.run_id, result.comparison.b.run_id]).toEqual(runIds);
    expect(result.reason).toBeNull();
  });

  it('backends.list includes echo, ready', async () => {
    const { body } = await call('backends.list', {});
    const echo = (body.result as unknown as { backends: { name: string; preflight: { status: string } }[] }).backends.find((b) => b.name === 'echo');
    expect(echo?.preflight.status).toBe('ok');
  });

  it('lock.write without confirm: true is a 400 in words; bad input and unknown calls are JSON errors', async () => {
    expect(await call('lock.write', {})).toEqual({ status: 400, body: { ok: false, error: expect.objectContaining({ code: 'bad_input', message: 'Confirm must be true.' }) } });
    expect(await call('tasks.enqueue', { prompt: '' })).toMatchObject({ status: 400, body: { ok: false, error: { code: 'bad_input', message: 'Prompt must not be blank.' } } });
    expect(await call('tasks.get', { task_id: 987_654 })).toMatchObject({ status: 404, body: { ok: false, error: { code: 'not_found' } } });
    expect(await call('no.such.call', {})).toMatchObject({ status: 404, body: { ok: false, error: { code: 'unknown_call' } } });
    expect(JSON.parse((await raw(bridge.port, 'GET', '/api/nothing')).body)).toMatchObject({ ok: false, error: { code: 'unknown_call' } });
    expect((await raw(bridge.port, 'GET', '/api/call/hub.status')).status).toBe(405);
  });

  it('only JSON calls from the app itself are taken: other content types, oversized bodies, other origins and hosts are refused', async () => {
    const text = await raw(bridge.port, 'POST', '/api/call/tasks.enqueue', { headers: { 'content-type': 'text/plain' }, body: '{"prompt":"x"}' });
    expect(text.status).toBe(415);
    const big = await raw(bridge.port, 'POST', '/api/call/tasks.enqueue', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'x'.repeat(5 * 1024 * 1024) }) });
    expect(big.status).toBe(413);
    const notJson = await raw(bridge.port, 'POST', '/api/call/tasks.enqueue', { headers: { 'content-type': 'application/json' }, body: '{nope' });
    expect(JSON.parse(notJson.body)).toMatchObject({ ok: false, error: { code: 'bad_input' } });
    const origin = await raw(bridge.port, 'POST', '/api/call/hub.status', { headers: { 'content-type': 'application/json', origin: 'https://evil.example' }, body: '{}' });
    expect(origin.status).toBe(403);
    const rebinding = await raw(bridge.port, 'GET', '/', { headers: { host: `evil.example:${bridge.port}` } });
    expect(rebinding.status).toBe(403);
    // Another port is another server: a loopback name is not enough (issue 10).
    const otherPort = await raw(bridge.port, 'GET', '/', { headers: { host: `localhost:${bridge.port + 1}` } });
    expect(otherPort.status).toBe(403);
    expect(JSON.parse(otherPort.body)).toMatchObject({ error: { message: expect.stringContaining(`on port ${bridge.port}`) } });
    // The event stream carries every task's prompt: a foreign page may not open it either.
    expect((await raw(bridge.port, 'GET', '/api/events', { headers: { origin: 'https://evil.example' } })).status).toBe(403);
    const sameOrigin = await raw(bridge.port, 'POST', '/api/call/hub.status', { headers: { 'content-type': 'application/json', origin: `http://127.0.0.1:${bridge.port}`, host: `127.0.0.1:${bridge.port}` }, body: '{}' });
    expect(sameOrigin.status).toBe(200);
  });
});

describe('events', () => {
  it('the stream opens with the connection state and then delivers the task event of an enqueue', async () => {
    const response = await fetch(`http://127.0.0.1:${bridge.port}/api/events`);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const first = await eventFrom(response, () => true);
    expect(first).toEqual({ kind: 'connection', online: true, reconnecting: false });

    const again = await fetch(`http://127.0.0.1:${bridge.port}/api/events`);
    const { body } = await call('tasks.enqueue', { prompt: 'live over sse' });
    const taskId = (body.result as unknown as { task_id: number }).task_id;
    const event = await eventFrom(again, (e) => e.kind === 'hub' && e.event.type === 'enqueued');
    expect(event).toMatchObject({ kind: 'hub', event: { type: 'enqueued', task: { task_id: taskId, prompt: 'live over sse' } } });
  });

  it('heartbeats keep an idle stream alive', async () => {
    const response = await fetch(`http://127.0.0.1:${bridge.port}/api/events`);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (!text.includes(': heartbeat')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    expect(text).toContain('retry: 2000');
  });
});

describe('static files', () => {
  it('pages and assets carry the CSP; client routes get the app; missing assets are 404', async () => {
    const index = await raw(bridge.port, 'GET', '/');
    expect(index.status).toBe(200);
    expect(index.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    expect(index.body).toContain('<title>app</title>');
    const asset = await raw(bridge.port, 'GET', '/assets/app.js');
    expect(asset).toMatchObject({ status: 200, body: 'console.log("app")' });
    expect(asset.headers['content-type']).toMatch(/^text\/javascript/);
    expect(asset.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect((await raw(bridge.port, 'GET', '/runs/some-run')).body).toContain('<title>app</title>');
    expect((await raw(bridge.port, 'GET', '/assets/missing.js')).status).toBe(404);
  });

  it('no path leaves the renderer folder', async () => {
    for (const attempt of ['/../package.json', '/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5c..%5csecret.txt', '/%2e%2e%2f%2e%2e%2fpackage.json', '/.%00/secret.txt']) {
      const answer = await raw(bridge.port, 'GET', attempt);
      expect(answer.status, attempt).toBe(404);
      expect(answer.body, attempt).not.toContain('outside the renderer');
    }
  });

  it('without a built renderer the page says how to build it', async () => {
    const unbuilt = await startHttpBridge({ dispatch: app.dispatch, subscribe: app.subscribe, port: 0, rendererDir: path.join(app.root, 'not-built') });
    try {
      const answer = await raw(unbuilt.port, 'GET', '/');
      expect(answer.status).toBe(503);
      expect(answer.body).toContain('npm run build');
      expect(answer.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
      expect((await call('hub.status', {}, {}, unbuilt.port)).status).toBe(200);
    } finally {
      await unbuilt.close();
    }
  });
});

describe('token', () => {
  it('serving off loopback without a token is refused in words', async () => {
    await expect(startHttpBridge({ dispatch: app.dispatch, subscribe: app.subscribe, host: '0.0.0.0', port: 0, rendererDir })).rejects.toThrow(/refusing to serve the app on 0\.0\.0\.0 without a token/);
  });

  it('with a token: calls need it (bearer or the cookie set by /?token=), checked for every route', async () => {
    const token = 'tok-123456789';
    const guarded = await startHttpBridge({ dispatch: app.dispatch, subscribe: app.subscribe, host: '0.0.0.0', port: 0, token, rendererDir });
    try {
      expect(guarded.url).toBe(`http://0.0.0.0:${guarded.port}/?token=${token}`);
      expect((await call('hub.status', {}, {}, guarded.port)).status).toBe(401);
      expect((await call('hub.status', {}, { authorization: 'Bearer wrong' }, guarded.port)).status).toBe(401);
      expect((await call('hub.status', {}, { authorization: `Bearer ${token}` }, guarded.port)).status).toBe(200);
      expect((await raw(guarded.port, 'GET', '/')).status).toBe(401);
      expect((await raw(guarded.port, 'GET', '/api/events')).status).toBe(401);
      expect((await raw(guarded.port, 'GET', '/?token=wrong')).status).toBe(401);

      const visit = await raw(guarded.port, 'GET', `/?token=${token}`);
      expect(visit.status).toBe(303);
      expect(visit.headers.location).toBe('/');
      const cookie = visit.headers['set-cookie']?.[0] ?? '';
      expect(cookie).toMatch(/^mittelo_token=tok-123456789; HttpOnly; SameSite=Strict; Path=\//);
      const jar = cookie.split(';')[0] ?? '';
      expect((await raw(guarded.port, 'GET', '/', { headers: { cookie: jar } })).status).toBe(200);
      expect((await call('hub.status', {}, { cookie: jar }, guarded.port)).status).toBe(200);
      const events = await fetch(`http://127.0.0.1:${guarded.port}/api/events`, { headers: { cookie: jar } });
      expect(await eventFrom(events, () => true)).toMatchObject({ kind: 'connection' });
    } finally {
      await guarded.close();
    }
  });
});

describe('mittelo serve', () => {
  it('refuses a blank --token, also off loopback', async () => {
    const home = tempDir('mittelo-serve-');
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [cliPath, 'serve', '--host', '0.0.0.0', '--port', '0', '--token', ' ', '--workspace', path.join(home, 'ws')], { cwd: repoRoot, env: { ...process.env, XDG_CONFIG_HOME: home, MITTELO_SERVE_TOKEN: '' } });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--token is blank/);
  });

  it('prints the address, answers calls on it, and stops cleanly on SIGTERM', async () => {
    const root = tempDir('mittelo-serve-');
    const child = spawn(process.execPath, [cliPath, 'serve', '--port', '0', '--hub-port', '0', '--no-rest', '--no-agents', '--workspace', path.join(root, 'ws')], {
      cwd: root,
      env: { ...process.env, XDG_CONFIG_HOME: path.join(root, 'config'), MITTELO_SERVE_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [base, token] = await new Promise<[string, string]>((resolve, reject) => {
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const match = /^Mittelo Control Center: (http:\/\/127\.0\.0\.1:\d+\/)\?token=(\S+)$/m.exec(stdout);
        if (match?.[1] && match[2]) resolve([match[1], decodeURIComponent(match[2])]);
      });
      child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
    });
    const status = await fetch(`${base}api/call/hub.status`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{}' });
    expect(await status.json()).toMatchObject({ ok: true, result: { online: true, workspace: path.join(root, 'ws') } });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('mittelo serve: stopped');
    expect(fs.existsSync(path.join(root, 'ws', '.mittelo', 'mittelo.db.hub.lock'))).toBe(false);
  });
});
