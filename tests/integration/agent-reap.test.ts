/**
 * An agent killed with SIGKILL cannot end its task's processes; the next agent to start does, from
 * the notes the dead one left in MITTELO_STATE_DIR. A pid that merely matches a note (reused by
 * another program since) is never signalled, and notes of agents still running are left alone.
 * Linux (the test reads /proc); needs `npm run build` first.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reapLeftovers } from '../../core/agent/reap.js';
import { ownCgroupDir } from '../../drivers/run/containment.js';
import { ProcessLedger, selfIdentity, type LedgerEntry } from '../../drivers/run/ledger.js';
import { processStartTime } from '../../drivers/run/proc.js';
import type { HubClient } from '../../core/wire/client.js';
import { AgentProcess, BackendsDir, alive, waitGone } from '../agent-helpers.js';
import { connect, startTestHub, tempDir } from '../helpers.js';

let hub: Awaited<ReturnType<typeof startTestHub>>;
let client: HubClient;
const backends = new BackendsDir();
const agents: AgentProcess[] = [];
const strays: number[] = [];

beforeAll(async () => {
  hub = await startTestHub();
  client = await connect(hub);
});

afterAll(async () => {
  await Promise.all(agents.map((agent) => agent.kill()));
  for (const pid of strays) if (alive(pid)) process.kill(pid, 'SIGKILL');
  client.close();
  await hub.stop();
  fs.rmSync(backends.dir, { recursive: true, force: true });
});

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.runIf(process.platform === 'linux')('reaping after an agent was killed with SIGKILL', () => {
  // The task leaves a background sleeper in its group and another that called setsid (a new session
  // and group: out of the kill ladder's reach), then becomes a sleeper itself. Each writes its pid down.
  function stubbornBackend(name: string): string {
    backends.add(
      name,
      [
        'cat > /dev/null',
        'sleep 300 &',
        'echo $! >> "$MITTELO_BACKEND_DIR/pids"',
        `setsid sh -c 'echo $$ >> "$MITTELO_BACKEND_DIR/pids"; exec sleep 300' < /dev/null > /dev/null 2>&1 &`,
        'echo $$ >> "$MITTELO_BACKEND_DIR/pids"',
        'exec sleep 300',
      ].join('\n'),
    );
    return name;
  }

  function pidsOf(backend: string): number[] {
    try {
      return fs.readFileSync(path.join(backends.dir, backend, 'pids'), 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  }

  for (const containment of ['auto', 'environ'] as const) {
    it(`the next agent ends what the dead one's task left running, setsid included (containment ${containment})`, async () => {
      const backend = stubbornBackend(`stubborn_${containment}`);
      const stateDir = tempDir('mittelo-state-');
      const env = { ...backends.env, MITTELO_STATE_DIR: stateDir, MITTELO_CONTAINMENT: containment };
      // Leases outlast the test: the second agent must not simply run the task again.
      const args = ['--port', String(hub.port), '--backend', backend, '--lease-seconds', '600', '--wait-seconds', '1'];
      const first = AgentProcess.start(args, env);
      agents.push(first);
      const { task_id } = await client.enqueue({ prompt: 'p', backend });
      const pids = await until('the task to start its three processes', () => (pidsOf(backend).length === 3 ? pidsOf(backend) : undefined));
      strays.push(...pids);
      expect(fs.readdirSync(path.join(stateDir, 'running'))).toHaveLength(1);

      await first.kill();
      // SIGKILL gave the agent no chance: everything its task started is still there.
      expect(pids.filter(alive)).toEqual(pids);

      const second = AgentProcess.start(args, env);
      agents.push(second);
      expect(await waitGone(pids, 20_000)).toBe(true);
      await second.waitForStderr(new RegExp(`ended \\d+ processes that task ${task_id} \\(.*\\) left running when its agent \\(pid ${first.child.pid}\\) died; sent SIGTERM`));
      expect(fs.readdirSync(path.join(stateDir, 'running'))).toEqual([]);
      await second.kill();
      await client.cancel(task_id);
    });
  }
});

describe.runIf(process.platform === 'linux')('reaping never signals what is not ours', () => {
  it('skips a pid reused by another program, a cgroup not named after the note, and notes of live agents', async () => {
    const ledger = new ProcessLedger(tempDir('mittelo-state-'));
    fs.mkdirSync(ledger.dir, { recursive: true });
    // An unrelated program leading its own group, as a recycled pid would be.
    const bystander = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
    const pid = bystander.pid ?? 0;
    strays.push(pid);
    const start = processStartTime(pid) ?? '';
    const gone = spawn('true');
    const deadPid = await new Promise<number>((resolve) => gone.once('exit', () => resolve(gone.pid ?? 0)));
    const note = (name: string, fields: Partial<LedgerEntry>): void => {
      const entry: LedgerEntry = {
        version: 1,
        owner: { pid: deadPid, start: 'gone' },
        leader: { pid, start: 'an earlier process with the same pid' },
        tag: crypto.randomBytes(12).toString('hex'),
        cgroup: null,
        task: name,
        command: 'sleep 300',
        started_at: Date.now(),
        ...fields,
      };
      fs.writeFileSync(path.join(ledger.dir, `${entry.tag}.json`), JSON.stringify(entry));
    };
    note('recycled', {});
    // A note naming this very process's cgroup: following it would kill the reaper itself.
    note('foreign-cgroup', { cgroup: ownCgroupDir() });
    note('live-owner', { owner: selfIdentity() ?? { pid: process.pid, start: '?' }, leader: { pid, start } });
    fs.writeFileSync(path.join(ledger.dir, 'broken.json'), '{"version":');

    const logs: string[] = [];
    const reaped = await reapLeftovers(ledger, (line) => logs.push(line));
    expect(reaped.map((r) => r.task).sort()).toEqual(['foreign-cgroup', 'recycled']);
    expect(reaped.every((r) => r.signals.length === 0)).toBe(true);
    expect(alive(pid)).toBe(true);
    // The live agent's note stays; a fresh unreadable note may still be being written, so it stays too.
    expect(ledger.list().map((r) => r.entry?.task ?? 'unreadable').sort()).toEqual(['live-owner', 'unreadable']);
    expect(logs).toEqual([]);
  });
});
