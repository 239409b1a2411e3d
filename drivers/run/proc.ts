/**
 * What the OS says about other processes, read without native code: /proc on Linux, `ps` on other
 * Unix systems. Used to find what a task left behind and to tell a live process from a pid the
 * kernel has handed to someone else since (same pid, other start time).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

export interface ProcEntry {
  pid: number;
  ppid: number;
  pgid: number;
  /** Z: dead, waiting for its parent to collect it. */
  state: string;
  /** Start time in clock ticks since boot. */
  start: number;
}

/** Fields after the name in /proc/PID/stat; the name may hold spaces and parentheses, hence the last ')'. */
function statFields(pid: number): string[] | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

export function procEntry(pid: number): ProcEntry | null {
  const fields = statFields(pid);
  if (!fields) return null;
  return { pid, state: fields[0] ?? '', ppid: Number(fields[1]), pgid: Number(fields[2]), start: Number(fields[19]) };
}

/** Every process /proc shows (Linux). */
export function listProcesses(): ProcEntry[] {
  let names: string[];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const entries: ProcEntry[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const entry = procEntry(Number(name));
    if (entry) entries.push(entry);
  }
  return entries;
}

/** True when the environment `pid` was started with holds `needle` (`NAME=value`); false if unreadable. */
export function environHas(pid: number, needle: Buffer): boolean {
  try {
    const environ = fs.readFileSync(`/proc/${pid}/environ`);
    // Entries are NUL-terminated: match a whole entry, not the tail of a longer one.
    const at = environ.indexOf(needle);
    return at >= 0 && (at === 0 || environ[at - 1] === 0) && (environ[at + needle.length] ?? 0) === 0;
  } catch {
    return false;
  }
}

/**
 * When `pid` started, as an opaque string that changes when the pid is reused: clock ticks since
 * boot on Linux, `ps`'s start time elsewhere. Null when the process is gone or this cannot be known
 * (Windows), in which case nothing is ever killed on the strength of a recorded pid.
 */
export function processStartTime(pid: number): string | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  if (process.platform === 'linux') return statFields(pid)?.[19] ?? null;
  if (process.platform === 'win32') return null;
  try {
    const started = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return started === '' ? null : started;
  } catch {
    return null;
  }
}

/** True while `pid` is the very process that had start time `start`. */
export function sameProcess(pid: number, start: string): boolean {
  return processStartTime(pid) === start;
}
