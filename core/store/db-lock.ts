/**
 * One hub per database file: `<db>.hub.lock` holds the owning process id. A lock whose process is
 * gone (a hub killed with -9) is taken over; a live one is refused with a message naming it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { HubError } from '../errors.js';

/** Whether a process with this pid exists (EPERM: it does, owned by another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live process holding the hub lock of `dbPath`, or null when no hub holds it (or its holder died). */
export function hubLockOwner(dbPath: string): number | null {
  let text: string;
  try {
    text = fs.readFileSync(`${path.resolve(dbPath)}.hub.lock`, 'utf8');
  } catch {
    return null;
  }
  const owner = Number(text.trim());
  return Number.isInteger(owner) && owner > 0 && processAlive(owner) ? owner : null;
}

export function lockDatabase(dbPath: string): { release: () => void } {
  const lockPath = `${path.resolve(dbPath)}.hub.lock`;
  fs.mkdirSync(path.dirname(lockPath), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, `${process.pid}\n`, { flag: 'wx' });
      let released = false;
      return {
        release: () => {
          if (released) return;
          released = true;
          try {
            if (fs.readFileSync(lockPath, 'utf8').trim() === String(process.pid)) fs.rmSync(lockPath);
          } catch {
            // Already gone: nothing to release.
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new HubError('database', `cannot create the hub lock ${lockPath}: ${(err as Error).message}`);
      }
      const owner = Number(fs.readFileSync(lockPath, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && processAlive(owner)) {
        throw new HubError('database', `database ${path.resolve(dbPath)} is in use by another hub (pid ${owner}); stop it, or use another --db`);
      }
      // Stale (its hub died) or ours from before: take it over.
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new HubError('database', `cannot take the hub lock ${lockPath}`);
}
