/**
 * Plumbing for the agent tests: folder backends written into temp folders, in-process agents,
 * `mittelo agent` child processes, and waiting on hub events instead of sleeping.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Agent, type AgentOptions, type AgentStatus, type ServedBackend } from '../core/agent/agent.js';
import { driverFor } from '../core/agent/backend.js';
import type { HubEvent, LeasedTask, Task, TaskStatus } from '../core/queue/types.js';
import type { HubClient } from '../core/wire/client.js';
import { cliPath, connect, repoRoot, tempDir } from './helpers.js';

/** A folder with backends `<name>/run`, written from shell script bodies. */
export class BackendsDir {
  readonly dir = tempDir('mittelo-backends-');

  add(name: string, body: string): string {
    const folder = path.join(this.dir, name);
    fs.mkdirSync(folder, { recursive: true });
    const run = path.join(folder, 'run');
    fs.writeFileSync(run, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return folder;
  }

  /** Lines the backend `name` appended to its `log` file (scripts write to "$MITTELO_BACKEND_DIR/log"). */
  log(name: string): string[] {
    try {
      return fs.readFileSync(path.join(this.dir, name, 'log'), 'utf8').split('\n').filter((l) => l !== '');
    } catch {
      return [];
    }
  }

  get env(): NodeJS.ProcessEnv {
    return { MITTELO_BACKENDS_DIR: this.dir };
  }
}

/** A script body that logs `start <task>` / `end <task>`, sleeps, then answers `done:<prompt>`. */
export function sleeperScript(seconds: number): string {
  return [
    'prompt=$(cat)',
    'echo "start $MITTELO_TASK_ID" >> "$MITTELO_BACKEND_DIR/log"',
    `sleep ${seconds}`,
    'echo "end $MITTELO_TASK_ID" >> "$MITTELO_BACKEND_DIR/log"',
    'printf "done:%s" "$prompt"',
  ].join('\n');
}

/** The most `start` lines ever open at once in a start/end log (append order is real order). */
export function maxOverlap(lines: string[]): number {
  let open = 0;
  let most = 0;
  for (const line of lines) {
    if (line.startsWith('start ')) most = Math.max(most, ++open);
    else if (line.startsWith('end ')) open--;
  }
  return most;
}

export function servedFolder(backends: BackendsDir, name: string, extra: Partial<ServedBackend> = {}): ServedBackend {
  return {
    name,
    driver: driverFor(name, backends.env),
    binary: null,
    version: null,
    options: {},
    toolPolicy: 'none',
    concurrency: 1,
    ...extra,
  };
}

export interface StartedAgent {
  agent: Agent;
  /** Resolves with the final status when `run` ends. */
  finished: Promise<AgentStatus>;
  logs: string[];
}

export function startAgent(options: Omit<AgentOptions, 'log'>): StartedAgent {
  const logs: string[] = [];
  const agent = new Agent({ waitSeconds: 2, ...options, log: (line) => logs.push(line) });
  const finished = agent.run();
  // Keep an unhandled rejection from hiding the real failure: tests await `finished` themselves.
  finished.catch(() => undefined);
  return { agent, finished, logs };
}

/** Records every event of a dedicated connection; `waitFor` resolves on the first match (seen or future). */
export class EventWatch {
  readonly events: HubEvent[] = [];
  private readonly waiters = new Set<() => void>();

  private constructor(readonly client: HubClient) {}

  static async open(hub: { host: string; port: number }): Promise<EventWatch> {
    const client = await connect(hub);
    const watch = new EventWatch(client);
    await client.subscribe((event) => {
      watch.events.push(event);
      for (const wake of [...watch.waiters]) wake();
    });
    return watch;
  }

