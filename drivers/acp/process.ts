/**
 * The agent process of an ACP run. The shared runner writes stdin once and closes it, but ACP needs a
 * conversation, so this spawns the agent itself while keeping the runner's rules: its own process
 * group in a containment (drivers/run/containment.ts), noted in the ledger while it runs, killed as
 * a whole with the SIGINT -> SIGTERM -> SIGKILL ladder, capped and redacted capture
 * (drivers/run/capture.ts), live output already redacted.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { LineSplitter, LineTooLongError } from '../run/line-splitter.js';
import { OutputCapture } from '../run/capture.js';
import { confinedCommand, type WorkdirConfinement } from '../run/confine.js';
import { openContainment, TAG_VARIABLE, type Containment, type ContainmentMode } from '../run/containment.js';
import { killProcessGroup, runKillLadder, track, untrack, type KillTarget } from '../run/kill.js';
import type { ProcessLedger } from '../run/ledger.js';
import type { Redactor } from '../run/redact.js';
import type { OutputStream } from '../run/types.js';

/** A protocol line longer than this is not something we will parse (it still counts as output). */
const MAX_LINE_BYTES = 16 * 1024 * 1024;

export interface AgentProcessOptions {
  command: string;
  args: string[];
  /** The complete child environment. */
  env: Record<string, string>;
  cwd: string;
  maxOutputBytes: number;
  killGraceMs: number;
  redactor: Redactor;
  onOutput?: (stream: OutputStream, text: string) => void;
  containment: ContainmentMode;
  /** Kept inside its workdir (a system test): see drivers/run/confine.ts. */
  confine?: WorkdirConfinement;
  ledger?: ProcessLedger;
  /** Noted for the run's log (a ledger note that could not be written). */
  onNotice?: (message: string) => void;
  /** For the ledger note (redacted). */
  commandLine: string;
  taskId?: string;
}

