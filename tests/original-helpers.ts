/** The stand-in for the original mittelo hub (tests/fixtures/original-hub/hub.mjs) as a real process. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './helpers.js';

export const originalHubScript = path.join(repoRoot, 'tests', 'fixtures', 'original-hub', 'hub.mjs');

export interface OriginalHub {
  child: ChildProcess;
  port: number;
  dbPath: string;
  /** Every method a client asked it for, in order (unknown ones included). */
  calls(): string[];
  stop(): Promise<void>;
}

/** Starts the original hub on a free port; `cwd` decides where its default `.mittelo/mittelo.db` goes. */
export async function startOriginalHub({ cwd, db, args = [] }: { cwd: string; db?: string; args?: string[] }): Promise<OriginalHub> {
  const dbPath = path.resolve(cwd, db ?? path.join('.mittelo', 'mittelo.db'));
  const child = spawn(process.execPath, [originalHubScript, '--port', '0', '--print-url', ...(db ? ['--db', db] : []), ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      const match = /^MITTELO_HUB tcp:\/\/[^\s]+:(\d+)$/m.exec(stdout);
      if (match?.[1]) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`original hub exited with ${code}: ${stderr}`)));
  });
  return {
    child,
    port,
    dbPath,
    calls: () => {
      try {
        return fs.readFileSync(`${dbPath}.calls`, 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
