/** The contract between drivers and the one process runner (drivers/run/runner.ts). */
import type { WorkdirConfinement } from './confine.js';
import type { ContainmentMode } from './containment.js';
import type { ProcessLedger } from './ledger.js';

export type OutputStream = 'stdout' | 'stderr';

export interface RunRequest {
  /** Resolved executable (absolute path preferred); never run through a shell. */
  command: string;
  args: string[];
  /** Written to stdin, which is then closed at once; null closes stdin immediately. */
  stdin: string | null;
  /** The backend's own variables, added on top of the allowlisted parent environment. */
  env?: Record<string, string>;
  /** Working directory; with `freshWorkdir` a new per-task folder is made instead. */
  cwd?: string;
  freshWorkdir?: boolean;
  /**
   * A folder the caller prepared for this run (a system test's copy of its fixture): the working
   * directory whatever `freshWorkdir`, `cwd` or MITTELO_SUBPROCESS_WORKDIR say; the caller removes it.
   */
  workdir?: string;
  /** Point HOME and XDG_* at a private folder (MITTELO_SUBPROCESS_HOME or a fresh temp one). */
  sandboxHome?: boolean;
  /** Default 10 minutes. */
  timeoutMs?: number;
  /** Per stream; default 10 MiB. Beyond it capture stops and the result is marked truncated. */
  maxOutputBytes?: number;
  /** Delay between the rungs of the kill ladder (SIGINT, SIGTERM, SIGKILL); default 2000 ms. */
  killGraceMs?: number;
  /** Aborting kills the whole process group (cancel). */
  signal?: AbortSignal;
  /** Live output, already redacted. */
  onOutput?: (stream: OutputStream, text: string) => void;
  /** How the run's processes are held together (default MITTELO_CONTAINMENT, else `auto`). */
  containment?: ContainmentMode;
  /**
   * Run in a mount namespace where `confine.readOnly` is read-only except `confine.writable`
   * (confine.ts; the caller checked probeConfinement). The recorded argv stays the CLI's own.
   */
  confine?: WorkdirConfinement;
  /** Where running processes are noted so that a later agent can reap them if this one dies. */
  ledger?: ProcessLedger;
  /** Something the caller's log should say (a note that could not be written). */
  onNotice?: (message: string) => void;
  taskId?: number | string;
  workerId?: string;
}

export interface RunResult {
  /** Redacted argv as run: [command, ...args]. */
  argv: string[];
  exitCode: number | null;
  /** The signal that ended the process, if any. */
  signal: string | null;
  /** Redacted captured output. */
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  timedOut: boolean;
  cancelled: boolean;
  /** Set when the process could not start (ENOENT, EACCES...): the OS message. */
  spawnError: { code: string; message: string } | null;
  durationMs: number;
  startedAt: number;
  finishedAt: number;
  /** Folders the runner made for this run (removed by the caller when no longer needed). */
  workdir: string | null;
  home: string | null;
  /** Allowlisted environment passed to the child, redacted (for the artifact). */
  env: Record<string, string>;
}
