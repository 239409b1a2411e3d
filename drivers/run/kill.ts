/**
 * Ending everything a task started: SIGINT (let a CLI save and exit), SIGTERM, then SIGKILL,
 * `graceMs` apart, skipping the rest as soon as nothing is left. What "everything" is depends on the
 * containment (containment.ts): the child's process group, or also whatever left it. Targets still
 * alive when the hub itself exits are SIGKILLed, since a detached group does not get the terminal's
 * signals.
 */
import { execa } from 'execa';

export const KILL_LADDER = ['SIGINT', 'SIGTERM', 'SIGKILL'] as const;
export type LadderSignal = (typeof KILL_LADDER)[number];

/** A set of processes the ladder can look at and signal. */
export interface KillTarget {
  /** True while any of its processes exists. */
  alive(): boolean;
  signal(signal: LadderSignal): void;
  /**
   * No OS event reports the death of a process we did not spawn (a grandchild), so the ladder looks
   * this often while it waits.
   */
  pollMs: number;
}

const GROUP_POLL_MS = 20;
/**
 * After SIGKILL, how long to wait for the dead to be reaped. Orphans are reaped by init, which some
 * container inits do only every second or two; until then the group id still answers.
 */
const REAP_WAIT_MS = 3000;

const isWindows = process.platform === 'win32';

/** True while any process of group `pgid` exists (a zombie awaiting its reaper counts). */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(isWindows ? pgid : -pgid, 0);
    return true;
  } catch (error) {
    // EPERM: members exist but belong to someone else (a setuid helper); ESRCH: none left.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function signalGroup(pgid: number, signal: LadderSignal): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // The group emptied between the check and the signal.
  }
}

/** The process group led by `pgid`. */
export function groupTarget(pgid: number): KillTarget {
  return { alive: () => groupAlive(pgid), signal: (signal) => signalGroup(pgid, signal), pollMs: GROUP_POLL_MS };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves true once the target is empty, false if it still has processes after `ms`. */
async function waitGone(target: KillTarget, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (target.alive()) {
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(target.pollMs, Math.max(1, deadline - Date.now())));
  }
  return true;
}

/** Runs the kill ladder on `target` and returns the signals it sent. */
export async function runKillLadder(target: KillTarget, graceMs: number, ladder: readonly LadderSignal[] = KILL_LADDER): Promise<LadderSignal[]> {
  const sent: LadderSignal[] = [];
  for (const signal of ladder) {
    if (!target.alive()) break;
    target.signal(signal);
    sent.push(signal);
    if (await waitGone(target, signal === 'SIGKILL' ? Math.max(graceMs, REAP_WAIT_MS) : graceMs)) break;
  }
  return sent;
}

/**
 * Runs the kill ladder on the process group led by `pgid` and returns the signals it sent.
 * Windows has no process groups: the tree is ended at once with `taskkill /T /F`.
 */
export async function killProcessGroup(pgid: number, graceMs: number): Promise<LadderSignal[]> {
  if (isWindows) {
    await execa('taskkill', ['/pid', String(pgid), '/T', '/F'], { reject: false, windowsHide: true });
    return ['SIGKILL'];
  }
  return runKillLadder(groupTarget(pgid), graceMs);
}

const liveTargets = new Set<KillTarget>();
let exitHookInstalled = false;

/** Remember a running target so it does not outlive the hub; `untrack` once it is gone. */
export function track(target: KillTarget): void {
  liveTargets.add(target);
  if (exitHookInstalled || isWindows) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const live of liveTargets) live.signal('SIGKILL');
  });
}

export function untrack(target: KillTarget): void {
  liveTargets.delete(target);
}

const groupTargets = new Map<number, KillTarget>();

/** `track` for a bare process group (the ACP driver's agent process). */
export function trackGroup(pgid: number): void {
  const target = groupTarget(pgid);
  groupTargets.set(pgid, target);
  track(target);
}

export function untrackGroup(pgid: number): void {
  const target = groupTargets.get(pgid);
  if (target) untrack(target);
  groupTargets.delete(pgid);
}
