/**
 * Keeping a system test's processes inside their workdir. The task's process (the agent CLI, then
 * the check) runs in its own mount namespace where the folders Mittelo owns (every task's workdir,
 * the workspace's `.mittelo/`) are read-only, except this task's own workdir. Everything else stays
 * as it is: the CLI still writes its config and cache in $HOME and /tmp, reads the system, reaches
 * the network. A write through `..` into the task's folder, the run's folder or a sibling task's
 * workdir fails with EROFS.
 *
 * No extra package: `unshare` (util-linux) makes the namespace, `mount --bind` + `remount,ro` does
 * the rest, then the wrapper `exec`s the CLI, so the CLI keeps the pid, process group and cgroup
 * the runner's containment and kill ladder expect. As root the namespace is a plain mount namespace;
 * otherwise a user namespace maps us to root to mount, and a nested one maps us back to our own uid
 * (so files stay ours and CLIs that refuse to run as root still run). Where that cannot work (not
 * Linux, no util-linux, user namespaces disabled) the probe says why, and system tests fall back to
 * detecting writes outside after the task (core/agent/workdirs.ts).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** What a confined run may write in the folders we guard: only `writable`, inside them. */
export interface WorkdirConfinement {
  /** The task's workdir: stays writable. */
  writable: string;
  /** Folders made read-only around it (the workdirs root, the workspace's `.mittelo/`). */
  readOnly: string[];
}

export const CONFINE_MODES = ['auto', 'on', 'off'] as const;
export type ConfineMode = (typeof CONFINE_MODES)[number];

/** MITTELO_CONFINE_WORKDIRS, checked: `auto` (default: when this machine allows), `on` (required), `off` (detect only). */
export function confineMode(env: NodeJS.ProcessEnv = process.env): ConfineMode {
  const value = env.MITTELO_CONFINE_WORKDIRS?.trim() || 'auto';
  if ((CONFINE_MODES as readonly string[]).includes(value)) return value as ConfineMode;
  throw new Error(`MITTELO_CONFINE_WORKDIRS must be one of ${CONFINE_MODES.join(', ')}; got ${JSON.stringify(value)}`);
}

/** Exit code of the wrapper when it could not set the namespace up (the CLI did not start). */
export const CONFINE_FAILED_EXIT = 125;

/**
 * $1 mount, $2 unshare, $3 `uid:gid` to map back to (or `-`), $4 how many read-only folders, then
 * those folders, the writable one, and the command. Mount's own message says what failed.
 */
const WRAPPER = `fail() { echo "mittelo: cannot keep the task inside its workdir: $1" >&2; exit ${CONFINE_FAILED_EXIT}; }
m=$1; u=$2; back=$3; n=$4; shift 4
here=\${PWD:-$(pwd -P)}
while [ "$n" -gt 0 ]; do
  "$m" -o bind,ro "$1" "$1" || fail "could not make $1 read-only"
  shift; n=$((n - 1))
done
# A bind takes the flags of the mount it comes from (read-only now): remount it writable.
"$m" --bind "$1" "$1" && "$m" -o remount,bind,rw "$1" || fail "could not keep $1 writable"
shift
# The working directory was entered before the mounts: enter it again, through them.
cd "$here" || fail "cannot enter $here"
if [ "$back" != - ]; then exec "$u" --user --map-user="\${back%:*}" --map-group="\${back#*:}" -- "$@"; fi
exec "$@"`;

interface Tools {
  unshare: string;
  mount: string;
  sh: string;
  /** Not root: a user namespace to mount in, and our own uid:gid mapped back for the CLI. */
  mapBack: string | null;
}

/** The executable `name` on `searchPath`, or null. */
export function findExecutable(name: string, searchPath: string | undefined, cwd = process.cwd()): string | null {
  const candidates = name.includes('/') ? [path.resolve(cwd, name)] : (searchPath ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, name));
  for (const candidate of candidates) {
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // Not here.
    }
  }
  return null;
}

