/**
 * The compiled load generator (scripts/bench/loadgen.c) for the one-in-flight shape: built with the
 * system's C compiler into a cache folder (once per version of the source), then run against a hub.
 * With no compiler (or no source beside the build) the bench falls back to the Node generator.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** Beside this file when run from the sources (tests); from dist/scripts/bench/, in the source tree (tsc does not copy .c files). */
const SOURCE = [path.join(HERE, 'loadgen.c'), path.resolve(HERE, '..', '..', '..', 'scripts', 'bench', 'loadgen.c')].find((file) => fs.existsSync(file)) ?? path.join(HERE, 'loadgen.c');
const CACHE_DIR = path.join(os.tmpdir(), 'mittelo-bench-cache');

export interface CompiledRunOptions {
  port: number;
  tasks: number;
  producers: number;
  workers: number;
  backlog: number;
  waitSeconds: number;
  /** Called after every connection is open, just before the run starts (to sample the hub's CPU). */
  onStart: () => void;
}

export interface CompiledRunResult {
  seconds: number;
  cpu_seconds: number;
  enqueued: number;
  acked: number;
  leased_twice: number;
  acked_twice: number;
  protocol_errors: number;
  latency_ms: { p50: number; p95: number; p99: number; max: number };
}

/** The binary's path, built if needed; or why it cannot be (the caller falls back to Node). */
export function buildLoadgen(): { binary: string } | { unavailable: string } {
  if (!fs.existsSync(SOURCE)) return { unavailable: `no ${path.basename(SOURCE)} at ${SOURCE}` };
  const source = fs.readFileSync(SOURCE);
  const binary = path.join(CACHE_DIR, `loadgen-${createHash('sha256').update(source).digest('hex').slice(0, 16)}`);
  if (fs.existsSync(binary)) return { binary };
  const compiler = process.env.CC ?? 'cc';
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  // Built under a temporary name and renamed: two benches building at once never run half a file.
  const partial = `${binary}.${process.pid}.tmp`;
  const built = spawnSync(compiler, ['-O2', '-o', partial, SOURCE], { encoding: 'utf8' });
  if (built.error) return { unavailable: `no C compiler (${compiler}: ${built.error.message})` };
  if (built.status !== 0) return { unavailable: `${compiler} failed: ${built.stderr.trim().split('\n')[0] ?? ''}` };
  fs.renameSync(partial, binary);
  return { binary };
}

export function runLoadgen(binary: string, options: CompiledRunOptions): Promise<CompiledRunResult> {
  const args = ['--port', options.port, '--tasks', options.tasks, '--producers', options.producers, '--workers', options.workers, '--backlog', options.backlog, '--wait-seconds', options.waitSeconds].map(String);
  const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let started = false;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (!started && out.startsWith('ready\n')) {
        started = true;
        out = out.slice('ready\n'.length);
        options.onStart();
        child.stdin.end('go\n');
      }
    });
    child.once('error', reject);
    child.once('close', (code) => {
      // Protocol errors still end with the results line (protocol_errors > 0 fails the verification).
      const line = out.trim().split('\n').pop() ?? '';
      if (!line.startsWith('{')) return reject(new Error(`the compiled load generator exited with ${code} (its errors are above)`));
      resolve(JSON.parse(line) as CompiledRunResult);
    });
  });
}