  waitFor<E extends HubEvent = HubEvent>(predicate: (event: HubEvent) => boolean, timeoutMs = 10_000, what = 'event'): Promise<E> {
    const found = this.events.find(predicate);
    if (found) return Promise.resolve(found as E);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; saw: ${this.events.map(describe).join(', ')}`));
      }, timeoutMs);
      const check = () => {
        const event = this.events.find(predicate);
        if (!event) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(event as E);
      };
      this.waiters.add(check);
    });
  }

  /** Waits until task `id` has one of `statuses` (checking the hub first, then the events). */
  async task(id: number, statuses: TaskStatus | TaskStatus[], timeoutMs = 10_000): Promise<Task> {
    const wanted = Array.isArray(statuses) ? statuses : [statuses];
    const current = await this.client.get(id);
    if (wanted.includes(current.status)) return current;
    const event = await this.waitFor(
      (e) => 'task' in e && e.task.task_id === id && wanted.includes(e.task.status),
      timeoutMs,
      `task ${id} to be ${wanted.join('|')} (it is ${current.status})`,
    );
    return 'task' in event ? event.task : current;
  }

  count(predicate: (event: HubEvent) => boolean): number {
    return this.events.filter(predicate).length;
  }

  close(): void {
    this.client.close();
  }
}

function describe(event: HubEvent): string {
  return 'task' in event ? `${event.type}#${event.task.task_id}` : event.type === 'output' ? `output#${event.task_id}` : event.type;
}

/** A `mittelo agent` child process with its output collected. */
export class AgentProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly waiters = new Set<() => void>();

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => {
      this.stdout += d.toString();
      this.wake();
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.stderr += d.toString();
      this.wake();
    });
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  static start(args: string[], env: NodeJS.ProcessEnv = {}, cwd = repoRoot): AgentProcess {
    const child = spawn(process.execPath, [cliPath, 'agent', ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    return new AgentProcess(child);
  }

  private wake(): void {
    for (const wake of [...this.waiters]) wake();
  }

  /** Resolves once stderr matches `pattern`. */
  waitForStderr(pattern: RegExp, timeoutMs = 10_000): Promise<void> {
    if (pattern.test(this.stderr)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out waiting for ${pattern} on the agent's stderr: ${this.stderr}`));
      }, timeoutMs);
      const check = () => {
        if (!pattern.test(this.stderr)) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }

  /** The exit, or a failure after `timeoutMs` (the child is then killed). */
  async exit(timeoutMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`agent did not exit within ${timeoutMs} ms; stderr: ${this.stderr}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

/**
 * Fields of /proc/<pid>/stat after the name: state, parent pid, process group (null when the
 * process is gone). The name may hold spaces and parentheses, hence the last ')'.
 */
function procStat(pid: number): { state: string; ppid: number; pgrp: number } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state = '', ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state, ppid: Number(ppid), pgrp: Number(pgrp) };
  } catch {
    return null;
  }
}

function allPids(): number[] {
  return fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).map(Number);
}

/** True while process `pid` runs; a zombie (dead, waiting for its reaper) does not count. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  const stat = procStat(pid);
  return stat !== null && stat.state !== 'Z';
}

/** The running (not zombie) children of `pid`. Linux only. */
export function childrenOf(pid: number): number[] {
  return allPids().filter((child) => {
    const stat = procStat(child);
    return stat !== null && stat.ppid === pid && stat.state !== 'Z';
  });
}

/** The running (not zombie) members of process group `pgid`. Linux only. */
export function runningInGroup(pgid: number): number[] {
  return allPids().filter((member) => {
    const stat = procStat(member);
    return stat !== null && stat.pgrp === pgid && stat.state !== 'Z';
  });
}

/** Polls (there is no event for another process's death) until none of `pids` is alive. */
export async function waitGone(pids: number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(alive)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return true;
}

/** A task as `lease` hands it to an agent, for driving executeTask directly. */
export function leasedTask(prompt: string, backend = 'shell'): LeasedTask {
  const now = Date.now() / 1000;
  return {
    task_id: 7, prompt, status: 'leased', created_at: now, updated_at: now, leased_until: now + 60, worker_id: 'w', result: null, error: null,
    priority: 0, backend, attempts: 1, max_attempts: null, labels: [], metadata: {}, run_id: null, idempotency_key: null,
    leased_at: now, finished_at: null, cancelled_at: null, lease_token: 'token',
  };
}
