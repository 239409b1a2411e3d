/**
 * Runs the `command` checks of one run, in the process that started it (`mittelo run`, the app):
 * leases only that run's command-check route, runs each command like the shell backend (the
 * process runner: allowlisted environment, secrets redacted, time-bounded, process group killed),
 * with the answer on stdin, and acks exit 0 as done. Only command lines of the pack this process read
 * are run; a check task naming any other command fails with the reason, so nothing that arrives over
 * the wire alone can make this machine run a command.
 */
import os from 'node:os';
import type { ClientAddress } from '../config.js';
import { errorMessage } from '../errors.js';
import { HubLink } from '../agent/hub-link.js';
import { executeTask, type ReadyBackend } from '../agent/execute.js';
import { shellDriver, SHELL_CMD_OPTION } from '../../drivers/shell.js';
import type { LeasedTask } from '../queue/types.js';
import type { ArtifactInput } from '../queue/artifact.js';
import { tail } from '../../drivers/builtin-result.js';
import type { PackEntry } from '../pack.js';
import { commandLine, DEFAULT_COMMAND_TIMEOUT_SECONDS } from '../runs/expect.js';
import { checkTaskMeta, commandRoute } from '../runs/check-tasks.js';

const LEASE_SECONDS = 60;
const WAIT_SECONDS = 2;
const AT_ONCE = 2;

/** The command lines of a pack's `command` checks (what a runner of this pack may run). */
export function packCommands(entries: PackEntry[]): Set<string> {
  const lines = new Set<string>();
  for (const entry of entries) if (entry.expect?.command !== undefined) lines.add(commandLine(entry.expect.command));
  return lines;
}

/** The command lines of a pack's workspace `check`s (what an in-process agent of this pack may run). */
export function packWorkspaceChecks(entries: PackEntry[]): Set<string> {
  return new Set(entries.flatMap((entry) => (entry.check !== undefined ? [commandLine(entry.check)] : [])));
}

/** Why a check command did not accept the answer, in words: its exit code and the end of its stderr. */
export function commandFailure(artifact: ArtifactInput, timeoutSeconds: number, fallback: string | null): string {
  const stderr = tail(artifact.stderr ?? '', 300);
  const said = stderr ? `: ${stderr}` : '';
  switch (artifact.failure_class) {
    case 'timeout':
      return `it did not finish within ${timeoutSeconds} s and was stopped`;
    case 'not_installed':
      return `it could not start (${artifact.failure_message ?? 'not found'})`;
    case 'cancelled':
      return 'it was cancelled';
    default:
      if (typeof artifact.exit_code === 'number' && artifact.exit_code !== 0) return `it exited with code ${artifact.exit_code}${said}`;
      if (artifact.signal) return `it was killed by ${artifact.signal}${said}`;
      return fallback ?? 'it failed';
  }
}

export interface CheckCommandRunnerOptions {
  address: ClientAddress;
  runId: string;
  /** Command lines this runner may run (packCommands of the run's pack). */
  commands: Set<string>;
  /** Where commands run: the pack's folder, so a pack can name its own scripts. */
  cwd: string;
  log: (line: string) => void;
}

export class CheckCommandRunner {
  private readonly link: HubLink;
  private readonly stopped = new AbortController();
  private readonly running = new Set<Promise<void>>();
  private loop: Promise<void> | undefined;
  private readonly workerId = `${os.hostname()}-checks-${process.pid}`;

  constructor(private readonly options: CheckCommandRunnerOptions) {
    this.link = new HubLink(options.address, { log: options.log });
  }

  start(): void {
    this.loop ??= this.leaseLoop();
  }

  private async leaseLoop(): Promise<void> {
    const route = commandRoute(this.options.runId);
    while (!this.stopped.signal.aborted) {
      if (this.running.size >= AT_ONCE) {
        await Promise.race(this.running);
        continue;
      }
      let tasks: LeasedTask[];
      try {
        tasks = await this.link.call((client) =>
          client.lease({ worker_id: this.workerId, max_tasks: AT_ONCE - this.running.size, lease_seconds: LEASE_SECONDS, backends: [route], wait_seconds: WAIT_SECONDS, routed_only: true }),
        );
      } catch (err) {
        if (this.stopped.signal.aborted) break;
        this.options.log(`command checks: lease failed: ${errorMessage(err)}`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        continue;
      }
      for (const task of tasks) {
        const job = this.check(task).catch((err: unknown) => this.options.log(`command check task ${task.task_id}: ${errorMessage(err)}`));
        this.running.add(job);
        void job.finally(() => this.running.delete(job));
      }
    }
  }

  private async check(task: LeasedTask): Promise<void> {
    const meta = checkTaskMeta(task);
    const line = meta?.command;
    if (!meta || meta.check !== 'command' || line === undefined || !this.options.commands.has(line)) {
      const why = `refused: ${line === undefined ? 'the check task names no command' : `${JSON.stringify(line)} is not a command check of the pack this run was started with`}`;
      await this.link.call((client) => client.ack({ task_id: task.task_id, status: 'failed', result: null, error: why, lease_token: task.lease_token }));
      return;
    }
    const parent = await this.link.call((client) => client.get(meta.check_of));
    const timeoutSeconds = meta.timeout_seconds ?? DEFAULT_COMMAND_TIMEOUT_SECONDS;
    const backend: ReadyBackend = { name: task.backend ?? commandRoute(this.options.runId), driver: shellDriver, binary: null, version: null, options: { [SHELL_CMD_OPTION]: line }, toolPolicy: 'none', timeoutMs: timeoutSeconds * 1000 };
    // The lease is short so a vanished runner frees its checks soon; a heartbeat keeps it while the command runs.
    const heartbeat = setInterval(() => {
      void this.link.call((client) => client.extend({ task_id: task.task_id, lease_token: task.lease_token, lease_seconds: LEASE_SECONDS })).catch(() => undefined);
    }, (LEASE_SECONDS * 1000) / 3);
    try {
      const ack = await executeTask(backend, { ...task, prompt: parent.result ?? '' }, { workerId: this.workerId, signal: this.stopped.signal, run: { cwd: this.options.cwd } });
      if (this.stopped.signal.aborted) {
        // Stopped mid-check: given back (when the hub still answers), so the run's next follower checks it again.
        const gaveUp = new Promise((resolve) => setTimeout(resolve, 2000).unref());
        await Promise.race([this.link.call((client) => client.release(task.task_id, task.lease_token)).catch(() => undefined), gaveUp]);
        return;
      }
      const error = ack.status === 'failed' ? commandFailure(ack.artifact, timeoutSeconds, ack.error) : null;
      await this.link.call((client) => client.ack({ task_id: task.task_id, status: ack.status, result: ack.result, error, lease_token: task.lease_token, artifact: ack.artifact }));
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** Kills running commands and stops leasing; an unfinished check's lease expires and it waits again. */
  async stop(): Promise<void> {
    this.stopped.abort();
    await Promise.all(this.running);
    this.link.close();
    await this.loop;
  }
}
