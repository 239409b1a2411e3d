/**
 * Reaping what a dead agent left running. An agent killed with SIGKILL (or a crashed app) cannot end
 * its tasks' processes; their notes stay in the ledger (drivers/run/ledger.ts). Every agent, when it
 * starts, ends the processes of notes whose owner is gone and drops the notes. A note's pids are
 * trusted only with their start times: a pid since reused by another program is never signalled.
 */
import fs from 'node:fs';
import path from 'node:path';
import { cgroupPids, cgroupTarget, environTarget, removeCgroup, taggedProcesses } from '../../drivers/run/containment.js';
import { groupTarget, runKillLadder, type KillTarget, type LadderSignal } from '../../drivers/run/kill.js';
import type { LedgerEntry, ProcessLedger } from '../../drivers/run/ledger.js';
import { sameProcess } from '../../drivers/run/proc.js';

/** Leftovers get a moment to exit on SIGTERM, then SIGKILL: nobody waits for their result any more. */
const REAP_LADDER: readonly LadderSignal[] = ['SIGTERM', 'SIGKILL'];
const REAP_GRACE_MS = 1000;
/** A note that cannot be read is removed once it is this old (it is not being written any more). */
const UNREADABLE_NOTE_AGE_MS = 60_000;
/** Notes being reaped by this process: the app starts one agent per backend at once, each reaps. */
const reapingNow = new Set<string>();

export interface Reaped {
  task: string | null;
  command: string;
  ownerPid: number;
  /** Processes found still running. */
  processes: number;
  signals: LadderSignal[];
}

/** The cgroup a note names, if it is one of ours (named after the note's tag) and still there. */
function noteCgroup(entry: LedgerEntry): string | null {
  if (!entry.cgroup || path.basename(entry.cgroup) !== `mittelo-${entry.tag}`) return null;
  return fs.existsSync(path.join(entry.cgroup, 'cgroup.procs')) ? entry.cgroup : null;
}

/** What is left of a run, and how many processes that is now (null: unknown). */
function leftovers(entry: LedgerEntry): { target: KillTarget; count: () => number | null } | null {
  // The group id is ours only while its leader is the very process we started.
  const pgid = sameProcess(entry.leader.pid, entry.leader.start) ? entry.leader.pid : null;
  const cgroup = noteCgroup(entry);
  if (cgroup) return { target: cgroupTarget(cgroup, pgid), count: () => cgroupPids(cgroup).length };
  if (process.platform === 'linux') {
    const since = Number(entry.leader.start) || 0; // /proc clock ticks: nothing older is the run's
    return { target: environTarget(entry.tag, pgid, since), count: () => taggedProcesses(entry.tag, pgid, since).length };
  }
  return pgid === null ? null : { target: groupTarget(pgid), count: () => null };
}

async function reapOne(entry: LedgerEntry, graceMs: number): Promise<Reaped> {
  const found = leftovers(entry);
  const processes = found?.count() ?? 0;
  const signals = found?.target.alive() ? await runKillLadder(found.target, graceMs, REAP_LADDER) : [];
  if (entry.cgroup && noteCgroup(entry)) removeCgroup(entry.cgroup);
  return { task: entry.task, command: entry.command, ownerPid: entry.owner.pid, processes, signals };
}

/**
 * Ends what the notes of dead owners describe and removes those notes; notes of live owners (other
 * agents running now) are left alone. Resolves with what was reaped, once it is gone.
 */
export async function reapLeftovers(ledger: ProcessLedger, log: (line: string) => void, graceMs = REAP_GRACE_MS): Promise<Reaped[]> {
  const reaped: Reaped[] = [];
  for (const record of ledger.list()) {
    const { entry } = record;
    if (!entry) {
      let age: number;
      try {
        age = Date.now() - fs.statSync(record.file).mtimeMs;
      } catch {
        continue;
      }
      if (age > UNREADABLE_NOTE_AGE_MS) {
        log(`removed an unreadable note of a task process (${record.problem}): ${record.file}`);
        fs.rmSync(record.file, { force: true });
      }
      continue;
    }
    if (sameProcess(entry.owner.pid, entry.owner.start) || reapingNow.has(record.file)) continue;
    reapingNow.add(record.file);
    let done: Reaped;
    try {
      done = await reapOne(entry, graceMs);
      fs.rmSync(record.file, { force: true });
    } finally {
      reapingNow.delete(record.file);
    }
    reaped.push(done);
    if (done.signals.length > 0) {
      const what = done.task === null ? 'a run' : `task ${done.task}`;
      const count = done.processes > 0 ? `${done.processes} process${done.processes === 1 ? '' : 'es'}` : 'processes';
      log(`ended ${count} that ${what} (${done.command}) left running when its agent (pid ${done.ownerPid}) died; sent ${done.signals.join(', ')}`);
    }
  }
  return reaped;
}
