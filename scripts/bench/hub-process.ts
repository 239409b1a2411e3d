/** Starts the built hub as a child process on a fresh database for benchmarks, and reads its memory. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** MITTELO_BENCH_HUB_CLI runs another build's hub (an old dist, to compare before and after in the same conditions). */
const cli = process.env.MITTELO_BENCH_HUB_CLI ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'core', 'cli', 'main.js');

export interface BenchHub {
  child: ChildProcess;
  port: number;
  dbPath: string;
  stop(): Promise<void>;
}

export async function startBenchHub(dbPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mittelo-bench-')), 'bench.db')): Promise<BenchHub> {
  // e.g. MITTELO_BENCH_HUB_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the hub.
  const nodeArgs = (process.env.MITTELO_BENCH_HUB_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, cli, 'hub', '--db', dbPath, '--port', '0', '--print-url', '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /tcp:\/\/[^\s]+:(\d+)/.exec(out);
      if (match?.[1]) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`hub exited with ${code}`)));
  });
  return {
    child,
    port,
    dbPath,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Current and peak resident memory of a process, in MiB (Linux /proc). */
export function processMemoryMiB(pid: number): { rss: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** CPU seconds (user + system) a process has used so far (Linux /proc). */
export function processCpuSeconds(pid: number): number {
  const { user, system } = processCpuSplit(pid);
  return user + system;
}

/** CPU seconds a process has used so far in user space (JS, SQLite) and in the kernel (syscalls). */
export function processCpuSplit(pid: number): { user: number; system: number } {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
