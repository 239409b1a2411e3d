/**
 * Does the installed CLI still have the flags its driver relies on? Runs the driver's help command
 * (`--help`, or a subcommand's help such as `codex exec --help`) sandboxed, and looks for each
 * required flag as a whole token. Shared by `backend-check`, `backends` and doctor.
 */
import fs from 'node:fs';
import { runProcess } from '../../drivers/run/runner.js';
import type { DriverInfo, ResolvedBinary } from '../../drivers/types.js';

export const HELP_TIMEOUT_MS = 15_000;
const HELP_MAX_BYTES = 1024 * 1024;

export interface FlagCheck {
  /** The help command as run, e.g. `["codex", "exec", "--help"]` (binary by its base name). */
  help_argv: string[];
  present: string[];
  missing: string[];
  /** Set when the help text could not be read at all; then nothing counts as present or missing. */
  error: string | null;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * True when `flag` appears in `text` as a whole token: `--model` in "  -m, --model <MODEL>" or
 * "--model=x", but not in `--model-foo` or `---model`.
 */
export function hasFlag(text: string, flag: string): boolean {
  return new RegExp(`(?<![\\w-])${escapeRegExp(flag)}(?![\\w-])`).test(text);
}

/** The help argv of a driver: its `helpArgs`, else `--help`. */
export function helpArgsOf(driver: Pick<DriverInfo, 'helpArgs'>): string[] {
  return driver.helpArgs ?? ['--help'];
}

/** The message for one missing flag, as backend-check and doctor print it. */
export function missingFlagMessage(flag: string, binaryName: string, helpArgs: string[]): string {
  return `flag ${flag} missing from ${[binaryName, ...helpArgs].join(' ')}: the installed version may be too old or too new for this driver`;
}

/**
 * Runs `<binary> <helpArgs>` with HOME pointed at a throwaway folder (help must not need a login
 * or touch the user's config) and checks every required flag of the driver.
 */
export async function checkRequiredFlags(
  driver: Pick<DriverInfo, 'binary' | 'requiredFlags' | 'helpArgs'>,
  binary: ResolvedBinary,
  timeoutMs = HELP_TIMEOUT_MS,
): Promise<FlagCheck> {
  const args = helpArgsOf(driver);
  const shown = [driver.binary ?? binary.path, ...args];
  const check: FlagCheck = { help_argv: shown, present: [], missing: [], error: null };
  if (driver.requiredFlags.length === 0) return check;
  const result = await runProcess({ command: binary.path, args, stdin: null, timeoutMs, sandboxHome: true, killGraceMs: 500, maxOutputBytes: HELP_MAX_BYTES });
  if (result.home) fs.rmSync(result.home, { recursive: true, force: true });
  // Some CLIs print help on stderr or exit non-zero after printing it; the text is what counts.
  const text = `${result.stdout}\n${result.stderr}`;
  if (result.spawnError) check.error = `${shown.join(' ')} could not be started: ${result.spawnError.message}`;
  else if (result.timedOut) check.error = `${shown.join(' ')} did not finish within ${Math.round(timeoutMs / 1000)} s`;
  else if (text.trim() === '') check.error = `${shown.join(' ')} printed nothing (exit ${result.exitCode ?? result.signal})`;
  if (check.error) return check;
  for (const flag of driver.requiredFlags) (hasFlag(text, flag) ? check.present : check.missing).push(flag);
  return check;
}