/** Waits for `promise` at most `ms`; the timer does not outlive the wait. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface AgentExit {
  exitCode: number | null;
  signal: string | null;
}

export class AgentProcess {
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private readonly stdout: OutputCapture;
  private readonly stderr: OutputCapture;
  private readonly splitter = new LineSplitter(MAX_LINE_BYTES);
  private lineHandler: (line: string) => void = () => undefined;
  private exitInfo: AgentExit | null = null;
  private readonly containment: Containment;
  private readonly target: KillTarget | null = null;
  spawnError: { code: string; message: string } | null = null;
  /** The ladder signals `stop` had to send (empty when the agent left on its own). */
  signalsSent: string[] = [];
  /** Resolves once the process has exited (or failed to start). */
  readonly exited: Promise<AgentExit>;
  /** Resolves once stdout and stderr are closed too. */
  private readonly closed: Promise<void>;
  /**
   * Resolves after the exit once the output has been read to its end (so a last answer line is not
   * lost to the exit event), or one grace period after the exit if a leftover process holds the pipes.
   */
  readonly finished: Promise<AgentExit>;

  constructor(private readonly options: AgentProcessOptions) {
    const live = (stream: OutputStream) => (options.onOutput ? (text: string) => options.onOutput?.(stream, text) : undefined);
    this.stdout = new OutputCapture(options.maxOutputBytes, options.redactor, live('stdout'));
    this.stderr = new OutputCapture(options.maxOutputBytes, options.redactor, live('stderr'));
    // Throws (before anything starts) when confinement was asked for and is not possible.
    const spawned = options.confine ? confinedCommand(options.command, options.args, options.confine, options.env, options.cwd) : options;
    const containment = openContainment(options.containment);
    this.containment = containment;
    try {
      this.child = containment.spawnInside(() =>
        spawn(spawned.command, spawned.args, {
          cwd: options.cwd,
          env: { ...options.env, [TAG_VARIABLE]: containment.tag },
          stdio: ['pipe', 'pipe', 'pipe'],
          // Its own process group (and session: no controlling terminal), like every runner child.
          detached: process.platform !== 'win32',
          windowsHide: true,
        }),
      );
    } catch (error) {
      containment.close();
      throw error;
    }
    if (this.child.pid !== undefined) {
      this.target = containment.target(this.child.pid);
      track(this.target);
      const problem = options.ledger?.record({
        tag: containment.tag,
        cgroup: containment.cgroup,
        task: options.taskId ?? null,
        command: options.commandLine,
        leaderPid: this.child.pid,
      });
      if (problem) options.onNotice?.(problem);
    }
    this.child.stdin.on('error', () => undefined); // EPIPE when the agent is gone: its exit tells the story.
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.stdout.push(chunk);
      this.feed(chunk);
    });
    this.child.stderr.on('data', (chunk: Buffer) => this.stderr.push(chunk));
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitInfo = { exitCode: code, signal };
        resolve(this.exitInfo);
      });
      this.child.once('error', (err: NodeJS.ErrnoException) => {
        if (this.child.pid !== undefined) return; // an error after start (e.g. kill failure) is not a spawn error
        this.spawnError = { code: err.code ?? 'ESPAWN', message: err.message };
        this.exitInfo = { exitCode: null, signal: null };
        resolve(this.exitInfo);
      });
    });
    this.closed = new Promise((resolve) => {
      this.child.once('close', () => resolve());
      this.child.once('error', () => {
        if (this.child.pid === undefined) resolve();
      });
    });
    this.finished = this.exited.then(async (exit) => {
      await within(this.closed, options.killGraceMs);
      return exit;
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): boolean {
    return this.exitInfo !== null;
  }

  /** Every complete stdout line goes to `handler` (raw: redaction is for what we keep, not what we parse). */
  onLine(handler: (line: string) => void): void {
    this.lineHandler = handler;
  }

  write(text: string): void {
    if (!this.hasExited && this.child.stdin.writable) this.child.stdin.write(text);
  }

  /**
   * Ends the run: closes stdin (ACP agents exit on EOF), gives the agent `killGraceMs` to exit, then
   * walks the kill ladder over its whole process group; stragglers it left behind are killed too.
   */
  async stop({ graceful }: { graceful: boolean }): Promise<AgentExit> {
    const grace = this.options.killGraceMs;
    if (!this.child.stdin.destroyed) this.child.stdin.end();
    if (graceful && !this.hasExited) await within(this.exited, grace);
    const pgid = this.child.pid;
    if (pgid !== undefined && this.target) {
      if (this.target.alive()) this.signalsSent = process.platform === 'win32' ? await killProcessGroup(pgid, grace) : await runKillLadder(this.target, grace);
      untrack(this.target);
    }
    // Only once nothing of the run is left: else its note stays for the next agent to reap.
    if (this.containment.close()) this.options.ledger?.remove(this.containment.tag);
    const exit = (await within(this.exited, grace)) ?? { exitCode: null, signal: null };
    // Output pipes close when the last holder dies; a holder outside the group must not stall us.
    await within(this.closed, grace);
    this.child.stdout.destroy();
    this.child.stderr.destroy();
    this.stdout.end();
    this.stderr.end();
    return exit;
  }

  output(): { stdout: string; stderr: string; stdoutTruncated: boolean; stderrTruncated: boolean } {
    const out = this.stdout.result();
    const err = this.stderr.result();
    return { stdout: out.text, stderr: err.text, stdoutTruncated: out.truncated, stderrTruncated: err.truncated };
  }

  private feed(chunk: Buffer): void {
    let lines: string[];
    try {
      lines = this.splitter.push(chunk);
    } catch (err) {
      if (!(err instanceof LineTooLongError)) throw err;
      lines = [...err.completed, `[line longer than ${MAX_LINE_BYTES} bytes dropped]`];
    }
    for (const line of lines) this.lineHandler(line);
  }
}
