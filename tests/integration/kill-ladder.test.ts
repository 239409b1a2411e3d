import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { groupAlive, killProcessGroup } from '../../drivers/run/kill.js';
import { runningInGroup } from '../agent-helpers.js';
import { repoRoot } from '../helpers.js';

const fixtures = path.join(repoRoot, 'tests', 'fixtures', 'runner');
const started: ChildProcess[] = [];

/** Starts `script` as the leader of its own process group and resolves once `readyText` is printed. */
async function startGroup(script: string, args: string[], readyText: string): Promise<number> {
  const child = spawn(process.execPath, [path.join(fixtures, script), ...args], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  started.push(child);
  let seen = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(readyText)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before printing "${readyText}": ${seen}`)));
  });
  // Keep draining so a later write by the group never blocks on a full pipe.
  child.stdout?.resume();
  return child.pid as number;
}

afterEach(() => {
  for (const child of started.splice(0)) {
    try {
      if (child.pid && groupAlive(child.pid)) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

// The ladder's order, read from what it sent rather than from what a starved child managed to
// log: which rungs run depends only on whether the group is still there, not on scheduling.
describe('killProcessGroup', () => {
  it('climbs SIGINT, SIGTERM, SIGKILL for a group whose grandchild ignores the first two, and leaves nothing', async () => {
    const pgid = await startGroup('tree.mjs', ['wait'], 'ready');
    const startedAt = Date.now();
    expect(await killProcessGroup(pgid, 150)).toEqual(['SIGINT', 'SIGTERM', 'SIGKILL']);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(2 * 150);
    expect(runningInGroup(pgid)).toEqual([]); // zombies awaiting init do not count
  });

  it('stops at SIGINT when the group ends on it', async () => {
    const pgid = await startGroup('live.mjs', [], 'pid');
    expect(await killProcessGroup(pgid, 5000)).toEqual(['SIGINT']);
    expect(groupAlive(pgid)).toBe(false);
  });

  it('sends nothing to a group that is already gone', async () => {
    const pgid = await startGroup('live.mjs', [], 'pid');
    // Its only member is our own child, so once its exit is seen it has been reaped: the group is empty.
    const exited = new Promise((resolve) => started.at(-1)?.once('exit', resolve));
    process.kill(-pgid, 'SIGKILL');
    await exited;
    expect(await killProcessGroup(pgid, 50)).toEqual([]);
  });
});
