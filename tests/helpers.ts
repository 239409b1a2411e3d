/** Shared test plumbing: temp folders, in-process hubs on free ports, the built CLI, raw sockets. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHub, type HubOptions, type RunningHub } from '../core/hub.js';
import { HubClient } from '../core/wire/client.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const cliPath = path.join(repoRoot, 'dist', 'core', 'cli', 'main.js');

export function tempDir(prefix = 'mittelo-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A hub on a free loopback port with its own database file; stopped by the returned `stop`. */
export async function startTestHub(options: Partial<HubOptions> = {}): Promise<RunningHub & { dbPath: string }> {
  const dbPath = options.dbPath ?? path.join(tempDir(), 'hub.db');
  const hub = await startHub({ port: 0, ...options, dbPath });
  return Object.assign(hub, { dbPath });
}

export function connect(hub: { host: string; port: number }, token?: string): Promise<HubClient> {
  return HubClient.connect(token ? { host: hub.host, port: hub.port, token } : { host: hub.host, port: hub.port });
}

/** A raw TCP line client, for framing tests that must control the exact bytes sent. */
export class RawConnection {
  private buffer = '';
  private readonly waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (data: string) => {
      this.buffer += data;
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static open(port: number, host = '127.0.0.1'): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection({ host, port }, () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Resolves with the next `count` response lines parsed as JSON (rejects after `timeoutMs`). */
  async readLines(count: number, timeoutMs = 5000): Promise<Record<string, unknown>[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const lines = this.buffer.split('\n');
      if (lines.length - 1 >= count) {
        const taken = lines.slice(0, count);
        this.buffer = lines.slice(count).join('\n');
        return taken.map((l) => JSON.parse(l) as Record<string, unknown>);
      }
      if (this.closed) throw new Error(`connection closed after ${lines.length - 1} of ${count} lines`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out waiting for ${count} lines; have: ${JSON.stringify(this.buffer.slice(0, 500))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Resolves when the server closes the connection. */
  async waitClosed(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('connection still open');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `mittelo` CLI to completion. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, cwd = repoRoot): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts `mittelo hub --port 0 --print-url` as a child process and resolves with its port once it listens. */
export async function spawnHubProcess(args: string[], env: NodeJS.ProcessEnv = {}, cwd = repoRoot): Promise<{ child: ChildProcess; port: number; restUrl?: string }> {
  const child = spawn(process.execPath, [cliPath, 'hub', '--port', '0', '--print-url', '--quiet', ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const wantsRest = args.includes('--rest-port');
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      const tcp = /tcp:\/\/[^\s]+:(\d+)/.exec(stdout);
      const rest = /(http:\/\/[^\s]+)/.exec(stdout);
      if (tcp?.[1] && (!wantsRest || rest?.[1])) {
        resolve(rest?.[1] ? { child, port: Number(tcp[1]), restUrl: rest[1] } : { child, port: Number(tcp[1]) });
      }
    });
    child.on('exit', (code) => reject(new Error(`hub exited with ${code} before listening: ${stderr}`)));
  });
}

/** A loopback port nobody listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One raw JSONL exchange: sends `{"id", "method", "params"}` and resolves with the next answer line. */
export async function rawCall(conn: RawConnection, id: unknown, method: string, params?: unknown): Promise<Record<string, unknown>> {
  conn.write(JSON.stringify(params === undefined ? { id, method } : { id, method, params }) + '\n');
  const [answer] = await conn.readLines(1);
  if (!answer) throw new Error(`no answer to ${method}`);
  return answer;
}
