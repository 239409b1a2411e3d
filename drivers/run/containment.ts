/**
 * Keeping a task's processes together so that none outlives it, even one that left the process
 * group (a grandchild that called setsid, a double-forked daemon). One of, per platform and what
 * the machine allows (MITTELO_CONTAINMENT picks one by hand):
 * - `cgroup` (Linux, cgroup v2 folder writable by us: a systemd user session, root, a container
 *   with a delegated cgroup): each run gets its own cgroup, a child of the hub's. The child is born
 *   in it (the hub steps into the run's cgroup for the instant of the spawn, so nothing the child
 *   forks can race ahead of a move), and a process can only leave it by writing to cgroup files.
 *   Ending the run kills everything in it (`cgroup.kill`) and removes the folder.
 * - `environ` (Linux otherwise): each run's environment carries a random tag (MITTELO_RUN_TAG).
 *   Ending the run sweeps /proc for processes whose environment has the tag, their descendants and
 *   the group. Only a process that replaced its whole environment escapes.
 * - `group` (macOS and other Unix systems; Windows uses `taskkill /T`): the process group only.
 * A PID namespace (`unshare --user --pid --fork`) would also hold everything, but the CLI would run
 * as PID 1, which ignores SIGINT and SIGTERM it has no handler for (the ladder's gentle rungs would be
 * lost), in a user namespace where setuid programs and some sandboxes stop working; it is not used.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { groupAlive, groupTarget, signalGroup, type KillTarget, type LadderSignal } from './kill.js';
import { environHas, listProcesses, procEntry } from './proc.js';

export const CONTAINMENT_MECHANISMS = ['cgroup', 'environ', 'group'] as const;
export type ContainmentMechanism = (typeof CONTAINMENT_MECHANISMS)[number];
export type ContainmentMode = 'auto' | ContainmentMechanism;

/** The environment variable holding a run's tag (not recorded in the artifact: it differs every run). */
export const TAG_VARIABLE = 'MITTELO_RUN_TAG';
/** Run cgroups are named `mittelo-<tag>`. */
const CGROUP_PREFIX = 'mittelo-';
const CGROUP_POLL_MS = 20;
/** A /proc sweep reads every process's files: look less often than at a group. */
const SWEEP_POLL_MS = 100;

export interface Containment {
  readonly mechanism: ContainmentMechanism;
  /** Random per run; in the child's environment as TAG_VARIABLE. */
  readonly tag: string;
  /** The run's cgroup folder (`cgroup` only). */
  readonly cgroup: string | null;
  /** Calls `spawn` (which must start the child synchronously) so that the child starts inside. */
  spawnInside<T>(spawn: () => T): T;
  /** Everything the run started, led by the process group `pgid`. */
  target(pgid: number): KillTarget;
  /** Removes what was made for the run; false if processes are still in it (the folder stays). */
  close(): boolean;
}

/** MITTELO_CONTAINMENT, checked: `auto` (the default) or one mechanism. */
export function containmentMode(env: NodeJS.ProcessEnv = process.env): ContainmentMode {
  const value = env.MITTELO_CONTAINMENT?.trim() || 'auto';
  if (value === 'auto' || (CONTAINMENT_MECHANISMS as readonly string[]).includes(value)) return value as ContainmentMode;
  throw new Error(`MITTELO_CONTAINMENT must be one of auto, ${CONTAINMENT_MECHANISMS.join(', ')}; got ${JSON.stringify(value)}`);
}

// ---- cgroup v2 -------------------------------------------------------------------------------

