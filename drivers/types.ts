/** One shared interface for every backend: vendor CLIs, echo, shell, folder, tmux and ACP agents. */
import type { RunRequest, RunResult, OutputStream } from './run/types.js';
import type { GiveUpRule } from './give-up.js';

export const TOOL_POLICIES = ['none', 'read-only', 'workspace-write'] as const;
export type ToolPolicy = (typeof TOOL_POLICIES)[number];

export const FAILURE_CLASSES = [
  'not_installed',
  'auth_required',
  'network',
  'rate_limited',
  'timeout',
  'crashed',
  'bad_output',
  'cancelled',
] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

/** What in a credential file's content shows a real login. */
export interface CredentialProof {
  /** What was looked for, for messages: "oauthAccount or primaryApiKey". */
  meaning: string;
  holds(content: string): boolean;
}

export interface Usage {
  input_tokens?: number;
  output_tokens?: number;
  cost_usd?: number;
}

/** A tool call the agent reported (ACP `tool_call` / `tool_call_update`), in its last reported state. */
export interface ToolCallRecord {
  id: string;
  title?: string;
  /** read, edit, delete, move, search, execute, think, fetch, switch_mode, other. */
  kind?: string;
  /** pending, in_progress, completed, failed. */
  status?: string;
  /** Our answer when the agent asked permission for it, under the task's tool policy. */
  permission?: 'allowed' | 'denied' | 'cancelled';
}

/** What a driver got out of a CLI's output, whether or not the call succeeded. */
export interface ParsedOutput {
  answer: string;
  usage?: Usage;
  session_id?: string;
  turns?: number;
  model?: string;
  /** Tool calls reported by the agent, in the order they first appeared. */
  tool_calls?: ToolCallRecord[];
  /** Why the agent ended its turn, in its own terms (ACP: end_turn, max_tokens, refusal...). */
  stop_reason?: string;
}

export type DriverOutcome =
  | { ok: true; output: ParsedOutput }
  /** `message` keeps the CLI's own words (stderr or its error JSON), never a paraphrase alone. */
  | { ok: false; failure: FailureClass; message: string; output?: ParsedOutput };

/** Per-task settings a driver turns into argv/env. */
export interface DriverCall {
  prompt: string;
  /** From the task, the backend config or MITTELO_<NAME>_MODEL; undefined = CLI default. */
  model?: string;
  toolPolicy: ToolPolicy;
  /** Free-form backend options (e.g. shell command, tmux session, ACP command line). */
  options: Record<string, string>;
}

export interface Invocation {
  args: string[];
  /** The prompt on stdin where the CLI reads it; null only where a CLI cannot (then it is in args). */
  stdin: string | null;
  env?: Record<string, string>;
  /** Tools that may write get a fresh per-task working directory. */
  freshWorkdir?: boolean;
}

/** How the binary was found, for doctor and the Backends page. */
export interface ResolvedBinary {
  path: string;
  source: 'configured' | 'login-shell-path' | 'path' | 'npm-global' | 'nvm' | 'fnm' | 'homebrew' | 'local-bin' | 'backends-dir';
}

export interface DriverInfo {
  name: string;
  aliases: string[];
  /** Executable name looked up on PATH and the usual install places; null for built-ins (echo). */
  binary: string | null;
  /** npm package when the CLI installs from npm (for the contract test and the lock). */
  npmPackage?: string;
  /** The CLI version whose --help this driver was verified against. */
  verifiedVersion?: string;
  /** Flags this driver relies on; doctor checks each appears in the CLI's --help. */
  requiredFlags: string[];
  /**
   * Arguments that print the help listing `requiredFlags`, when that is a subcommand's help
   * (`codex exec --help`, `kiro-cli chat --help`, `opencode run --help`); default `['--help']`.
   */
  helpArgs?: string[];
  /**
   * Env vars and config files the CLI uses for credentials (auth hints). `proof` names, for a file
   * the CLI also writes without any login, what in its content shows a login (else existing is enough).
   */
  authHints: { env: string[]; files: string[]; proof?: Record<string, CredentialProof> };
  outputFormat: 'text' | 'json' | 'stream-json' | 'jsonl';
  /** False for built-ins that only answer (echo): they cannot do a system test's edits. */
  editsFiles?: false;
}

/** A one-shot CLI driver: build argv, run through the shared runner, interpret the result. */
export interface OneShotDriver extends DriverInfo {
  kind: 'one-shot';
  versionArgs: string[];
  parseVersion(output: string): string | null;
  buildInvocation(call: DriverCall): Invocation;
  interpret(result: RunResult, call: DriverCall): DriverOutcome;
  /** Output lines that mean the CLI is stuck retrying something that will not come back (drivers/give-up.ts). */
  giveUpOn?: GiveUpRule;
}

export interface ExecuteContext {
  call: DriverCall;
  /** Runner settings chosen by the agent (timeout, caps, sandbox, cancel signal, live output). */
  run: Omit<RunRequest, 'command' | 'args' | 'stdin'>;
  binary: ResolvedBinary | null;
  onOutput?: (stream: OutputStream, text: string) => void;
}

/** Drivers that are not a single process call (tmux, ACP) run themselves. */
export interface ExecutingDriver extends DriverInfo {
  kind: 'executing';
  versionArgs: string[] | null;
  parseVersion(output: string): string | null;
  execute(ctx: ExecuteContext): Promise<{ outcome: DriverOutcome; result: RunResult }>;
}

export type Driver = OneShotDriver | ExecutingDriver;
