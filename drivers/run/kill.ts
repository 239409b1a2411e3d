/**
 * Ending a child's whole process group: SIGINT (let a CLI save and exit), SIGTERM, then SIGKILL,
 * `graceMs` apart, skipping the rest as soon as the group is empty. Groups still alive when the hub
 * itself exits are SIGKILLed, since a detached group does not get the terminal's signals.
 */
import { execa } from 'execa';

export const KILL_LADDER = ['SIGINT', 'SIGTERM', 'SIGKILL'] as const;
export type LadderSignal = (typeof KILL_LADDER)[number];

/**
 * No OS event reports the death of a process we did not spawn (a grandchild), so the ladder looks
 * at the group this often while it waits.
 */
const POLL_MS = 20;
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

function signalGroup(pgid: number, signal: LadderSignal): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // The group emptied between the check and the signal.
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves true once the group is empty, false if it still exists after `ms`. */
async function waitGone(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (groupAlive(pgid)) {
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(POLL_MS, Math.max(1, deadline - Date.now())));
  }
  return true;
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
  const sent: LadderSignal[] = [];
  for (const signal of KILL_LADDER) {
    if (!groupAlive(pgid)) break;
    signalGroup(pgid, signal);
    sent.push(signal);
    if (await waitGone(pgid, signal === 'SIGKILL' ? Math.max(graceMs, REAP_WAIT_MS) : graceMs)) break;
  }
  return sent;
}

const liveGroups = new Set<number>();
let exitHookInstalled = false;

/** Remember a running group so it does not outlive the hub; `untrackGroup` once it is gone. */
export function trackGroup(pgid: number): void {
  liveGroups.add(pgid);
  if (exitHookInstalled || isWindows) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const group of liveGroups) signalGroup(group, 'SIGKILL');
  });
}

export function untrackGroup(pgid: number): void {
  liveGroups.delete(pgid);
}
