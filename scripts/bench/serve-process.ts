/** `mittelo serve` on a workspace for the UI benchmarks: no agents, no REST, its URL once it listens. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'core', 'cli', 'main.js');

export async function startServe(workspace: string, configHome: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--workspace', workspace, '--hub-port', '0', '--no-rest', '--no-agents', '--quiet'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    // The bench must not become the user's "last used workspace".
    env: { ...process.env, XDG_CONFIG_HOME: configHome },
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /Mittelo Control Center: (\S+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`mittelo serve exited with ${code}`)));
  });
  return { child, url };
}

/** SIGTERM, and wait until it has exited (a served workspace's database is closed then). */
export function stopServe(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