const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function findTools(): Tools | string {
  if (process.platform !== 'linux') return 'mount namespaces are Linux only';
  const searchPath = `${process.env.PATH ?? ''}${path.delimiter}${SYSTEM_PATH}`;
  const unshare = findExecutable('unshare', searchPath);
  const mount = findExecutable('mount', searchPath);
  const sh = findExecutable('sh', searchPath);
  if (!unshare || !mount || !sh) return `${!unshare ? 'unshare' : !mount ? 'mount' : 'sh'} (util-linux) is not installed`;
  const root = process.getuid?.() === 0;
  return { unshare, mount, sh, mapBack: root ? null : `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}` };
}

function wrapperArgs(tools: Tools, confine: WorkdirConfinement, command: string, args: string[]): string[] {
  // Outer folders first: a bind of an outer folder would hide a mount made inside it before.
  const readOnly = [...new Set(confine.readOnly.map((dir) => path.resolve(dir)))]
    .filter((dir) => fs.existsSync(dir))
    .sort((a, b) => a.length - b.length);
  const namespaceFlags = tools.mapBack ? ['--user', '--map-root-user', '--mount'] : ['--mount'];
  return [...namespaceFlags, '--propagation', 'private', '--', tools.sh, '-c', WRAPPER, 'mittelo-confine', tools.mount, tools.unshare, tools.mapBack ?? '-', String(readOnly.length), ...readOnly, path.resolve(confine.writable), command, ...args];
}

type Probe = { tools: Tools; detail: string } | { tools: null; detail: string };
let probed: Probe | undefined;

/** Tries the wrapper for real once: a write beside a scratch workdir must fail, one inside it must not. */
function probe(): Probe {
  const tools = findTools();
  if (typeof tools === 'string') return { tools: null, detail: tools };
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mittelo-confine-probe-'));
  try {
    const work = path.join(scratch, 'work');
    fs.mkdirSync(work);
    // Through `..` from inside, as an agent would: the working directory must be the confined one.
    const test = ['-c', 'touch ../outside 2>/dev/null && exit 3; touch inside'];
    const ran = spawnSync(tools.unshare, wrapperArgs(tools, { writable: work, readOnly: [scratch] }, tools.sh, test), { cwd: work, encoding: 'utf8', timeout: 10_000 });
    const inside = fs.existsSync(path.join(work, 'inside'));
    const outside = fs.existsSync(path.join(scratch, 'outside'));
    if (ran.status === 0 && inside && !outside) {
      return { tools, detail: `mount namespace (unshare${tools.mapBack ? ' --user' : ''}): the workdirs and .mittelo/ are read-only except the task's own workdir` };
    }
    const said = `${ran.error?.message ?? ''} ${ran.stderr ?? ''}`.trim().split('\n').slice(-1)[0] ?? '';
    return { tools: null, detail: `unshare could not make a mount namespace here${said ? ` (${said.slice(0, 200)})` : ` (exit ${ran.status ?? ran.signal})`}` };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** Whether runs can be confined on this machine, and how (or why not); tried once per process. */
export function probeConfinement(): { available: boolean; detail: string } {
  probed ??= probe();
  return { available: probed.tools !== null, detail: probed.detail };
}

/**
 * The command line that runs `command args` confined. A command that cannot be found is left
 * alone, so that the spawn fails as it would have (ENOENT: the CLI is not installed), rather than
 * the wrapper's shell failing with 127.
 */
export function confinedCommand(command: string, args: string[], confine: WorkdirConfinement, env: Record<string, string | undefined>, cwd: string): { command: string; args: string[] } {
  probed ??= probe();
  if (!probed.tools) throw new Error(`cannot keep the task inside its workdir: ${probed.detail}`);
  if (!findExecutable(command, env.PATH, cwd)) return { command, args };
  const resolved = command.includes('/') ? path.resolve(cwd, command) : command;
  return { command: probed.tools.unshare, args: wrapperArgs(probed.tools, confine, resolved, args) };
}
