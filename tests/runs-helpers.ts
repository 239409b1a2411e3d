/**
 * Plumbing for the runs tests: a workspace folder (packs, folder backends, wrapper bin dir), the
 * built CLI pointed at one hub, and `mittelo run` as a long-lived child process.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Comparison } from '../core/compare/types.js';
import type { RunInfo, RunRecord, RunRollup } from '../core/runs/types.js';
import { AgentProcess } from './agent-helpers.js';
import { cliPath, repoRoot, runCli, tempDir, type CliResult } from './helpers.js';

export const FAKE_BIN = path.join(repoRoot, 'tests', 'fixtures', 'bin');

/**
 * A scratch workspace, used as the CLI's working directory (so no mittelo.config.json or
 * mittelo.lock.json of the repository leaks in): packs, folder backends and a bin dir of wrappers.
 */
export class Workspace {
  readonly dir = tempDir('mittelo-runs-');
  readonly backendsDir = path.join(this.dir, 'backends');
  readonly binDir = path.join(this.dir, 'bin');

  /**
   * `port`: the hub the CLI calls go to (set later for a hub started in the workspace); `extraEnv`:
   * more variables for every CLI call (a token...).
   */
  constructor(
    public port: number,
    private readonly extraEnv: NodeJS.ProcessEnv = {},
  ) {
    fs.mkdirSync(this.backendsDir);
    fs.mkdirSync(this.binDir);
  }

  /** Writes `<name>.jsonl` (one object per line) and returns its path. */
  pack(name: string, entries: object[]): string {
    const file = path.join(this.dir, `${name}.jsonl`);
    fs.writeFileSync(file, entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
    return file;
  }

  /** A folder backend `<name>/run` with this shell body (prompt on stdin, answer on stdout). */
  backend(name: string, body: string): void {
    const folder = path.join(this.backendsDir, name);
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, 'run'), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  }

  /**
   * A wrapper `bin/<cli>` around the fake CLI with variables set. The runner passes only an
   * allowlist of the environment to a CLI, so a mode per backend has to be set here, not in ours.
   */
  wrap(cli: string, env: Record<string, string>): void {
    const sets = Object.entries(env).map(([k, v]) => `${k}='${v}'`).join(' ');
    fs.writeFileSync(path.join(this.binDir, cli), `#!/bin/sh\n${sets} exec '${path.join(FAKE_BIN, cli)}' "$@"\n`, { mode: 0o755 });
  }

  /** Wrappers first, then the fake CLIs, then the rest of PATH (node for the fakes' shebang). */
  get env(): NodeJS.ProcessEnv {
    return { PATH: [this.binDir, FAKE_BIN, process.env.PATH ?? ''].join(path.delimiter), MITTELO_BACKENDS_DIR: this.backendsDir, ...this.extraEnv };
  }

  /** `mittelo <args> --port <hub>` to completion, in the workspace. */
  cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
    return runCli([...args, '--port', String(this.port)], { ...this.env, ...env }, this.dir);
  }

  /** `mittelo <args> --port <hub> --json`, failing the test unless it exits with `code`. */
  async json<T>(args: string[], code = 0): Promise<T> {
    const result = await this.cli([...args, '--json']);
    if (result.code !== code) throw new Error(`mittelo ${args.join(' ')} exited ${result.code}, expected ${code}\nstdout: ${result.stdout.slice(0, 2000)}\nstderr: ${result.stderr.slice(0, 4000)}`);
    return JSON.parse(result.stdout) as T;
  }

  /** `mittelo run ... --json --no-embedded`: the run's id, its exit code and output. */
  async run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult & { runId: string; out: RunOutput }> {
    const result = await this.cli(['run', '--no-embedded', '--json', ...args], env);
    let out: RunOutput;
    try {
      out = JSON.parse(result.stdout) as RunOutput;
    } catch {
      throw new Error(`mittelo run printed no JSON (exit ${result.code})\nstdout: ${result.stdout.slice(0, 2000)}\nstderr: ${result.stderr.slice(0, 4000)}`);
    }
    return { ...result, runId: out.run.run_id, out };
  }

  show(runId: string): Promise<RunRecord & { rollups: RunRollup[] }> {
    return this.json(['runs', 'show', runId]);
  }

  compare(a: string, b: string, extra: string[] = [], code?: number): Promise<Comparison> {
    return this.json(['compare', a, b, ...extra], code);
  }

  /** `mittelo <args>` as a child process that keeps running (stopped by the caller). */
  spawn(args: string[]): AgentProcess {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd: this.dir, env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    return new AgentProcess(child);
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Stops a test hub and removes the folder startTestHub made for its database. */
export async function stopTestHub(hub: { stop(): Promise<void>; dbPath: string }): Promise<void> {
  await hub.stop();
  fs.rmSync(path.dirname(hub.dbPath), { recursive: true, force: true });
}

/** What `mittelo run --json` prints. */
export interface RunOutput {
  run: RunInfo;
  rollups: RunRollup[];
  regressions: boolean;
}

/** The rollup of one backend (or of the whole run with null). */
export function rollupOf(rollups: RunRollup[], backend: string | null): RunRollup {
  const found = rollups.find((r) => r.backend === backend);
  if (!found) throw new Error(`no rollup for ${backend ?? 'the whole run'}: ${rollups.map((r) => r.backend).join(', ')}`);
  return found;
}

/**
 * A folder backend whose answer is the file `answers/<prompt>` next to its `run`; a missing file
 * makes it fail. Tests change the files between runs to make known differences.
 */
export const FILE_ANSWERS = [
  'prompt=$(cat)',
  'file="$MITTELO_BACKEND_DIR/answers/$prompt"',
  'if [ ! -f "$file" ]; then echo "no answer for $prompt" >&2; exit 3; fi',
  'cat "$file"',
].join('\n');

export function setAnswers(ws: Workspace, backend: string, answers: Record<string, string | null>): void {
  const dir = path.join(ws.backendsDir, backend, 'answers');
  fs.mkdirSync(dir, { recursive: true });
  for (const [prompt, answer] of Object.entries(answers)) {
    const file = path.join(dir, prompt);
    if (answer === null) fs.rmSync(file, { force: true });
    else fs.writeFileSync(file, answer);
  }
}
