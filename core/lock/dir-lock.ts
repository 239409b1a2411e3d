/**
 * A lock shared between processes on one machine (several `npm test` runs may share one cache): a
 * directory created atomically, holding its owner's pid. A lock whose owner has died, or that is
 * older than the work it guards can take, is broken.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface DirLockOptions {
  /** A lock older than this is taken to be abandoned. */
  maxAgeMs: number;
  /** Called once when the lock is busy and the caller starts waiting. */
  onWait?: () => void;
}

/** Waits for and takes the lock at `lockDir`; resolves to the function that releases it. */
export async function acquireDirLock(lockDir: string, options: DirLockOptions): Promise<() => void> {
  const owner = path.join(lockDir, 'owner');
  fs.mkdirSync(path.dirname(lockDir), { recursive: true });
  let waiting = false;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(owner, JSON.stringify({ pid: process.pid, host: os.hostname(), since: Date.now() }));
      return () => fs.rmSync(lockDir, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (isStale(owner, options.maxAgeMs)) {
      fs.rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (!waiting) options.onWait?.();
    waiting = true;
    // No event reports that another process removed a directory; look again shortly.
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

function isStale(owner: string, maxAgeMs: number): boolean {
  let info: { pid?: unknown; host?: unknown; since?: unknown };
  try {
    info = JSON.parse(fs.readFileSync(owner, 'utf8')) as typeof info;
  } catch {
    // Owner not written yet (the lock was just taken) or unreadable: judge by the folder's age.
    try {
      return Date.now() - fs.statSync(path.dirname(owner)).mtimeMs > 60_000;
    } catch {
      return false;
    }
  }
  if (typeof info.since === 'number' && Date.now() - info.since > maxAgeMs) return true;
  // Another machine's pid (a shared network cache) says nothing here: only the age can tell.
  if (info.host !== os.hostname() || typeof info.pid !== 'number') return false;
  try {
    process.kill(info.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