/** Why cgroups cannot be used by this process (found at the first try), or null while they may. */
let cgroupRefusal: string | null = process.platform === 'linux' ? null : 'cgroups are Linux only';

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The cgroup v2 folder this process is in now, from /proc/self/cgroup and the cgroup2 mount. */
export function ownCgroupDir(): string | null {
  let membership: string;
  let mounts: string;
  try {
    membership = fs.readFileSync('/proc/self/cgroup', 'utf8');
    mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return null;
  }
  const own = /^0::(\/.*)$/m.exec(membership)?.[1];
  if (own === undefined) return null;
  for (const line of mounts.split('\n')) {
    const [before, after] = line.split(' - ');
    if (!before || !after?.startsWith('cgroup2 ')) continue;
    const [, , , root = '', mountPoint = ''] = before.split(' ');
    if (own === root || own.startsWith(root === '/' ? '/' : `${root}/`)) {
      return path.join(mountPoint.replace(/\\040/g, ' '), own.slice(root === '/' ? 0 : root.length));
    }
  }
  return null;
}

function movePid(dir: string, pid: number): void {
  fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
}

export function cgroupPids(dir: string): number[] {
  try {
    return fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter((line) => line !== '').map(Number);
  } catch {
    return [];
  }
}

/** True while any process is in the cgroup (zombies are not: the kernel takes them out at exit). */
export function cgroupPopulated(dir: string): boolean {
  try {
    return /^populated 1$/m.test(fs.readFileSync(path.join(dir, 'cgroup.events'), 'utf8'));
  } catch {
    return false;
  }
}

function signalPid(pid: number, signal: LadderSignal): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Gone meanwhile, or not ours to signal.
  }
}

/** Everything in cgroup `dir` (and group `pgid`, if given: a member may have moved out). */
export function cgroupTarget(dir: string, pgid: number | null): KillTarget {
  return {
    alive: () => cgroupPopulated(dir) || (pgid !== null && groupAlive(pgid)),
    signal: (signal) => {
      const pids = cgroupPids(dir);
      // Never ourselves: should the step back out of the cgroup ever have failed, we are in it.
      const selfInside = pids.includes(process.pid);
      if (signal === 'SIGKILL' && !selfInside) {
        try {
          fs.writeFileSync(path.join(dir, 'cgroup.kill'), '1');
        } catch {
          for (const pid of pids) signalPid(pid, signal); // cgroup.kill is Linux 5.14+
        }
      } else {
        for (const pid of pids) if (pid !== process.pid) signalPid(pid, signal);
      }
      // The group gets only the last rung: its members already had each signal once, one by one.
      if (pgid !== null && signal === 'SIGKILL') signalGroup(pgid, signal);
    },
    pollMs: CGROUP_POLL_MS,
  };
}

