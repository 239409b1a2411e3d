/**
 * A durable note of every task process running now, one small file per run in the user's state
 * folder, so that an agent killed with SIGKILL (no chance to clean up) leaves a trail: the next agent
 * to start reaps what the dead one left (core/agent/reap.ts). Each note names its owner (pid and
 * start time of the agent process) and its leader (pid and start time of the CLI) so that a pid the
 * kernel has since given to another program is never taken for ours.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { processStartTime } from './proc.js';

const identity = z.object({ pid: z.number().int().positive(), start: z.string().min(1) });

export const ledgerEntrySchema = z.object({
  version: z.literal(1),
  owner: identity,
  leader: identity,
  /** The tag in the run's environment (containment.ts). */
  tag: z.string().regex(/^[0-9a-f]{8,64}$/),
  cgroup: z.string().nullable(),
  task: z.string().max(200).nullable(),
  command: z.string().max(4096),
  started_at: z.number(),
});
export type LedgerEntry = z.infer<typeof ledgerEntrySchema>;
export type Identity = z.infer<typeof identity>;

/** MITTELO_STATE_DIR, else the platform's per-user state folder. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.MITTELO_STATE_DIR?.trim()) return path.resolve(env.MITTELO_STATE_DIR);
  if (platform === 'win32') return path.join(env.LOCALAPPDATA || path.join(os.homedir(), 'AppData', 'Local'), 'mittelo', 'state');
  if (platform === 'darwin') return path.join(os.homedir(), 'Library', 'Application Support', 'mittelo', 'state');
  return path.join(env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state'), 'mittelo');
}

let ownIdentity: Identity | null | undefined;

/** This process as the ledger names it; null where start times cannot be read (Windows). */
export function selfIdentity(): Identity | null {
  if (ownIdentity === undefined) {
    const start = processStartTime(process.pid);
    ownIdentity = start ? { pid: process.pid, start } : null;
  }
  return ownIdentity;
}

export interface LedgerRecord {
  file: string;
  entry: LedgerEntry | null;
  /** Why the file could not be read as an entry. */
  problem?: string;
}

export class ProcessLedger {
  /** The folder of notes: `<state dir>/running`. */
  readonly dir: string;

  constructor(stateDir: string = defaultStateDir()) {
    this.dir = path.join(stateDir, 'running');
  }

  private fileFor(tag: string): string {
    return path.join(this.dir, `${tag}.json`);
  }

  /**
   * Notes a run that has just started. Best effort: a run is never refused because its note could
   * not be written (the error is returned for the log).
   */
  record(fields: Omit<LedgerEntry, 'version' | 'owner' | 'leader' | 'started_at'> & { leaderPid: number }): string | null {
    const owner = selfIdentity();
    const leaderStart = processStartTime(fields.leaderPid);
    if (!owner || !leaderStart) return null; // nothing could be verified later: no note
    const entry: LedgerEntry = {
      version: 1,
      owner,
      leader: { pid: fields.leaderPid, start: leaderStart },
      tag: fields.tag,
      cgroup: fields.cgroup,
      task: fields.task,
      command: fields.command.slice(0, 4096),
      started_at: Date.now(),
    };
    try {
      fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      fs.writeFileSync(this.fileFor(fields.tag), JSON.stringify(entry), { mode: 0o600 });
      return null;
    } catch (error) {
      return `could not note the task process in ${this.dir}: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  /** The run ended and left nothing: drop its note. */
  remove(tag: string): void {
    fs.rmSync(this.fileFor(tag), { force: true });
  }

  /** Every note, read and checked. */
  list(): LedgerRecord[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return [];
    }
    return names
      .filter((name) => name.endsWith('.json'))
      .map((name) => {
        const file = path.join(this.dir, name);
        try {
          const parsed = ledgerEntrySchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
          return parsed.success ? { file, entry: parsed.data } : { file, entry: null, problem: parsed.error.issues[0]?.message ?? 'not a ledger entry' };
        } catch (error) {
          return { file, entry: null, problem: error instanceof Error ? error.message : String(error) };
        }
      });
  }
}
