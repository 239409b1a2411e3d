/**
 * The per-workspace token (Jupyter's model, docs/SECURITY.md): the app and `mittelo serve` protect
 * their hub ports and browser page with a random token kept in `<workspace>/.mittelo/token`, a file
 * only the user can read. While the app runs its own hub it leaves a record of where that hub
 * listens (in the workspace and in the user's config dir), so `mittelo` commands pointed at the
 * workspace or at the hub find the token without being told.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { HubError, errorMessage } from '../errors.js';
import { readTokenFile } from '../wire/auth.js';
import { processAlive } from '../store/db-lock.js';

const STATE_DIR = '.mittelo';
const TOKEN_FILE = 'token';
const HUB_RECORD = 'hub.json';

export function workspaceTokenPath(workspace: string): string {
  return path.join(workspace, STATE_DIR, TOKEN_FILE);
}

/**
 * The workspace's token, made on first use: 32 random bytes, written with mode 0600 (created
 * exclusively, so a file planted by someone else is never reused without its mode being fixed).
 */
export function ensureWorkspaceToken(workspace: string, log: (line: string) => void = () => undefined): string {
  const file = workspaceTokenPath(workspace);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    const fd = fs.openSync(file, 'wx', 0o600);
    try {
      fs.writeFileSync(fd, `${randomBytes(32).toString('base64url')}\n`);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new HubError('internal', `cannot create the workspace token ${file}: ${errorMessage(err)}`);
  }
  const stat = fs.lstatSync(file);
  if (!stat.isFile()) throw new HubError('bad_request', `${file} is not a regular file; remove it and start again (a new token is made)`);
  if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
    fs.chmodSync(file, 0o600);
    log(`the workspace token ${file} was readable by others; it is now readable by you only (mode 0600)`);
  }
  return readTokenFile(file, `the workspace token ${file}`);
}

const hubRecordSchema = z.object({ pid: z.number().int().positive(), host: z.string().min(1), port: z.number().int().min(1).max(65535), rest_url: z.string().nullable() });
export type HubRecord = z.output<typeof hubRecordSchema>;

function writePrivate(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, text, { mode: 0o600 });
  fs.renameSync(temp, file);
}

/** `<config dir>/hubs/<port>.json` names the workspace whose hub listens on that loopback port. */
function userIndexPath(configDir: string, port: number): string {
  return path.join(configDir, 'hubs', `${port}.json`);
}

/** The app runs its own hub on `workspace` with the workspace token: say where, for `mittelo` commands. */
export function recordRunningHub(workspace: string, configDir: string, hub: Omit<HubRecord, 'pid'>): () => void {
  const record: HubRecord = { pid: process.pid, ...hub };
  const local = path.join(workspace, STATE_DIR, HUB_RECORD);
  const index = userIndexPath(configDir, hub.port);
  writePrivate(local, `${JSON.stringify(record, null, 2)}\n`);
  try {
    writePrivate(index, `${JSON.stringify({ pid: process.pid, workspace }, null, 2)}\n`);
  } catch {
    // The index only helps commands run outside the workspace; the workspace record is enough.
  }
  return () => {
    for (const file of [local, index]) {
      try {
        const written = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid?: unknown };
        if (written.pid === process.pid) fs.rmSync(file, { force: true });
      } catch {
        // Already gone or replaced: nothing to remove.
      }
    }
  };
}

/** The live hub record of a workspace (its hub is running now), or null. */
export function runningHubOf(workspace: string): HubRecord | null {
  try {
    const parsed = hubRecordSchema.safeParse(JSON.parse(fs.readFileSync(path.join(workspace, STATE_DIR, HUB_RECORD), 'utf8')));
    return parsed.success && processAlive(parsed.data.pid) ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The workspace whose app hub listens on this loopback port right now (from the user index), or null. */
export function workspaceOfHubPort(configDir: string, port: number): string | null {
  try {
    const parsed = z.object({ pid: z.number().int().positive(), workspace: z.string().min(1) }).safeParse(JSON.parse(fs.readFileSync(userIndexPath(configDir, port), 'utf8')));
    if (!parsed.success || !processAlive(parsed.data.pid)) return null;
    return runningHubOf(parsed.data.workspace)?.port === port ? parsed.data.workspace : null;
  } catch {
    return null;
  }
}
