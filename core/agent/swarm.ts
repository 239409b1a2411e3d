/**
 * The swarm supervisor: keeps N agent processes per backend running, restarts crashed ones with
 * exponential backoff, reads their status and log lines, and stops them in two steps (finish, then
 * release) when asked. What it shows and how is up to the caller (core/cli/swarm-command.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { z } from 'zod';
import type { AgentStatus } from './agent.js';

export interface SwarmSlot {
  /** Display name, e.g. `echo-1`. */
  name: string;
  backend: string;
  workerId: string;
  /** Full argv after the command (the agent CLI and its flags). */
  args: string[];
}

export interface Backoff {
  firstMs: number;
  maxMs: number;
  /** A child that stayed up this long starts again from `firstMs` when it next crashes. */
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { firstMs: 1000, maxMs: 30_000, resetAfterMs: 60_000 };

export type SlotState = 'starting' | 'running' | 'backoff' | 'stopping' | 'stopped';

/** What the caller sees of one agent process. */
export interface SlotView {
  name: string;
  backend: string;
  workerId: string;
  state: SlotState;
  pid: number | null;
  /** Times this slot was started again after an exit. */
  restarts: number;
  startedAt: number | null;
  /** When a slot in backoff starts again (ms since epoch). */
  nextStartAt: number | null;
  /** How the last run ended, in words ("code 1", "signal SIGKILL"). */
  lastExit: string | null;
  /** The agent's last log line: the likely reason for a crash. */
  lastLog: string | null;
  /** The agent's last `--status-json` line. */
  status: AgentStatus | null;
}

export interface SwarmEvents {
  /** A log line the agent wrote on stderr (its `mittelo agent: ` prefix removed). */
  onLog?: (slot: SlotView, line: string) => void;
  /** Started, exited, restart planned, stopped: one sentence each. */
  onLifecycle?: (slot: SlotView, message: string) => void;
  /** Anything of the slot changed, status counters included. */
  onChange?: (slot: SlotView) => void;
}

export interface SwarmOptions extends SwarmEvents {
  /** The executable that runs an agent (node) and the environment it gets. */
  command: string;
  env?: NodeJS.ProcessEnv;
  slots: SwarmSlot[];
  backoff?: Backoff;
}

const statusSchema = z.object({
  worker_id: z.string(),
  running: z.array(z.object({ task_id: z.number(), backend: z.string() })),
  done: z.number(),
  failed: z.number(),
  unacked: z.number(),
  stopping: z.boolean(),
});

function parseStatus(line: string): AgentStatus | null {
  try {
    const parsed = statusSchema.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Delay before the next start after `failures` crashes in a row (0-based), capped. */
export function backoffDelay(failures: number, backoff: Backoff = DEFAULT_BACKOFF): number {
  return Math.min(backoff.firstMs * 2 ** Math.min(failures, 30), backoff.maxMs);
}

class Supervised {
  readonly view: SlotView;
  child: ChildProcess | null = null;
  timer: NodeJS.Timeout | null = null;
  /** Crashes in a row, for the backoff; reset once a run lasted `resetAfterMs`. */
  failures = 0;

  constructor(readonly slot: SwarmSlot) {
    this.view = {
      name: slot.name,
      backend: slot.backend,
      workerId: slot.workerId,
      state: 'starting',
      pid: null,
      restarts: 0,
      startedAt: null,
      nextStartAt: null,
      lastExit: null,
      lastLog: null,
      status: null,
    };
  }
}

export class Swarm {
  private readonly slots: Supervised[];
  private readonly backoff: Backoff;
  private stopSignals = 0;
  private resolveDone: () => void = () => undefined;
  /** Resolves once stop() was called and every agent has exited. */
  readonly done: Promise<void>;

  constructor(private readonly options: SwarmOptions) {
    this.slots = options.slots.map((slot) => new Supervised(slot));
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  views(): SlotView[] {
    return this.slots.map((s) => s.view);
  }

  get stopping(): boolean {
    return this.stopSignals > 0;
  }

  start(): void {
    for (const slot of this.slots) this.spawn(slot);
  }

  /**
   * First call: SIGTERM to every agent (it leases nothing more and finishes its running tasks).
   * Second: SIGTERM again (it kills them and gives their leases back). Third: SIGKILL.
   * Returns how many agents were signalled.
   */
  stop(): number {
    this.stopSignals++;
    const signal = this.stopSignals >= 3 ? 'SIGKILL' : 'SIGTERM';
    let signalled = 0;
    for (const slot of this.slots) {
      if (slot.timer) {
        clearTimeout(slot.timer);
        slot.timer = null;
        this.setState(slot, 'stopped', 'stopped before its restart');
      }
      if (slot.child && slot.child.exitCode === null && slot.child.signalCode === null) {
        slot.child.kill(signal);
        signalled++;
        if (slot.view.state !== 'stopping') this.setState(slot, 'stopping', null);
      }
    }
    this.checkDone();
    return signalled;
  }

  private setState(slot: Supervised, state: SlotState, message: string | null): void {
    slot.view.state = state;
    if (message) this.options.onLifecycle?.(slot.view, message);
    this.options.onChange?.(slot.view);
  }

  private checkDone(): void {
    if (this.stopping && this.slots.every((s) => s.view.state === 'stopped')) this.resolveDone();
  }

  private spawn(slot: Supervised): void {
    slot.timer = null;
    slot.view.status = null;
    slot.view.nextStartAt = null;
    slot.view.lastLog = null;
    // Not the task runner (drivers/run): an agent is long-lived, needs the full environment (it passes
    // credentials on to its CLIs) and has its own two-step stop. Its own process group keeps a
    // terminal's Ctrl-C to the swarm, which then stops the agents in order; the IPC channel closes
    // when the swarm dies, however it dies, and the agent then exits (see agent-command.ts).
    const child = spawn(this.options.command, slot.slot.args, {
      env: this.options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: process.platform !== 'win32',
      windowsHide: true,
    });
    slot.child = child;
    slot.view.pid = child.pid ?? null;
    slot.view.startedAt = Date.now();
    this.setState(slot, 'running', `started, pid ${child.pid ?? '?'}`);

    readline.createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const status = parseStatus(line);
      if (status) {
        slot.view.status = status;
        this.options.onChange?.(slot.view);
      } else if (line.trim() !== '') this.log(slot, line);
    });
    readline.createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => this.log(slot, line.replace(/^mittelo agent: /, '')));

    let ended = false;
    const onEnd = (how: string) => {
      if (ended) return;
      ended = true;
      this.exited(slot, how);
    };
    child.on('error', (err) => onEnd(`could not start: ${err.message}`));
    // 'close' (not 'exit'): the last log lines are read before the exit is reported.
    child.on('close', (code, signal) => onEnd(signal ? `signal ${signal}` : `code ${code ?? '?'}`));
  }

  private log(slot: Supervised, line: string): void {
    if (line.trim() === '') return;
    slot.view.lastLog = line;
    this.options.onLog?.(slot.view, line);
  }

  private exited(slot: Supervised, how: string): void {
    slot.child = null;
    slot.view.pid = null;
    slot.view.lastExit = how;
    if (this.stopping) {
      this.setState(slot, 'stopped', `stopped (${how})`);
      this.checkDone();
      return;
    }
    const upMs = Date.now() - (slot.view.startedAt ?? Date.now());
    if (upMs >= this.backoff.resetAfterMs) slot.failures = 0;
    const delay = backoffDelay(slot.failures, this.backoff);
    slot.failures++;
    slot.view.restarts++;
    slot.view.nextStartAt = Date.now() + delay;
    slot.timer = setTimeout(() => this.spawn(slot), delay);
    // An agent that exits by itself says why last (e.g. "no backend is ready to serve").
    const reason = how.startsWith('code') && slot.view.lastLog ? `; it said: ${slot.view.lastLog}` : '';
    this.setState(slot, 'backoff', `exited (${how})${reason}; restarting in ${formatDelay(delay)}`);
  }
}

export function formatDelay(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s` : `${Math.round(ms / 1000)} s`;
}