/** Removes the cgroup folder; false while processes are still in it. */
export function removeCgroup(dir: string): boolean {
  try {
    fs.rmdirSync(dir);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** A new cgroup for one run under ours, or null (and the reason remembered) when that is not possible. */
function makeRunCgroup(tag: string): { dir: string; parent: string } | null {
  if (cgroupRefusal) return null;
  const parent = ownCgroupDir();
  if (!parent) {
    cgroupRefusal = 'no cgroup v2 hierarchy is mounted for this process';
    return null;
  }
  const dir = path.join(parent, `${CGROUP_PREFIX}${tag}`);
  try {
    fs.mkdirSync(dir);
    return { dir, parent };
  } catch (error) {
    cgroupRefusal = `cannot make a cgroup under ${parent}: ${errorText(error)}`;
    return null;
  }
}

// ---- environment tag sweep -------------------------------------------------------------------

/**
 * The running processes that carry `tag` in their environment, are in group `pgid`, or descend from
 * one that does (a child that cleared its environment). Never this process; zombies do not count.
 * `since` (the run leader's start, in /proc clock ticks) skips every older process: none of them
 * can be the run's, and not reading their environment makes the sweep several times cheaper.
 */
export function taggedProcesses(tag: string, pgid: number | null, since = 0): number[] {
  const needle = Buffer.from(`${TAG_VARIABLE}=${tag}`);
  const all = listProcesses().filter((entry) => entry.pid !== process.pid && entry.state !== 'Z' && entry.start >= since);
  const found = new Set<number>();
  for (const entry of all) if ((pgid !== null && entry.pgid === pgid) || environHas(entry.pid, needle)) found.add(entry.pid);
  for (let grew = true; grew; ) {
    grew = false;
    for (const entry of all) {
      if (!found.has(entry.pid) && found.has(entry.ppid)) {
        found.add(entry.pid);
        grew = true;
      }
    }
  }
  return [...found];
}

/** The group `pgid` (if given) and every process taggedProcesses finds. */
export function environTarget(tag: string, pgid: number | null, since = 0): KillTarget {
  return {
    alive: () => (pgid !== null && groupAlive(pgid)) || taggedProcesses(tag, pgid, since).length > 0,
    signal: (signal) => {
      if (pgid !== null) signalGroup(pgid, signal);
      for (const pid of taggedProcesses(tag, pgid, since)) if (pgid === null || procEntry(pid)?.pgid !== pgid) signalPid(pid, signal);
    },
    pollMs: SWEEP_POLL_MS,
  };
}

// ---- choosing ----------------------------------------------------------------------------------

function plainContainment(mechanism: 'environ' | 'group', tag: string): Containment {
  return {
    mechanism,
    tag,
    cgroup: null,
    spawnInside: (spawn) => spawn(),
    // The leader's start bounds the sweep (read now, while it surely runs: the spawn just returned).
    target: (pgid) => (mechanism === 'environ' ? environTarget(tag, pgid, procEntry(pgid)?.start ?? 0) : groupTarget(pgid)),
    close: () => true,
  };
}

class CgroupContainment implements Containment {
  private fallback: Containment | null = null;

  constructor(
    readonly tag: string,
    private readonly dir: string,
    private readonly parent: string,
  ) {}

  get mechanism(): ContainmentMechanism {
    return this.fallback?.mechanism ?? 'cgroup';
  }

  get cgroup(): string | null {
    return this.fallback ? null : this.dir;
  }

  spawnInside<T>(spawn: () => T): T {
    try {
      movePid(this.dir, process.pid);
    } catch (error) {
      cgroupRefusal = `cannot move processes into ${this.dir}: ${errorText(error)}`;
      removeCgroup(this.dir);
      this.fallback = plainContainment('environ', this.tag);
      return spawn();
    }
    try {
      return spawn();
    } finally {
      movePid(this.parent, process.pid);
    }
  }

  target(pgid: number): KillTarget {
    return this.fallback ? this.fallback.target(pgid) : cgroupTarget(this.dir, pgid);
  }

  close(): boolean {
    return this.fallback ? true : removeCgroup(this.dir);
  }
}

/** The containment for one run: `mode` if this machine allows it, else the next best (cgroup, environ, group). */
export function openContainment(mode: ContainmentMode = 'auto'): Containment {
  const tag = crypto.randomBytes(12).toString('hex');
  if (process.platform !== 'linux' || mode === 'group') return plainContainment('group', tag);
  if (mode === 'environ') return plainContainment('environ', tag);
  const made = makeRunCgroup(tag);
  return made ? new CgroupContainment(tag, made.dir, made.parent) : plainContainment('environ', tag);
}

/**
 * What `auto` uses on this machine and why, trying a cgroup for real (made, entered, left, removed).
 * For `mittelo doctor` and the tests.
 */
export function probeContainment(): { mechanism: ContainmentMechanism; detail: string } {
  if (process.platform !== 'linux') return { mechanism: 'group', detail: 'process groups (cgroups and /proc are Linux only)' };
  const probe = openContainment('cgroup');
  const dir = probe.cgroup;
  probe.spawnInside(() => undefined);
  probe.close();
  if (probe.mechanism === 'cgroup' && dir) return { mechanism: 'cgroup', detail: `cgroup v2 under ${path.dirname(dir)}` };
  return { mechanism: 'environ', detail: `environment tag sweep of /proc (${cgroupRefusal ?? 'cgroup v2 not usable'})` };
}
